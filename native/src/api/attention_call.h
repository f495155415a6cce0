// Turns pmx_attention_params into a validated pmx::attention::FwdProblem.
#pragma once

#include "attention/attention_problem.h"
#include "panamax/panamax.h"

namespace pmx {

// The resolved problem plus the dtype of each float tensor (the reference
// accepts F64 as well; the fused kernel only F32).
struct AttentionCall {
    attention::FwdProblem p;
    int32_t q_dtype = PMX_DTYPE_F32, k_dtype = PMX_DTYPE_F32, v_dtype = PMX_DTYPE_F32;
    int32_t out_dtype = PMX_DTYPE_F32, lse_dtype = PMX_DTYPE_F32;
};

// Validates every argument (throws pmx::Error naming it), cu_seqlens values
// included; the problem's cu_q/cu_k stay NULL until bind_cu_seqlens. With
// allow_f64 the float tensors may be F32 or F64; otherwise F16/BF16 report
// UNSUPPORTED and anything but F32 is invalid.
AttentionCall resolve_attention(const pmx_attention_params *params, bool allow_f64);

// Copies the caller's cu_seqlens_q then cu_seqlens_k (varlen only) into
// `copy` (2·(B + 1) int32), validates the copy, and points the problem at it:
// the kernel never reads the caller's arrays, which may change meanwhile.
void bind_cu_seqlens(AttentionCall &call, const pmx_attention_params &params, int32_t *copy);

// Throws "workspace: overlaps <tensor>" when the `bytes` of workspace the call
// writes share a byte with any tensor of the (resolved) params.
void check_workspace_apart(const pmx_attention_params &params, const void *workspace, int64_t bytes);

}  // namespace pmx
