#include "api/cuda_backend.h"

#include <dlfcn.h>

namespace pmx {
namespace {

std::string last_dlerror() {
    const char *e = dlerror();
    return e != nullptr ? e : "unknown dlopen error";
}

// What is wrong with a table from a library that loaded, or "" when nothing.
std::string table_problem(const pmxcu_api *api) {
    if (api == nullptr)
        return "does not serve interface version " + std::to_string(PMXCU_API_VERSION) +
               " (libpanamax and libpanamax_cuda come from different builds)";
    if (api->version != PMXCU_API_VERSION)
        return "answered interface version " + std::to_string(api->version) + " when asked for " +
               std::to_string(PMXCU_API_VERSION) + " (a broken backend)";
    if (api->struct_size < static_cast<int64_t>(sizeof(pmxcu_api)))
        return "has a function table of " + std::to_string(api->struct_size) + " bytes, this libpanamax needs " +
               std::to_string(sizeof(pmxcu_api)) + " (libraries from different builds)";
    if (api->device_count == nullptr || api->device_info == nullptr)
        return "has an incomplete function table (a broken backend)";
    return "";
}

}  // namespace

CudaBackend load_cuda_backend(const std::vector<std::string> &paths) {
    CudaBackend b;
    void *handle = nullptr;
    std::string loaded, tried;
    for (const std::string &path : paths) {
        handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle != nullptr) {
            loaded = path;
            break;
        }
        tried += (tried.empty() ? "" : "; ") + last_dlerror();
    }
    if (handle == nullptr) {
        b.error = "CUDA backend not built/bundled: " + tried;
        return b;
    }
    auto get_api = reinterpret_cast<pmxcu_get_api_fn>(dlsym(handle, "pmxcu_get_api"));
    if (get_api == nullptr) {
        b.error = "CUDA backend " + loaded + " lacks pmxcu_get_api (a foreign file or an older build)";
        return b;
    }
    const pmxcu_api *api = get_api(PMXCU_API_VERSION);
    const std::string problem = table_problem(api);
    if (!problem.empty()) {
        b.error = "CUDA backend " + loaded + " " + problem;
        return b;
    }
    b.api = api;
    return b;
}

}  // namespace pmx
