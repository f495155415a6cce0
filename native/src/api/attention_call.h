// Turns pmx_attention_params into a validated attention problem
// (attention/attention_problem.h): one resolve step for every entry point.
#pragma once

#include "attention/attention_problem.h"
#include "panamax/panamax.h"

namespace pmx {

// Validates every argument (throws pmx::Error naming it), cu_seqlens values
// included, and returns the problem of the fused kernel: F32 tensors only
// (F16/BF16 report UNSUPPORTED). cu_q/cu_k still point at the caller's
// arrays: bind_cu_seqlens before running a kernel.
attention::FwdProblem resolve_attention(const pmx_attention_params *params);

// The same checks, for the float64 reference: q, k, v, out and lse may each
// be F32 or F64, carried with their dtype.
attention::FwdReferenceProblem resolve_attention_reference(const pmx_attention_params *params);

// Copies the caller's cu_seqlens_q then cu_seqlens_k (varlen only) into
// `copy` (2·(B + 1) int32), validates the copy, and points the problem at it:
// the kernel never reads the caller's arrays, which may change meanwhile.
void bind_cu_seqlens(attention::FwdGeometry &problem, const pmx_attention_params &params, int32_t *copy);

// The ABI 2.1 fields (window, softcap, global tokens, ALiBi, block layouts,
// top-k, axial) into the geometry; called by the resolve step
// (attention_sparsity.cpp). Axial turns the caller's batch into sequences.
void resolve_sparsity(const pmx_attention_params &params, attention::FwdGeometry &problem);

// Copies the global tokens into `global_copy` (n_global int32), validates the
// copy and points the problem at it; checks what depends on the bound varlen
// lengths (self-attention per sequence, layout dims, top-k count).
void bind_sparsity(attention::FwdGeometry &problem, const pmx_attention_params &params, int32_t *global_copy);

// Outputs never alias (header contract): out and lse each give their elements
// distinct addresses and share no byte with any other tensor ("out: overlaps
// q"). Checked by the entry points that write, after resolving; the size
// query skips it, so callers may ask it with placeholder outputs.
void check_outputs_apart(const pmx_attention_params &params);

// Throws "workspace: overlaps <tensor>" when the `bytes` of workspace the call
// writes share a byte with any tensor of the (resolved) params.
void check_workspace_apart(const pmx_attention_params &params, const void *workspace, int64_t bytes);

}  // namespace pmx
