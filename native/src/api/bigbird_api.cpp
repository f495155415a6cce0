// extern "C" entry point of the BigBird layout generator: validate, resolve, run.
#include "api/bigbird_call.h"
#include "common/context.h"
#include "common/status.h"

extern "C" {

PMX_API pmx_status pmx_bigbird_layout(pmx_context *ctx, const pmx_bigbird_params *params) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        const pmx::attention::BigBirdProblem p = pmx::resolve_bigbird(params);
        pmx::attention::bigbird_layout_cpu(p, pmx::resolved_threads(ctx));
    });
}

}  // extern "C"
