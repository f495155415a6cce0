// Turns pmx_fft_conv_params into a validated S4 long-convolution problem
// (ssm/fft_conv_problem.h): one resolve step for every entry point.
#pragma once

#include <cstdint>

#include "panamax/panamax.h"
#include "ssm/fft_conv_problem.h"

namespace pmx {

// Validates every argument (throws pmx::Error naming it), resolves AUTO and
// refuses (UNSUPPORTED) an FFT longer than PMX_MAX_FFT_CONV_LENGTH; returns
// the kernel's problem (F32 tensors).
ssm::FftConvProblem resolve_fft_conv(const pmx_fft_conv_params *params);

// The same checks for the float64 reference (F32 or F64 tensors; the method
// is checked, then ignored).
ssm::FftConvReferenceProblem resolve_fft_conv_reference(const pmx_fft_conv_params *params);

// Bytes of workspace for `threads` threads.
int64_t fft_conv_workspace_bytes(const ssm::FftConvGeometry &g, int threads);

// The aliasing contract: out gives its elements distinct addresses and
// shares no byte with u, kernel or D.
void check_fft_conv_outputs_apart(const pmx_fft_conv_params &params);

// "workspace: overlaps <tensor>" when the workspace bytes touch any tensor.
void check_fft_conv_workspace_apart(const pmx_fft_conv_params &params, const void *workspace, int64_t bytes);

}  // namespace pmx
