// The float64 S4D kernel reference tests compare against.
#pragma once

#include "ssm/s4d_problem.h"

namespace pmx::reference {

// The Vandermonde product in float64 (one thread): Ā^l = exp(l·dt·A)
// evaluated directly for every l (no repeated products), B̄ = (Ā - 1)/A·B
// with Ā - 1 from expm1 (dt·B at A = 0). F32 or F64 per tensor.
void s4d_kernel(const ssm::S4dReferenceProblem &p);

}  // namespace pmx::reference
