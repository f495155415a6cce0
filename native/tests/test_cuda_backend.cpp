// The CUDA backend loader (api/cuda_backend.cpp) against fake backends: a
// missing library, a library without pmxcu_get_api, an older build, a table
// too small, and a good one whose functions are then called through the table.
// Each failure names the library and what to do about it.
#include <cstdio>
#include <string>

#include "api/cuda_backend.h"

namespace {

int failures = 0;

void expect_error(const char *label, const std::string &path, const std::string &prefix, const std::string &part) {
    const pmx::CudaBackend b = pmx::load_cuda_backend({path});
    const bool ok = b.api == nullptr && b.error.rfind(prefix, 0) == 0 && b.error.find(part) != std::string::npos;
    std::printf("%s %-16s \"%s\"\n", ok ? "ok  " : "FAIL", label, b.error.c_str());
    failures += ok ? 0 : 1;
}

std::string fake(const char *kind) { return std::string(FAKE_BACKEND_DIR) + "/libfake_pmxcu_" + kind + ".so"; }

}  // namespace

int main() {
    expect_error("missing", "/nonexistent/libpanamax_cuda.so", "CUDA backend not built/bundled: ",
                 "/nonexistent/libpanamax_cuda.so");
    expect_error("no symbol", fake("no_symbol"), "CUDA backend " + fake("no_symbol"), "lacks pmxcu_get_api");
    expect_error("older build", fake("old_version"), "CUDA backend " + fake("old_version"),
                 "does not serve interface version " + std::to_string(PMXCU_API_VERSION));
    expect_error("short table", fake("short_table"), "CUDA backend " + fake("short_table"),
                 "this libpanamax needs " + std::to_string(sizeof(pmxcu_api)));

    // The first path that loads wins; its table is used as is.
    const pmx::CudaBackend b = pmx::load_cuda_backend({"/nonexistent/libpanamax_cuda.so", fake("good")});
    int32_t count = -1;
    const bool good = b.api != nullptr && b.error.empty() && b.api->device_count(&count, nullptr, 0) == PMX_STATUS_SUCCESS &&
                      count == 7;
    std::printf("%s good backend: table taken, device_count through it = %d\n", good ? "ok  " : "FAIL", count);
    failures += good ? 0 : 1;

    std::printf("%s\n", failures == 0 ? "PASS" : "FAILED");
    return failures == 0 ? 0 : 1;
}
