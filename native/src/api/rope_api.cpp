// extern "C" entry points of standalone RoPE: validate, resolve, run.
#include "api/rope_call.h"
#include "common/context.h"
#include "common/status.h"
#include "reference/rope_reference.h"

extern "C" {

PMX_API pmx_status pmx_rope(pmx_context *ctx, const pmx_rope_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::rope::RopeProblem p = pmx::resolve_rope(params);
        pmx::check_rope_outputs_apart(*params, p.in_place);
        pmx::rope::rope_cpu(p, pmx::resolved_threads(ctx));
    });
}

PMX_API pmx_status pmx_rope_reference(pmx_context *ctx, const pmx_rope_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::rope::RopeReferenceProblem r = pmx::resolve_rope_reference(params);
        pmx::check_rope_outputs_apart(*params, r.in_place);
        pmx::reference::rope(r);
    });
}

}  // extern "C"
