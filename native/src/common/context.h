// The definition behind the opaque pmx_context handle.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "panamax/panamax.h"

struct pmx_context {
    // Marks a live context so a stale or foreign pointer is caught early.
    static constexpr uint64_t kMagic = 0x584d414e414d4150ull;  // "PAMANAMX"
    uint64_t magic = kMagic;
    std::atomic<int32_t> num_threads{0};  // 0 = all cores
    mutable std::mutex error_mutex;
    std::string last_error;
};

namespace pmx {

// Throws INVALID_ARGUMENT unless ctx is a live context.
void check_context(const pmx_context *ctx);

// The thread count a call on ctx uses (0 resolved to the core count), >= 1.
int resolved_threads(const pmx_context *ctx);

}  // namespace pmx
