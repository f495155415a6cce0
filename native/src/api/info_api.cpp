// extern "C" entry points: what this build is and which paths it takes.
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "common/cpu_features.h"
#include "common/status.h"

extern "C" {

PMX_API pmx_status pmx_cpu_isa(int32_t *out_isa) {
    return pmx::guard(nullptr, [&] {
        if (out_isa == nullptr) pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "out_isa: must not be NULL");
        *out_isa = static_cast<int32_t>(pmx::cpu::active_isa());
    });
}

PMX_API pmx_status pmx_build_info(char *buf, int64_t capacity, int64_t *out_length) {
    return pmx::guard(nullptr, [&] {
        if (capacity < 0 || (capacity > 0 && buf == nullptr))
            pmx::fail(PMX_STATUS_INVALID_ARGUMENT, "buf: NULL with capacity %lld", (long long)capacity);
        const dnnl_version_t *dnnl = dnnl_version();
        char text[512];
        std::snprintf(text, sizeof text,
                      "panamax abi %d.%d; cpu isa %s; cores %d; compiler gcc %d.%d.%d; openmp %d; onednn %d.%d.%d (%s)",
                      PMX_ABI_VERSION_MAJOR, PMX_ABI_VERSION_MINOR, pmx::cpu::isa_name(pmx::cpu::active_isa()),
                      omp_get_num_procs(), __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__, _OPENMP, dnnl->major,
                      dnnl->minor, dnnl->patch, dnnl->cpu_runtime == DNNL_RUNTIME_OMP ? "openmp" : "other runtime");
        const size_t len = std::strlen(text);
        if (out_length != nullptr) *out_length = static_cast<int64_t>(len);
        if (capacity > 0) {
            size_t n = len < static_cast<size_t>(capacity - 1) ? len : static_cast<size_t>(capacity - 1);
            std::memcpy(buf, text, n);
            buf[n] = '\0';
        }
    });
}

}  // extern "C"
