// extern "C" entry points of the selective scan (Mamba-1): validate, resolve, run.
#include <cstdint>
#include <vector>

#include "api/selective_scan_call.h"
#include "common/api_checks.h"
#include "common/context.h"
#include "common/status.h"
#include "reference/selective_scan_reference.h"

extern "C" {

PMX_API pmx_status pmx_selective_scan_workspace_size(pmx_context *ctx, const pmx_selective_scan_params *params,
                                                     int64_t *out_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_bytes, "out_bytes");
        const pmx::ssm::ScanProblem p = pmx::resolve_selective_scan(params, false);
        *out_bytes = pmx::scan_workspace_bytes(p);
    });
}

PMX_API pmx_status pmx_selective_scan(pmx_context *ctx, const pmx_selective_scan_params *params, void *workspace,
                                      int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::ssm::ScanProblem p = pmx::resolve_selective_scan(params, false);
        pmx::check_scan_outputs_apart(*params, false);
        // The cu_seqlens copy comes first: the plan (chunks of the longest
        // sequence) is made from the copy, never from the caller's array.
        const int64_t cu_bytes = pmx::scan_cu_bytes(p);
        pmx::check_workspace(workspace, workspace_bytes, cu_bytes);
        pmx::check_scan_workspace_apart(*params, workspace, cu_bytes);
        pmx::bind_scan_cu_seqlens(p, *params, static_cast<int32_t *>(workspace));
        const pmx::ssm::ScanPlan plan = pmx::ssm::plan_scan(p);
        const int64_t needed = cu_bytes + int64_t(sizeof(float)) * pmx::ssm::scan_workspace_floats(p, plan);
        pmx::check_workspace(workspace, workspace_bytes, needed);
        pmx::check_scan_workspace_apart(*params, workspace, needed);
        float *chunk_states = needed > cu_bytes ? reinterpret_cast<float *>(static_cast<char *>(workspace) + cu_bytes)
                                                : nullptr;
        pmx::ssm::selective_scan_cpu(p, plan, chunk_states, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_selective_scan_step(pmx_context *ctx, const pmx_selective_scan_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::ssm::ScanProblem p = pmx::resolve_selective_scan(params, true);
        pmx::check_scan_outputs_apart(*params, true);
        pmx::ssm::selective_scan_cpu(p, pmx::ssm::plan_scan(p), nullptr, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_selective_scan_reference(pmx_context *ctx, const pmx_selective_scan_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::ssm::ScanReferenceProblem r = pmx::resolve_selective_scan_reference(params);
        pmx::check_scan_outputs_apart(*params, false);
        std::vector<int32_t> cu_copy(r.varlen ? size_t(r.batch + 1) : 0);
        pmx::bind_scan_cu_seqlens(r, *params, cu_copy.data());
        pmx::reference::selective_scan(r);
    });
}

}  // extern "C"
