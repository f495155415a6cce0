// Turns pmx_s4d_kernel_params into a validated S4D kernel problem
// (ssm/s4d_problem.h): one resolve step for every entry point.
#pragma once

#include <cstdint>

#include "panamax/panamax.h"
#include "ssm/s4d_problem.h"

namespace pmx {

// Validates every argument (throws pmx::Error naming it) and returns the
// kernel's problem (F32 tensors).
ssm::S4dProblem resolve_s4d_kernel(const pmx_s4d_kernel_params *params);

// The same checks for the float64 reference (F32 or F64 tensors).
ssm::S4dReferenceProblem resolve_s4d_kernel_reference(const pmx_s4d_kernel_params *params);

int64_t s4d_kernel_workspace_bytes(const ssm::S4dGeometry &g, int threads);

// out gives its elements distinct addresses and shares no byte with the
// inputs; with a workspace, neither does the workspace with any tensor.
void check_s4d_outputs_apart(const pmx_s4d_kernel_params &params);
void check_s4d_workspace_apart(const pmx_s4d_kernel_params &params, const void *workspace, int64_t bytes);

}  // namespace pmx
