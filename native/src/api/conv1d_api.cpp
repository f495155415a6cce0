// extern "C" entry points of the causal depthwise conv1d: validate, resolve, run.
#include <cstdint>
#include <vector>

#include "api/conv1d_call.h"
#include "common/context.h"
#include "common/status.h"
#include "reference/conv1d_reference.h"

extern "C" {

PMX_API pmx_status pmx_causal_conv1d(pmx_context *ctx, const pmx_causal_conv1d_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        std::vector<int32_t> cu;
        const pmx::ssm::Conv1dProblem p = pmx::resolve_causal_conv1d(params, pmx::Conv1dEntry::Full, cu);
        pmx::ssm::causal_conv1d_cpu(p, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_causal_conv1d_step(pmx_context *ctx, const pmx_causal_conv1d_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        std::vector<int32_t> cu;
        const pmx::ssm::Conv1dProblem p = pmx::resolve_causal_conv1d(params, pmx::Conv1dEntry::Step, cu);
        pmx::ssm::causal_conv1d_cpu(p, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_causal_conv1d_reference(pmx_context *ctx, const pmx_causal_conv1d_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        std::vector<int32_t> cu;
        const pmx::ssm::Conv1dReferenceProblem r = pmx::resolve_causal_conv1d_reference(params, cu);
        pmx::reference::causal_conv1d(r);
    });
}

}  // extern "C"
