// extern "C" entry points of the Mixture-of-Experts stages and layer:
// validate, resolve, run.
#include <cstdint>

#include "api/moe_call.h"
#include "common/api_checks.h"
#include "common/context.h"
#include "common/status.h"
#include "moe/moe_cpu.h"
#include "reference/moe_reference.h"

namespace {

char *bytes_of(void *workspace) { return static_cast<char *>(workspace); }

}  // namespace

extern "C" {

PMX_API pmx_status pmx_moe_router_workspace_size(pmx_context *ctx, const pmx_moe_router_params *params,
                                                 int64_t *out_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_bytes, "out_bytes");
        *out_bytes = pmx::moe_router_workspace_bytes(pmx::resolve_moe_router(params, false), pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_moe_router(pmx_context *ctx, const pmx_moe_router_params *params, void *workspace,
                                  int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::moe::RouterProblem p = pmx::resolve_moe_router(params, false);
        const int threads = pmx::resolved_threads(ctx);
        const int64_t needed = pmx::moe_router_workspace_bytes(p, threads);
        pmx::check_workspace(workspace, workspace_bytes, needed);
        pmx::check_moe_router_workspace_apart(*params, workspace, needed);
        pmx::moe::router_cpu(p, bytes_of(workspace), threads);
    });
}

PMX_API pmx_status pmx_moe_permute(pmx_context *ctx, const pmx_moe_permute_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::moe::permute_cpu(pmx::resolve_moe_permute(params), pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_moe_experts_workspace_size(pmx_context *ctx, const pmx_moe_experts_params *params,
                                                  int64_t *out_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_bytes, "out_bytes");
        *out_bytes = pmx::moe_experts_workspace_bytes(pmx::resolve_moe_experts(params), pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_moe_experts(pmx_context *ctx, const pmx_moe_experts_params *params, void *workspace,
                                   int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::moe::ExpertsProblem p = pmx::resolve_moe_experts(params);
        const int threads = pmx::resolved_threads(ctx);
        const int64_t needed = pmx::moe_experts_workspace_bytes(p, threads);
        pmx::check_workspace(workspace, workspace_bytes, needed);
        pmx::check_moe_experts_workspace_apart(*params, workspace, needed);
        pmx::moe::experts_cpu(p, bytes_of(workspace), threads);
    });
}

PMX_API pmx_status pmx_moe_combine(pmx_context *ctx, const pmx_moe_combine_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::moe::combine_cpu(pmx::resolve_moe_combine(params), pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_moe_workspace_size(pmx_context *ctx, const pmx_moe_params *params, int64_t *out_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_bytes, "out_bytes");
        *out_bytes = pmx::moe_workspace_bytes(pmx::resolve_moe(params, false), pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_moe(pmx_context *ctx, const pmx_moe_params *params, void *workspace, int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::moe::MoeProblem p = pmx::resolve_moe(params, false);
        const int threads = pmx::resolved_threads(ctx);
        const int64_t needed = pmx::moe_workspace_bytes(p, threads);
        pmx::check_workspace(workspace, workspace_bytes, needed);
        pmx::check_moe_workspace_apart(*params, workspace, needed);
        pmx::moe::moe_cpu(p, bytes_of(workspace), threads);
    });
}

PMX_API pmx_status pmx_moe_reference(pmx_context *ctx, const pmx_moe_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::reference::moe(pmx::resolve_moe(params, true));
    });
}

}  // extern "C"
