#include "common/context.h"

#include <omp.h>

#include "common/status.h"

namespace pmx {

void check_context(const pmx_context *ctx) {
    if (ctx == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "ctx: must not be NULL");
    if (ctx->magic != pmx_context::kMagic)
        fail(PMX_STATUS_INVALID_ARGUMENT, "ctx: not a live pmx_context (destroyed or foreign pointer)");
}

int resolved_threads(const pmx_context *ctx) {
    int32_t n = ctx->num_threads.load(std::memory_order_relaxed);
    if (n > 0) return n;
    int cores = omp_get_num_procs();
    return cores > 0 ? cores : 1;
}

}  // namespace pmx
