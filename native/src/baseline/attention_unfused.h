// The unfused attention baseline behind pmx_bench_attention_unfused: what a
// user writes first. Per (batch, head): S = (q·scale)·kᵀ with oneDNN sgemm,
// a row softmax (causal mask, -inf), O = P·v with sgemm. The [Nq, Nk] score
// matrix lives in the workspace: O(N²) memory is the point of the comparison.
// A benchmark yardstick, not an operator: it is not tuned.
#pragma once

#include <cstdint>

#include "attention/attention_problem.h"
#include "panamax/panamax.h"

namespace pmx::baseline {

// Bytes of workspace attention_unfused needs for p (independent of the thread
// count). Throws INVALID_ARGUMENT when a size overflows 64 bits.
int64_t unfused_workspace_bytes(const attention::FwdProblem &p);

// Resolves params and refuses (UNSUPPORTED) what the baseline does not do:
// window, global tokens, block layouts, softcap, ALiBi, axial.
attention::FwdProblem resolve_unfused_shape(const pmx_attention_params *params);

// Validates params, outputs and workspace, copies cu_seqlens into the start
// of the workspace and returns the problem bound to that copy, so the kernel
// never reads the caller's cu_seqlens again. Throws pmx::Error.
attention::FwdProblem resolve_unfused(const pmx_attention_params *params, void *workspace, int64_t workspace_bytes);

// Runs the baseline on a call from resolve_unfused with `threads` (>= 1)
// OpenMP threads: inside each sgemm and over the rows of every other step.
void attention_unfused(const attention::FwdProblem &p, void *workspace, int threads);

}  // namespace pmx::baseline
