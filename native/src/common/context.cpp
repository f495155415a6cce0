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
    // Read once: omp_get_num_procs asks the kernel for the affinity mask
    // each time (a system call, ~2 µs: the most a decoding step pays).
    static const int cores = [] {
        const int c = omp_get_num_procs();
        return c > 0 ? c : 1;
    }();
    return cores;
}

}  // namespace pmx
