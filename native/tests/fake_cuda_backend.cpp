// Stand-ins for libpanamax_cuda, one per way a backend can be wrong, built as
// separate modules for test_cuda_backend (FAKE_<kind> picks the kind).
#include "cuda/pmxcu.h"

namespace {

int32_t fake_device_count(int32_t *out_count, char *, int64_t) {
    *out_count = 7;
    return PMX_STATUS_SUCCESS;
}

int32_t fake_device_info(int32_t, pmx_cuda_device_info *, char *, int64_t) { return PMX_STATUS_UNAVAILABLE; }

}  // namespace

#if defined(FAKE_no_symbol)
// A shared library that is not a backend at all.
extern "C" PMX_API int pmxcu_something_else(void) { return 0; }
#else
extern "C" PMX_API const pmxcu_api *pmxcu_get_api(uint32_t version) {
#if defined(FAKE_old_version)
    // An older build: it serves version 1 only.
    static const pmxcu_api table = {sizeof(pmxcu_api), 1, &fake_device_count, &fake_device_info};
    return version == 1 ? &table : nullptr;
#elif defined(FAKE_short_table)
    // Claims the version but has a smaller table than this build's.
    static const pmxcu_api table = {sizeof(pmxcu_api) - sizeof(void *), PMXCU_API_VERSION, &fake_device_count,
                                    &fake_device_info};
    return &table;
#else
    static const pmxcu_api table = {sizeof(pmxcu_api), PMXCU_API_VERSION, &fake_device_count, &fake_device_info};
    return version == PMXCU_API_VERSION ? &table : nullptr;
#endif
}
#endif
