// extern "C" entry points of the CUDA backend, implemented in libpanamax by
// forwarding to libpanamax_cuda. libpanamax never links CUDA: the backend is
// dlopened once, on first use, from the folder libpanamax itself was loaded
// from (the jar extracts both into one folder), so the CPU library loads and
// works on machines without CUDA, and without the backend at all.
#include <dlfcn.h>

#include <cstring>
#include <string>

#include "common/context.h"
#include "common/status.h"
#include "cuda/pmxcu.h"

namespace {

constexpr const char *kBackendName = "libpanamax_cuda.so";

struct Backend {
    std::string error;  // why it is unavailable; empty when loaded
    pmxcu_device_count_fn device_count = nullptr;
    pmxcu_device_info_fn device_info = nullptr;
};

// The folder (with a trailing '/') this library was loaded from, or "".
std::string own_directory() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void *>(&own_directory), &info) == 0 || info.dli_fname == nullptr) return "";
    std::string path = info.dli_fname;
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

std::string last_dlerror() {
    const char *e = dlerror();
    return e != nullptr ? e : "unknown dlopen error";
}

Backend load_backend() {
    Backend b;
    // 1. Beside libpanamax; 2. the dynamic linker's search (LD_LIBRARY_PATH,
    // system folders), for installs that keep the two apart.
    std::string dir = own_directory();
    void *handle = nullptr;
    std::string tried;
    if (!dir.empty()) {
        handle = dlopen((dir + kBackendName).c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) tried = last_dlerror();
    }
    if (handle == nullptr) {
        handle = dlopen(kBackendName, RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            if (!tried.empty()) tried += "; ";
            tried += last_dlerror();
        }
    }
    if (handle == nullptr) {
        b.error = "CUDA backend not built/bundled: " + tried;
        return b;
    }
    // Loaded: keep it for the life of the process (never dlclose).
    auto version = reinterpret_cast<pmxcu_interface_version_fn>(dlsym(handle, "pmxcu_interface_version"));
    auto count = reinterpret_cast<pmxcu_device_count_fn>(dlsym(handle, "pmxcu_device_count"));
    auto info = reinterpret_cast<pmxcu_device_info_fn>(dlsym(handle, "pmxcu_device_info"));
    if (version == nullptr || count == nullptr || info == nullptr) {
        b.error = "CUDA backend " + std::string(kBackendName) + " lacks the pmxcu_* functions (a foreign or broken file)";
        return b;
    }
    if (version() != PMXCU_INTERFACE_VERSION) {
        b.error = "CUDA backend " + std::string(kBackendName) + " has interface version " +
                  std::to_string(version()) + ", this libpanamax needs " + std::to_string(PMXCU_INTERFACE_VERSION) +
                  " (libraries from different builds)";
        return b;
    }
    b.device_count = count;
    b.device_info = info;
    return b;
}

const Backend &backend() {
    static const Backend b = load_backend();  // once, thread-safe
    return b;
}

// Throws UNAVAILABLE (with the reason) unless the backend loaded.
const Backend &require_backend() {
    const Backend &b = backend();
    if (b.device_count == nullptr) pmx::fail(PMX_STATUS_UNAVAILABLE, "%s", b.error.c_str());
    return b;
}

void check_backend_status(int32_t status, const char *msg) {
    if (status == PMX_STATUS_SUCCESS) return;
    if (status < PMX_STATUS_SUCCESS || status > PMX_STATUS_WORKSPACE_TOO_SMALL)
        pmx::fail(PMX_STATUS_INTERNAL_ERROR, "CUDA backend returned unknown status %d: %s", status, msg);
    pmx::fail(static_cast<pmx_status>(status), "%s", msg[0] != '\0' ? msg : "CUDA backend failed without a message");
}

}  // namespace

extern "C" {

PMX_API pmx_status pmx_cuda_device_count(pmx_context *ctx, int32_t *out_count) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        if (out_count == nullptr) pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "out_count: must not be NULL");
        *out_count = 0;
        const Backend &b = require_backend();
        char msg[512] = "";
        int32_t count = 0;
        check_backend_status(b.device_count(&count, msg, sizeof msg), msg);
        *out_count = count;
    });
}

PMX_API pmx_status pmx_cuda_device_info_get(pmx_context *ctx, int32_t index, pmx_cuda_device_info *out_info) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        if (out_info == nullptr) pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "out_info: must not be NULL");
        if (out_info->struct_size < static_cast<int64_t>(sizeof(pmx_cuda_device_info)))
            pmx::fail(PMX_STATUS_INVALID_ARGUMENT,
                      "out_info->struct_size: %lld, expected sizeof(pmx_cuda_device_info) = %zu (set it before the call)",
                      static_cast<long long>(out_info->struct_size), sizeof(pmx_cuda_device_info));
        if (index < 0) pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "index: %d is negative", index);
        const Backend &b = require_backend();
        char msg[512] = "";
        pmx_cuda_device_info info;
        std::memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        check_backend_status(b.device_info(index, &info, msg, sizeof msg), msg);
        // Fields appended in later versions stay untouched in a larger struct.
        std::memcpy(out_info, &info, sizeof info);
    });
}

}  // extern "C"
