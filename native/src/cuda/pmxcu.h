// The internal C interface of libpanamax_cuda, the CUDA backend.
//
// libpanamax never links CUDA: it dlopens libpanamax_cuda (api/cuda_api.cpp)
// on first use and calls these functions through pointers, so a machine with
// no driver, or a build with no nvcc, still loads the CPU library. Not part of
// the public ABI; both libraries come from one build.
//
// Every function returns a pmx_status; on failure it writes a NUL-terminated
// message into msg (capacity msg_capacity bytes, truncated). Nothing aborts.
#pragma once

#include <stdint.h>

#include "panamax/panamax.h"

#ifdef __cplusplus
extern "C" {
#endif

// Bumped whenever a signature below changes; the loader refuses a mismatch.
#define PMXCU_INTERFACE_VERSION 1

typedef uint32_t (*pmxcu_interface_version_fn)(void);
typedef int32_t (*pmxcu_device_count_fn)(int32_t *out_count, char *msg, int64_t msg_capacity);
typedef int32_t (*pmxcu_device_info_fn)(int32_t index, pmx_cuda_device_info *out_info, char *msg,
                                        int64_t msg_capacity);

PMX_API uint32_t pmxcu_interface_version(void);

// Devices visible to the CUDA runtime. No driver or no device: UNAVAILABLE.
PMX_API int32_t pmxcu_device_count(int32_t *out_count, char *msg, int64_t msg_capacity);

// Fills every field of *out_info (struct_size included) for device `index`.
PMX_API int32_t pmxcu_device_info(int32_t index, pmx_cuda_device_info *out_info, char *msg, int64_t msg_capacity);

#ifdef __cplusplus
}
#endif
