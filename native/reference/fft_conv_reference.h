// The float64 S4 long-convolution reference tests compare against.
#pragma once

#include "ssm/fft_conv_problem.h"

namespace pmx::reference {

// The direct causal sum in float64 (one thread, O(L·min(Lk, L)) per
// channel), whatever the problem's method; F32 or F64 per tensor.
void fft_conv(const ssm::FftConvReferenceProblem &p);

}  // namespace pmx::reference
