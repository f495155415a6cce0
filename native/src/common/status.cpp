#include "common/status.h"

#include <cstdarg>
#include <cstdio>
#include <mutex>

#include "common/context.h"

namespace pmx {

void fail(pmx_status status, const char *format, ...) {
    char buf[1024];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buf, sizeof buf, format, args);
    va_end(args);
    throw Error{status, buf};
}

void set_last_error(pmx_context *ctx, const std::string &message) {
    if (ctx == nullptr || ctx->magic != pmx_context::kMagic) return;
    try {
        std::lock_guard<std::mutex> lock(ctx->error_mutex);
        ctx->last_error = message;
    } catch (...) {
        // Out of memory while recording a message: the status still tells.
    }
}

}  // namespace pmx
