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

// Validates every argument (throws pmx::Error naming it). With
// allow_f64 the float tensors may be F32 or F64; otherwise F16/BF16 report
// UNSUPPORTED and anything but F32 is invalid.
AttentionCall resolve_attention(const pmx_attention_params *params, bool allow_f64);

// Throws "workspace: overlaps <tensor>" when the `bytes` of workspace the call
// writes share a byte with any tensor of the (resolved) params.
void check_workspace_apart(const pmx_attention_params &params, const void *workspace, int64_t bytes);

}  // namespace pmx
