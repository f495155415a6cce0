// The float64 RoPE reference tests compare against.
#pragma once

#include "rope/rope_problem.h"

namespace pmx::reference {

// Float64 throughout (cos and sin of the float64 angle from libm), one
// thread; reads/writes F32 or F64 per tensor, as the problem says. Depends on
// the problem description only; works in place.
void rope(const rope::RopeReferenceProblem &p);

}  // namespace pmx::reference
