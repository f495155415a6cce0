// libpanamax_cuda: device discovery, served through pmxcu_get_api (pmxcu.h). The CUDA runtime is linked statically,
// so this library loads on any machine; without a driver the runtime calls
// fail and we answer UNAVAILABLE with a message instead of failing to load.
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "cuda/pmxcu.h"

namespace {

void write_message(char *msg, int64_t capacity, const char *format, ...) __attribute__((format(printf, 3, 4)));

void write_message(char *msg, int64_t capacity, const char *format, ...) {
    if (msg == nullptr || capacity <= 0) return;
    va_list args;
    va_start(args, format);
    std::vsnprintf(msg, static_cast<size_t>(capacity), format, args);
    va_end(args);
}

// Why the runtime has no usable driver, in words a user can act on.
void explain_no_driver(cudaError_t err, char *msg, int64_t capacity) {
    int runtime = 0;
    cudaRuntimeGetVersion(&runtime);
    // The runtime itself dlopens libcuda.so.1; try the same to tell "absent"
    // from "too old".
    void *driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (driver == nullptr) {
        const char *why = dlerror();
        write_message(msg, capacity, "no CUDA driver (libcuda.so.1 not found: %s); this build needs a driver for CUDA %d.%d",
                      why ? why : "unknown reason", runtime / 1000, (runtime % 1000) / 10);
        return;
    }
    dlclose(driver);
    int version = 0;
    cudaDriverGetVersion(&version);
    write_message(msg, capacity, "CUDA driver unusable: %s (%s); driver supports CUDA %d.%d, this build needs %d.%d",
                  cudaGetErrorName(err), cudaGetErrorString(err), version / 1000, (version % 1000) / 10,
                  runtime / 1000, (runtime % 1000) / 10);
}

// Maps a runtime error to a pmx_status and a message.
int32_t to_status(cudaError_t err, const char *what, char *msg, int64_t capacity) {
    switch (err) {
        case cudaSuccess:
            return PMX_STATUS_SUCCESS;
        case cudaErrorInsufficientDriver:
        case cudaErrorStubLibrary:
        case cudaErrorSystemDriverMismatch:
        case cudaErrorCompatNotSupportedOnDevice:
            explain_no_driver(err, msg, capacity);
            return PMX_STATUS_UNAVAILABLE;
        case cudaErrorNoDevice:
            write_message(msg, capacity, "no CUDA device visible (%s: %s; check CUDA_VISIBLE_DEVICES)", what,
                          cudaGetErrorString(err));
            return PMX_STATUS_UNAVAILABLE;
        case cudaErrorInitializationError:
            write_message(msg, capacity, "CUDA could not initialise (%s: %s)", what, cudaGetErrorString(err));
            return PMX_STATUS_UNAVAILABLE;
        case cudaErrorMemoryAllocation:
            write_message(msg, capacity, "%s: %s", what, cudaGetErrorString(err));
            return PMX_STATUS_OUT_OF_MEMORY;
        default:
            write_message(msg, capacity, "%s failed: %s (%s)", what, cudaGetErrorName(err), cudaGetErrorString(err));
            return PMX_STATUS_DEVICE_ERROR;
    }
}

int32_t device_count(int32_t *out_count, char *msg, int64_t msg_capacity) {
    if (out_count == nullptr) {
        write_message(msg, msg_capacity, "out_count: must not be NULL");
        return PMX_STATUS_INVALID_ARGUMENT;
    }
    *out_count = 0;
    int count = 0;
    int32_t status = to_status(cudaGetDeviceCount(&count), "cudaGetDeviceCount", msg, msg_capacity);
    if (status == PMX_STATUS_SUCCESS) *out_count = count;
    return status;
}

int32_t device_info(int32_t index, pmx_cuda_device_info *out_info, char *msg, int64_t msg_capacity) {
    if (out_info == nullptr) {
        write_message(msg, msg_capacity, "out_info: must not be NULL");
        return PMX_STATUS_INVALID_ARGUMENT;
    }
    int count = 0;
    int32_t status = to_status(cudaGetDeviceCount(&count), "cudaGetDeviceCount", msg, msg_capacity);
    if (status != PMX_STATUS_SUCCESS) return status;
    if (index < 0 || index >= count) {
        write_message(msg, msg_capacity, "index: %d is outside 0..%d (%d CUDA devices)", index, count - 1, count);
        return PMX_STATUS_INVALID_ARGUMENT;
    }
    cudaDeviceProp prop;
    status = to_status(cudaGetDeviceProperties(&prop, index), "cudaGetDeviceProperties", msg, msg_capacity);
    if (status != PMX_STATUS_SUCCESS) return status;
    int driver = 0, runtime = 0;
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);

    pmx_cuda_device_info info;
    std::memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    std::snprintf(info.name, sizeof info.name, "%s", prop.name);
    info.compute_major = prop.major;
    info.compute_minor = prop.minor;
    info.total_memory_bytes = static_cast<int64_t>(prop.totalGlobalMem);
    info.multiprocessor_count = prop.multiProcessorCount;
    info.driver_version = driver;
    info.runtime_version = runtime;
    *out_info = info;
    return PMX_STATUS_SUCCESS;
}

const pmxcu_api kApi = {
    static_cast<int64_t>(sizeof(pmxcu_api)),
    PMXCU_API_VERSION,
    &device_count,
    &device_info,
};

}  // namespace

extern "C" PMX_API const pmxcu_api *pmxcu_get_api(uint32_t version) {
    return version == PMXCU_API_VERSION ? &kApi : nullptr;
}
