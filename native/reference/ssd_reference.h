// The float64 Mamba-2 SSD reference tests compare against.
#pragma once

#include "ssm/ssd_problem.h"

namespace pmx::reference {

// The sequential recurrence in float64 (libm exp, log1p), one thread, token
// by token, never chunked; reads/writes F32 or F64 per tensor, as the
// problem says. The [P, N] state of each head is carried in float64. Works
// for the step form too (state_out may be state_in: each head's state is
// read before it is written).
void ssd(const ssm::SsdReferenceProblem &p);

}  // namespace pmx::reference
