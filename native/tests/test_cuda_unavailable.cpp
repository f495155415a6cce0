// The CUDA entry points answer on any machine: a count (>= 0) where a driver
// and the backend exist, else PMX_STATUS_UNAVAILABLE with a message saying
// why; the process lives on either way, and argument errors come first. The
// loader's own failures (missing, foreign or older backends) are covered by
// test_cuda_backend.
#include <cstdio>
#include <cstring>
#include <string>

#include "test_support.h"

int main() {
    pmx_context *ctx = nullptr;
    if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS) return 1;
    int failures = 0;
    auto expect = [&](bool ok, const char *what) {
        if (!ok) {
            std::printf("FAIL: %s\n", what);
            ++failures;
        }
    };

    expect(pmx_cuda_device_count(ctx, nullptr) == PMX_STATUS_INVALID_ARGUMENT, "count: NULL out_count rejected");
    int32_t count = -1;
    expect(pmx_cuda_device_count(nullptr, &count) == PMX_STATUS_INVALID_ARGUMENT, "count: NULL ctx rejected");
    pmx_cuda_device_info info;
    std::memset(&info, 0, sizeof info);
    expect(pmx_cuda_device_info_get(ctx, 0, &info) == PMX_STATUS_INVALID_ARGUMENT, "info: struct_size 0 rejected");
    info.struct_size = sizeof info;
    expect(pmx_cuda_device_info_get(ctx, -1, &info) == PMX_STATUS_INVALID_ARGUMENT, "info: negative index rejected");

    count = -1;
    pmx_status st = pmx_cuda_device_count(ctx, &count);
    std::string msg = pmx_test::last_error(ctx);
    if (st == PMX_STATUS_SUCCESS) {
        std::printf("CUDA devices: %d\n", count);
        expect(count >= 0, "count >= 0");
        for (int32_t i = 0; i < count; ++i) {
            std::memset(&info, 0, sizeof info);
            info.struct_size = sizeof info;
            st = pmx_cuda_device_info_get(ctx, i, &info);
            expect(st == PMX_STATUS_SUCCESS, "device info of a listed device");
            std::printf("  %d: %s, sm_%d%d, %lld MiB, %d SMs, driver %d, runtime %d\n", i, info.name,
                        info.compute_major, info.compute_minor, (long long)(info.total_memory_bytes >> 20),
                        info.multiprocessor_count, info.driver_version, info.runtime_version);
            expect(info.name[0] != '\0' && info.compute_major > 0, "device info filled");
        }
        info.struct_size = sizeof info;
        expect(pmx_cuda_device_info_get(ctx, count, &info) == PMX_STATUS_INVALID_ARGUMENT, "index == count rejected");
    } else {
        std::printf("CUDA unavailable (%s): %s\n", pmx_status_name(st), msg.c_str());
        expect(st == PMX_STATUS_UNAVAILABLE, "status is UNAVAILABLE");
        expect(count == 0, "count zeroed on failure");
        expect(!msg.empty(), "a message says why");
#if defined(PMX_TEST_CUDA_BACKEND_BUILT)
        // The backend was built beside libpanamax: the loader must have taken
        // its table, so the reason comes from the backend (the driver), not
        // from the loader ("CUDA backend ...").
        expect(msg.rfind("CUDA backend", 0) != 0, "the built backend loaded through pmxcu_get_api");
#endif
        // Asking again gives the same answer (the backend is probed once).
        expect(pmx_cuda_device_count(ctx, &count) == st, "same answer twice");
        std::memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        expect(pmx_cuda_device_info_get(ctx, 0, &info) == PMX_STATUS_UNAVAILABLE, "info: UNAVAILABLE too");
    }
    pmx_context_destroy(ctx);
    std::printf("%s\n", failures == 0 ? "PASS" : "FAILED");
    return failures == 0 ? 0 : 1;
}
