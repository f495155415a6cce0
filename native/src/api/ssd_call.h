// Turns pmx_ssd_params into a validated Mamba-2 SSD problem
// (ssm/ssd_problem.h): one resolve step for every entry point.
#pragma once

#include <cstdint>

#include "panamax/panamax.h"
#include "ssm/ssd_problem.h"

namespace pmx {

// Validates every argument (throws pmx::Error naming it), cu_seqlens values
// included, and returns the kernel's problem (F32 tensors). step: the
// one-token form of pmx_ssd_step. cu still points at the caller's array:
// bind_ssd_cu_seqlens before running.
ssm::SsdProblem resolve_ssd(const pmx_ssd_params *params, bool step);

// The same checks for the float64 reference (F32 or F64 tensors).
ssm::SsdReferenceProblem resolve_ssd_reference(const pmx_ssd_params *params);

// Copies the caller's cu_seqlens (varlen only, B + 1 int32) into `copy`,
// validates the copy and points the problem at it.
void bind_ssd_cu_seqlens(ssm::SsdGeometry &g, const pmx_ssd_params &params, int32_t *copy);

// Bytes before the kernel's floats in the workspace (the cu_seqlens copy,
// 64-byte rounded), and the whole workspace for `threads` threads.
int64_t ssd_cu_bytes(const ssm::SsdGeometry &g);
int64_t ssd_workspace_bytes(const ssm::SsdGeometry &g, int threads);

// The aliasing contract: out and state_out give their elements distinct
// addresses and share no byte with any other tensor, except that the step
// form may update the state in place (state_out is state_in).
void check_ssd_outputs_apart(const pmx_ssd_params &params, bool step);

// "workspace: overlaps <tensor>" when the workspace bytes touch any tensor.
void check_ssd_workspace_apart(const pmx_ssd_params &params, const void *workspace, int64_t bytes);

}  // namespace pmx
