// The selective scan a user writes first: the recurrence of panamax.h as a
// plain loop in float32, token by token, one thread, libm expf/log1pf.
// `bench selective-scan` times it beside the kernel (the issue's "plain
// sequential loop").
#pragma once

#include "ssm/scan_problem.h"

namespace pmx::baseline {

void selective_scan_sequential(const ssm::ScanProblem &p);

}  // namespace pmx::baseline
