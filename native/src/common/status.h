// Errors inside the library are C++ exceptions of type pmx::Error; every
// extern "C" entry point runs its body through pmx::guard, which turns any
// exception into a pmx_status and records the message on the context.
#pragma once

#include <string>

#include "panamax/panamax.h"

namespace pmx {

struct Error {
    pmx_status status;
    std::string message;
};

// Throws pmx::Error with a printf-style message.
[[noreturn]] void fail(pmx_status status, const char *format, ...) __attribute__((format(printf, 2, 3)));

// Records `message` as the context's last error (no-op for a null context).
void set_last_error(pmx_context *ctx, const std::string &message);

// Runs body(); maps every exception to a status. Never throws.
template <class Body>
pmx_status guard(pmx_context *ctx, Body &&body) noexcept {
    try {
        body();
        return PMX_STATUS_SUCCESS;
    } catch (const Error &e) {
        set_last_error(ctx, e.message);
        return e.status;
    } catch (const std::bad_alloc &) {
        set_last_error(ctx, "out of memory");
        return PMX_STATUS_OUT_OF_MEMORY;
    } catch (const std::exception &e) {
        set_last_error(ctx, std::string("internal error: ") + e.what());
        return PMX_STATUS_INTERNAL_ERROR;
    } catch (...) {
        set_last_error(ctx, "internal error: unknown exception");
        return PMX_STATUS_INTERNAL_ERROR;
    }
}

}  // namespace pmx
