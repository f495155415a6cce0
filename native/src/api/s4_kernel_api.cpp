// extern "C" entry points of the S4D kernel generator: validate, resolve, run.
#include <cstdint>

#include "api/s4_kernel_call.h"
#include "common/api_checks.h"
#include "common/context.h"
#include "common/status.h"
#include "reference/s4d_kernel_reference.h"

extern "C" {

PMX_API pmx_status pmx_s4d_kernel_workspace_size(pmx_context *ctx, const pmx_s4d_kernel_params *params,
                                                 int64_t *out_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_bytes, "out_bytes");
        const pmx::ssm::S4dProblem p = pmx::resolve_s4d_kernel(params);
        *out_bytes = pmx::s4d_kernel_workspace_bytes(p, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_s4d_kernel(pmx_context *ctx, const pmx_s4d_kernel_params *params, void *workspace,
                                  int64_t workspace_bytes) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::ssm::S4dProblem p = pmx::resolve_s4d_kernel(params);
        pmx::check_s4d_outputs_apart(*params);
        const int threads = pmx::resolved_threads(ctx);
        const int64_t needed = pmx::s4d_kernel_workspace_bytes(p, threads);
        pmx::check_workspace(workspace, workspace_bytes, needed);
        pmx::check_s4d_workspace_apart(*params, workspace, needed);
        pmx::ssm::s4d_kernel_cpu(p, static_cast<float *>(workspace), threads);
    });
}

PMX_API pmx_status pmx_s4d_kernel_reference(pmx_context *ctx, const pmx_s4d_kernel_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::ssm::S4dReferenceProblem r = pmx::resolve_s4d_kernel_reference(params);
        pmx::check_s4d_outputs_apart(*params);
        pmx::reference::s4d_kernel(r);
    });
}

}  // extern "C"
