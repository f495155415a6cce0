// extern "C" entry points of the attention family: validate, resolve, run.
#include <cstdint>
#include <vector>

#include "api/attention_call.h"
#include "common/api_checks.h"
#include "common/context.h"
#include "common/status.h"
#include "reference/attention_reference.h"

extern "C" {

PMX_API pmx_status pmx_attention_fwd_workspace_size(pmx_context *ctx, const pmx_attention_params *params,
                                                    int64_t *out_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_bytes, "out_bytes");
        const pmx::attention::FwdProblem p = pmx::resolve_attention(params);
        *out_bytes = static_cast<int64_t>(pmx::attention::plan_fwd_cpu(p, pmx::resolved_threads(ctx)).total_bytes);
    });
}

PMX_API pmx_status pmx_attention_fwd(pmx_context *ctx, const pmx_attention_params *params, void *workspace,
                                     int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::attention::FwdProblem p = pmx::resolve_attention(params);
        pmx::check_outputs_apart(*params);
        const pmx::attention::FwdCpuPlan plan = pmx::attention::plan_fwd_cpu(p, pmx::resolved_threads(ctx));
        const auto needed = static_cast<int64_t>(plan.total_bytes);
        pmx::check_workspace(workspace, workspace_bytes, needed);
        pmx::check_workspace_apart(*params, workspace, needed);
        pmx::bind_cu_seqlens(p, *params, pmx::attention::cu_seqlens_copy(workspace));
        pmx::bind_sparsity(p, *params, pmx::attention::global_tokens_copy(workspace, plan));
        pmx::attention::fwd_cpu(p, plan, workspace);
    });
}

PMX_API pmx_status pmx_attention_fwd_reference(pmx_context *ctx, const pmx_attention_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::attention::FwdReferenceProblem r = pmx::resolve_attention_reference(params);
        pmx::check_outputs_apart(*params);
        std::vector<int32_t> cu_copy(r.varlen() ? size_t(2 * (r.batch + 1)) : 0);
        pmx::bind_cu_seqlens(r, *params, cu_copy.data());
        std::vector<int32_t> global_copy(size_t(r.n_global));
        pmx::bind_sparsity(r, *params, global_copy.data());
        pmx::reference::attention_fwd(r);
    });
}

}  // extern "C"
