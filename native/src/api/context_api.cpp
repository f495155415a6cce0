// extern "C" entry points: library version, status names, contexts.
#include <cstring>
#include <new>

#include "common/context.h"
#include "common/status.h"

extern "C" {

PMX_API uint32_t pmx_abi_version(void) {
    return (static_cast<uint32_t>(PMX_ABI_VERSION_MAJOR) << 16) | PMX_ABI_VERSION_MINOR;
}

PMX_API const char *pmx_status_name(int32_t status) {
    switch (status) {
        case PMX_STATUS_SUCCESS: return "PMX_STATUS_SUCCESS";
        case PMX_STATUS_INVALID_ARGUMENT: return "PMX_STATUS_INVALID_ARGUMENT";
        case PMX_STATUS_UNSUPPORTED: return "PMX_STATUS_UNSUPPORTED";
        case PMX_STATUS_OUT_OF_MEMORY: return "PMX_STATUS_OUT_OF_MEMORY";
        case PMX_STATUS_INTERNAL_ERROR: return "PMX_STATUS_INTERNAL_ERROR";
        case PMX_STATUS_DEVICE_ERROR: return "PMX_STATUS_DEVICE_ERROR";
        case PMX_STATUS_UNAVAILABLE: return "PMX_STATUS_UNAVAILABLE";
        case PMX_STATUS_WORKSPACE_TOO_SMALL: return "PMX_STATUS_WORKSPACE_TOO_SMALL";
        default: return "PMX_STATUS_UNKNOWN";
    }
}

PMX_API pmx_status pmx_context_create(pmx_context **out_ctx) {
    return pmx::guard(nullptr, [&] {
        if (out_ctx == nullptr) pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "out_ctx: must not be NULL");
        *out_ctx = nullptr;
        *out_ctx = new pmx_context();
    });
}

PMX_API pmx_status pmx_context_destroy(pmx_context *ctx) {
    return pmx::guard(nullptr, [&] {
        if (ctx == nullptr) return;
        pmx::check_context(ctx);
        ctx->magic = 0;
        delete ctx;
    });
}

PMX_API pmx_status pmx_context_set_num_threads(pmx_context *ctx, int32_t num_threads) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        if (num_threads < 0 || num_threads > PMX_MAX_THREADS)
            pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "num_threads: %d is outside 0..%d (0 = all cores)", num_threads, PMX_MAX_THREADS);
        ctx->num_threads.store(num_threads, std::memory_order_relaxed);
    });
}

PMX_API pmx_status pmx_context_get_num_threads(const pmx_context *ctx, int32_t *out_num_threads) {
    return pmx::guard(const_cast<pmx_context *>(ctx), [&] {
        pmx::check_context(ctx);
        if (out_num_threads == nullptr) pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "out_num_threads: must not be NULL");
        *out_num_threads = pmx::resolved_threads(ctx);
    });
}

PMX_API pmx_status pmx_context_last_error(const pmx_context *ctx, char *buf, int64_t capacity, int64_t *out_length) {
    // Not through guard: reading the error must not overwrite it.
    try {
        if (ctx == nullptr || ctx->magic != pmx_context::kMagic) return PMX_STATUS_INVALID_ARGUMENT;
        if (capacity < 0 || (capacity > 0 && buf == nullptr)) return PMX_STATUS_INVALID_ARGUMENT;
        std::lock_guard<std::mutex> lock(ctx->error_mutex);
        const std::string &msg = ctx->last_error;
        if (out_length != nullptr) *out_length = static_cast<int64_t>(msg.size());
        if (capacity > 0) {
            size_t n = msg.size() < static_cast<size_t>(capacity - 1) ? msg.size() : static_cast<size_t>(capacity - 1);
            std::memcpy(buf, msg.data(), n);
            buf[n] = '\0';
        }
        return PMX_STATUS_SUCCESS;
    } catch (...) {
        return PMX_STATUS_INTERNAL_ERROR;
    }
}

}  // extern "C"
