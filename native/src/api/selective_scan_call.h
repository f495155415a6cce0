// Turns pmx_selective_scan_params into a validated selective-scan problem
// (ssm/scan_problem.h): one resolve step for every entry point.
#pragma once

#include <cstdint>

#include "panamax/panamax.h"
#include "ssm/scan_problem.h"

namespace pmx {

// Validates every argument (throws pmx::Error naming it), cu_seqlens values
// included, and returns the kernel's problem (F32 tensors). step: the
// one-token form of pmx_selective_scan_step. cu still points at the caller's
// array: bind_scan_cu_seqlens before planning or running.
ssm::ScanProblem resolve_selective_scan(const pmx_selective_scan_params *params, bool step);

// The same checks for the float64 reference (F32 or F64 tensors).
ssm::ScanReferenceProblem resolve_selective_scan_reference(const pmx_selective_scan_params *params);

// Copies the caller's cu_seqlens (varlen only, B + 1 int32) into `copy`,
// validates the copy and points the problem at it.
void bind_scan_cu_seqlens(ssm::ScanGeometry &g, const pmx_selective_scan_params &params, int32_t *copy);

// Bytes before the chunk states in the workspace (the cu_seqlens copy, 64-byte
// rounded), and the whole workspace the kernel needs for a bound problem.
int64_t scan_cu_bytes(const ssm::ScanGeometry &g);
int64_t scan_workspace_bytes(const ssm::ScanGeometry &g);

// The aliasing contract: out and state_out give their elements distinct
// addresses and share no byte with any other tensor, except that the step
// form may update the state in place (state_out is state_in).
void check_scan_outputs_apart(const pmx_selective_scan_params &params, bool step);

// "workspace: overlaps <tensor>" when the workspace bytes touch any tensor.
void check_scan_workspace_apart(const pmx_selective_scan_params &params, const void *workspace, int64_t bytes);

}  // namespace pmx
