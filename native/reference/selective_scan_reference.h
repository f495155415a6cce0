// The float64 selective-scan reference (Mamba-1) tests compare against.
#pragma once

#include "ssm/scan_problem.h"

namespace pmx::reference {

// The sequential recurrence in float64 (libm exp, log1p), one thread, token
// by token; reads/writes F32 or F64 per tensor, as the problem says. The
// state is carried in float64. Works for the step form too (state_out may
// be state_in: each channel's state is read before it is written).
void selective_scan(const ssm::ScanReferenceProblem &p);

}  // namespace pmx::reference
