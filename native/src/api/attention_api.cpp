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
        const pmx::AttentionCall call = pmx::resolve_attention(params, false);
        *out_bytes = static_cast<int64_t>(pmx::attention::plan_fwd_cpu(call.p, pmx::resolved_threads(ctx)).total_bytes);
    });
}

PMX_API pmx_status pmx_attention_fwd(pmx_context *ctx, const pmx_attention_params *params, void *workspace,
                                     int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::AttentionCall call = pmx::resolve_attention(params, false);
        const pmx::attention::FwdCpuPlan plan = pmx::attention::plan_fwd_cpu(call.p, pmx::resolved_threads(ctx));
        const auto needed = static_cast<int64_t>(plan.total_bytes);
        pmx::check_workspace(workspace, workspace_bytes, needed);
        pmx::check_workspace_apart(*params, workspace, needed);
        pmx::bind_cu_seqlens(call, *params, pmx::attention::cu_seqlens_copy(workspace));
        pmx::attention::fwd_cpu(call.p, plan, workspace);
    });
}

PMX_API pmx_status pmx_attention_fwd_reference(pmx_context *ctx, const pmx_attention_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::AttentionCall call = pmx::resolve_attention(params, true);
        std::vector<int32_t> cu_copy(call.p.varlen() ? size_t(2 * (call.p.batch + 1)) : 0);
        pmx::bind_cu_seqlens(call, *params, cu_copy.data());
        pmx::reference::attention_fwd(call);
    });
}

PMX_API pmx_status pmx_bench_attention_unfused_workspace_size(pmx_context *ctx, const pmx_attention_params *params,
                                                          int64_t *out_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_bytes, "out_bytes");
        pmx::AttentionCall call = pmx::resolve_attention(params, false);
        std::vector<int32_t> cu_copy(call.p.varlen() ? size_t(2 * (call.p.batch + 1)) : 0);
        pmx::bind_cu_seqlens(call, *params, cu_copy.data());
        *out_bytes = pmx::reference::naive_workspace_bytes(call.p, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_bench_attention_unfused(pmx_context *ctx, const pmx_attention_params *params, void *workspace,
                                           int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::AttentionCall call = pmx::resolve_attention(params, false);
        std::vector<int32_t> cu_copy(call.p.varlen() ? size_t(2 * (call.p.batch + 1)) : 0);
        pmx::bind_cu_seqlens(call, *params, cu_copy.data());
        const int threads = pmx::resolved_threads(ctx);
        pmx::check_workspace(workspace, workspace_bytes, pmx::reference::naive_workspace_bytes(call.p, threads));
        pmx::reference::attention_fwd_naive(call.p, workspace, threads);
    });
}

}  // extern "C"
