// extern "C" entry points of the Mamba-2 SSD: validate, resolve, run.
#include <cstdint>
#include <vector>

#include "api/ssd_call.h"
#include "common/api_checks.h"
#include "common/context.h"
#include "common/status.h"
#include "reference/ssd_reference.h"

extern "C" {

PMX_API pmx_status pmx_ssd_workspace_size(pmx_context *ctx, const pmx_ssd_params *params, int64_t *out_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_bytes, "out_bytes");
        const pmx::ssm::SsdProblem p = pmx::resolve_ssd(params, false);
        *out_bytes = pmx::ssd_workspace_bytes(p, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_ssd(pmx_context *ctx, const pmx_ssd_params *params, void *workspace, int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::ssm::SsdProblem p = pmx::resolve_ssd(params, false);
        pmx::check_ssd_outputs_apart(*params, false);
        const int threads = pmx::resolved_threads(ctx);
        const int64_t cu_bytes = pmx::ssd_cu_bytes(p);
        const int64_t needed = pmx::ssd_workspace_bytes(p, threads);
        pmx::check_workspace(workspace, workspace_bytes, needed);
        pmx::check_ssd_workspace_apart(*params, workspace, needed);
        pmx::bind_ssd_cu_seqlens(p, *params, static_cast<int32_t *>(workspace));
        float *floats = reinterpret_cast<float *>(static_cast<char *>(workspace) + cu_bytes);
        pmx::ssm::ssd_cpu(p, floats, threads);
    });
}

PMX_API pmx_status pmx_ssd_step(pmx_context *ctx, const pmx_ssd_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::ssm::SsdProblem p = pmx::resolve_ssd(params, true);
        pmx::check_ssd_outputs_apart(*params, true);
        pmx::ssm::ssd_step_cpu(p, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_ssd_reference(pmx_context *ctx, const pmx_ssd_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::ssm::SsdReferenceProblem r = pmx::resolve_ssd_reference(params);
        pmx::check_ssd_outputs_apart(*params, false);
        std::vector<int32_t> cu_copy(r.varlen ? size_t(r.batch + 1) : 0);
        pmx::bind_ssd_cu_seqlens(r, *params, cu_copy.data());
        pmx::reference::ssd(r);
    });
}

}  // extern "C"
