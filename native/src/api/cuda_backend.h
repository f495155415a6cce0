// Finding and opening libpanamax_cuda, the CUDA backend (cuda/pmxcu.h).
// Depends on nothing else in libpanamax, so a test can drive it with fake
// backends.
#pragma once

#include <string>
#include <vector>

#include "cuda/pmxcu.h"

namespace pmx {

// The backend's function table, or why there is none.
struct CudaBackend {
    const pmxcu_api *api = nullptr;  // every function pointer set when not NULL
    std::string error;               // why it is unavailable; empty when loaded
};

// dlopens the first of `paths` that loads (a file name alone goes through the
// dynamic linker's search) and takes its table for PMXCU_API_VERSION. A
// library that loads is kept for the life of the process (never dlclosed).
CudaBackend load_cuda_backend(const std::vector<std::string> &paths);

}  // namespace pmx
