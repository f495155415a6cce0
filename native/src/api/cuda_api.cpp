// extern "C" entry points of the CUDA backend, implemented in libpanamax by
// forwarding to libpanamax_cuda. libpanamax never links CUDA: the backend is
// dlopened once, on first use, from the folder libpanamax itself was loaded
// from (the jar extracts both into one folder), so the CPU library loads and
// works on machines without CUDA, and without the backend at all. The loader
// and its checks of the backend's function table: api/cuda_backend.cpp.
#include <dlfcn.h>

#include <cstring>
#include <string>

#include "api/cuda_backend.h"
#include "common/api_checks.h"
#include "common/context.h"
#include "common/status.h"

namespace {

constexpr const char *kBackendName = "libpanamax_cuda.so";

// The folder (with a trailing '/') this library was loaded from, or "".
std::string own_directory() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void *>(&own_directory), &info) == 0 || info.dli_fname == nullptr) return "";
    std::string path = info.dli_fname;
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

const pmx::CudaBackend &backend() {
    // 1. Beside libpanamax; 2. the dynamic linker's search (LD_LIBRARY_PATH,
    // system folders), for installs that keep the two apart. Once, thread-safe.
    static const pmx::CudaBackend b = [] {
        const std::string dir = own_directory();
        std::vector<std::string> paths;
        if (!dir.empty()) paths.push_back(dir + kBackendName);
        paths.push_back(kBackendName);
        return pmx::load_cuda_backend(paths);
    }();
    return b;
}

// Throws UNAVAILABLE (with the reason) unless the backend loaded.
const pmxcu_api &require_backend() {
    const pmx::CudaBackend &b = backend();
    if (b.api == nullptr) pmx::fail(PMX_STATUS_UNAVAILABLE, "%s", b.error.c_str());
    return *b.api;
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
        pmx::check_out_ptr(out_count, "out_count");
        *out_count = 0;
        const pmxcu_api &api = require_backend();
        char msg[512] = "";
        int32_t count = 0;
        check_backend_status(api.device_count(&count, msg, sizeof msg), msg);
        *out_count = count;
    });
}

PMX_API pmx_status pmx_cuda_device_info_get(pmx_context *ctx, int32_t index, pmx_cuda_device_info *out_info) {
    return pmx::guard(ctx, [&] {
        pmx::check_context(ctx);
        pmx::check_out_ptr(out_info, "out_info");
        if (out_info->struct_size < static_cast<int64_t>(sizeof(pmx_cuda_device_info)))
            pmx::fail(PMX_STATUS_INVALID_ARGUMENT,
                      "out_info->struct_size: %lld, expected sizeof(pmx_cuda_device_info) = %zu (set it before the call)",
                      static_cast<long long>(out_info->struct_size), sizeof(pmx_cuda_device_info));
        if (index < 0) pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "index: %d is negative", index);
        const pmxcu_api &api = require_backend();
        char msg[512] = "";
        pmx_cuda_device_info info;
        std::memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        check_backend_status(api.device_info(index, &info, msg, sizeof msg), msg);
        // Fields appended in later versions stay untouched in a larger struct.
        std::memcpy(out_info, &info, sizeof info);
    });
}

}  // extern "C"
