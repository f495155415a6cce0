// extern "C" entry points of kernel linear attention, FAVOR+ random
// features and the linear recurrences: validate, resolve, run.
#include <cstdint>

#include "api/linear_call.h"
#include "common/api_checks.h"
#include "common/context.h"
#include "common/status.h"
#include "reference/linear_reference.h"

extern "C" {

// ---- kernel linear attention ----------------------------------------------------

PMX_API pmx_status pmx_linear_attention_workspace_size(pmx_context *ctx, const pmx_linear_attention_params *params,
                                                       int64_t *out_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_bytes, "out_bytes");
        const pmx::linear::LinearProblem p = pmx::resolve_linear_attention(params, false);
        *out_bytes = pmx::linear_attention_workspace_bytes(p, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_linear_attention(pmx_context *ctx, const pmx_linear_attention_params *params, void *workspace,
                                        int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::linear::LinearProblem p = pmx::resolve_linear_attention(params, false);
        pmx::check_linear_attention_outputs_apart(*params, false);
        const int threads = pmx::resolved_threads(ctx);
        const int64_t needed = pmx::linear_attention_workspace_bytes(p, threads);
        pmx::check_workspace(workspace, workspace_bytes, needed);
        pmx::check_linear_attention_workspace_apart(*params, workspace, needed);
        pmx::linear::linear_attention_cpu(p, static_cast<float *>(workspace), threads);
    });
}

PMX_API pmx_status pmx_linear_attention_step(pmx_context *ctx, const pmx_linear_attention_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::linear::LinearProblem p = pmx::resolve_linear_attention(params, true);
        pmx::check_linear_attention_outputs_apart(*params, true);
        pmx::linear::linear_attention_step_cpu(p, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_linear_attention_reference(pmx_context *ctx, const pmx_linear_attention_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::linear::LinearReferenceProblem r = pmx::resolve_linear_attention_reference(params);
        pmx::check_linear_attention_outputs_apart(*params, false);
        pmx::reference::linear_attention(r);
    });
}

PMX_API pmx_status pmx_favor_random_matrix(pmx_context *ctx, const pmx_favor_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::FavorCall c = pmx::resolve_favor(params);
        pmx::linear::favor_random_matrix(c.seed, c.m, c.dk, c.w, c.sr, c.sc);
    });
}

// ---- update rules -------------------------------------------------------------------

PMX_API pmx_status pmx_linear_recurrence_workspace_size(pmx_context *ctx, const pmx_linear_recurrence_params *params,
                                                        int64_t *out_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_bytes, "out_bytes");
        const pmx::linear::RecurrenceProblem p = pmx::resolve_linear_recurrence(params, false);
        *out_bytes = pmx::linear_recurrence_workspace_bytes(p, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_linear_recurrence(pmx_context *ctx, const pmx_linear_recurrence_params *params,
                                         void *workspace, int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::linear::RecurrenceProblem p = pmx::resolve_linear_recurrence(params, false);
        pmx::check_linear_recurrence_outputs_apart(*params, false);
        const int threads = pmx::resolved_threads(ctx);
        const int64_t needed = pmx::linear_recurrence_workspace_bytes(p, threads);
        pmx::check_workspace(workspace, workspace_bytes, needed);
        pmx::check_linear_recurrence_workspace_apart(*params, workspace, needed);
        pmx::check_linear_recurrence_values(*params);
        pmx::linear::recurrence_cpu(p, static_cast<float *>(workspace), threads);
    });
}

PMX_API pmx_status pmx_linear_recurrence_step(pmx_context *ctx, const pmx_linear_recurrence_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::linear::RecurrenceProblem p = pmx::resolve_linear_recurrence(params, true);
        pmx::check_linear_recurrence_outputs_apart(*params, true);
        pmx::check_linear_recurrence_values(*params);
        pmx::linear::recurrence_step_cpu(p, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_linear_recurrence_reference(pmx_context *ctx, const pmx_linear_recurrence_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::linear::RecurrenceReferenceProblem r = pmx::resolve_linear_recurrence_reference(params);
        pmx::check_linear_recurrence_outputs_apart(*params, false);
        pmx::check_linear_recurrence_values(*params);
        pmx::reference::linear_recurrence(r);
    });
}

}  // extern "C"
