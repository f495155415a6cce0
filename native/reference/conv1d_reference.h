// The float64 causal depthwise conv1d reference tests compare against.
#pragma once

#include "ssm/conv1d_problem.h"

namespace pmx::reference {

// Float64 throughout (SiLU as x / (1 + exp(-x)) with libm), one thread, the
// plain loops of the definition in panamax.h; reads/writes F32 or F64 per
// tensor, as the problem says. Depends on the problem description only.
void causal_conv1d(const ssm::Conv1dReferenceProblem &p);

}  // namespace pmx::reference
