// The float64 attention reference tests compare against.
#pragma once

#include <cstdint>

#include "attention/attention_problem.h"

namespace pmx::reference {

// Float64 throughout, one score row at a time; reads/writes F32 or F64 per
// tensor, as the problem says. Single-threaded, allocates O(Nk) per call.
// Depends on the problem description only (cu_seqlens bound to a copy).
void attention_fwd(const attention::FwdReferenceProblem &p);

}  // namespace pmx::reference
