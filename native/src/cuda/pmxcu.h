// The internal C interface of libpanamax_cuda, the CUDA backend.
//
// libpanamax never links CUDA: it dlopens libpanamax_cuda on first use
// (api/cuda_backend.cpp) and asks its one exported function, pmxcu_get_api,
// for a table of function pointers, so a machine with no driver, or a build
// with no nvcc, still loads the CPU library. Not part of the public ABI; both
// libraries come from one build. Adding a CUDA function: one field at the end
// of pmxcu_api, its implementation in the backend, its entry in the table.
//
// Every function returns a pmx_status; on failure it writes a NUL-terminated
// message into msg (capacity msg_capacity bytes, truncated). Nothing aborts.
#pragma once

#include <stdint.h>

#include "panamax/panamax.h"

#ifdef __cplusplus
extern "C" {
#endif

// Bumped when a field of pmxcu_api changes meaning or signature (appending a
// field only grows struct_size). libpanamax asks for exactly this version.
#define PMXCU_API_VERSION 2

typedef struct pmxcu_api {
    int64_t struct_size;  // sizeof(pmxcu_api) as the backend was built
    uint32_t version;     // PMXCU_API_VERSION of the backend

    // Devices visible to the CUDA runtime. No driver or no device: UNAVAILABLE.
    int32_t (*device_count)(int32_t *out_count, char *msg, int64_t msg_capacity);
    // Fills every field of *out_info (struct_size included) for device `index`.
    int32_t (*device_info)(int32_t index, pmx_cuda_device_info *out_info, char *msg, int64_t msg_capacity);
} pmxcu_api;

// The backend's table for `version`, or NULL when it cannot serve that
// version (libraries from different builds). The table lives as long as the
// library stays loaded.
PMX_API const pmxcu_api *pmxcu_get_api(uint32_t version);

typedef const pmxcu_api *(*pmxcu_get_api_fn)(uint32_t version);

#ifdef __cplusplus
}
#endif
