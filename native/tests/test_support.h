// Small helpers shared by the native tests (header-only, C API only).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "panamax/panamax.h"

namespace pmx_test {

constexpr int kSkip = 77;  // CTest SKIP_RETURN_CODE

// Exits with kSkip when PMX_ISA asks for a path this CPU does not have (the
// library then silently runs a lower one, which another test covers).
inline void skip_unless_requested_isa_runs() {
    const char *want = std::getenv("PMX_ISA");
    int32_t isa = -1;
    pmx_cpu_isa(&isa);
    int wanted = isa;
    if (want != nullptr && std::strcmp(want, "avx512") == 0) wanted = PMX_ISA_AVX512;
    if (want != nullptr && std::strcmp(want, "avx2") == 0) wanted = PMX_ISA_AVX2;
    if (want != nullptr && std::strcmp(want, "portable") == 0) wanted = PMX_ISA_PORTABLE;
    if (wanted != isa) {
        std::printf("SKIP: PMX_ISA=%s is not available on this CPU (running isa %d)\n", want, isa);
        std::exit(kSkip);
    }
    std::printf("isa path under test: %d (PMX_ISA=%s)\n", isa, want ? want : "unset");
}

// A strided tensor view of `data` (strides in elements).
inline pmx_tensor view(void *data, int32_t dtype, std::initializer_list<int64_t> shape,
                       std::initializer_list<int64_t> stride, int64_t byte_size) {
    pmx_tensor t{};
    t.data = data;
    t.dtype = dtype;
    t.device = PMX_DEVICE_CPU;
    t.ndim = static_cast<int32_t>(shape.size());
    int i = 0;
    for (int64_t s : shape) t.shape[i++] = s;
    i = 0;
    for (int64_t s : stride) t.stride[i++] = s;
    t.byte_size = byte_size;
    return t;
}

// A dense row-major tensor view of `data` with the given shape.
inline pmx_tensor dense(void *data, int32_t dtype, std::initializer_list<int64_t> shape, int64_t elem_bytes) {
    pmx_tensor t = view(data, dtype, shape, {}, 0);
    int64_t stride = 1;
    for (int d = t.ndim - 1; d >= 0; --d) {
        t.stride[d] = stride;
        stride *= t.shape[d];
    }
    t.byte_size = stride * elem_bytes;
    return t;
}

inline std::vector<float> random_floats(size_t n, std::mt19937_64 &rng, float lo = -1.f, float hi = 1.f) {
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (float &x : v) x = dist(rng);
    return v;
}

// Outputs are poisoned with this quiet NaN payload, which arithmetic never
// produces, so an unwritten element is told apart from a computed NaN.
constexpr uint32_t kPoisonBits = 0x7FC0BAD0u;

inline float poison() {
    float f;
    std::memcpy(&f, &kPoisonBits, sizeof f);
    return f;
}

inline bool is_poison(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return bits == kPoisonBits;
}

// Owns 64-byte aligned storage (workspaces must be aligned).
struct Aligned {
    void *p = nullptr;
    explicit Aligned(size_t bytes) {
        if (posix_memalign(&p, 64, bytes < 64 ? 64 : bytes) != 0) p = nullptr;
    }
    ~Aligned() { std::free(p); }
    Aligned(const Aligned &) = delete;
    Aligned &operator=(const Aligned &) = delete;
};

// A std::vector allocator of 64-byte aligned storage (kernels take faster
// paths on aligned outputs; tests must reach them).
template <class T>
struct AlignedAllocator {
    using value_type = T;
    AlignedAllocator() = default;
    template <class U>
    AlignedAllocator(const AlignedAllocator<U> &) {}
    T *allocate(size_t n) {
        void *p = nullptr;
        if (posix_memalign(&p, 64, n * sizeof(T) < 64 ? 64 : n * sizeof(T)) != 0) throw std::bad_alloc();
        return static_cast<T *>(p);
    }
    void deallocate(T *p, size_t) { std::free(p); }
    template <class U>
    bool operator==(const AlignedAllocator<U> &) const { return true; }
    template <class U>
    bool operator!=(const AlignedAllocator<U> &) const { return false; }
};

// Test buffers on 64-byte aligned storage.
using FloatBuffer = std::vector<float, AlignedAllocator<float>>;

// Runs pmx_attention_fwd on `ctx` with a workspace of the size it asks for.
inline pmx_status run_fused(pmx_context *ctx, const pmx_attention_params &a) {
    int64_t bytes = -1;
    pmx_status st = pmx_attention_fwd_workspace_size(ctx, &a, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    Aligned ws{size_t(bytes)};
    if (ws.p == nullptr) return PMX_STATUS_OUT_OF_MEMORY;
    return pmx_attention_fwd(ctx, &a, ws.p, bytes);
}

// The failure count of a test program, and the check that counts one.
inline int failures = 0;

inline void expect(bool ok, const std::string &what) {
    if (!ok) {
        std::printf("FAIL: %s\n", what.c_str());
        ++failures;
    }
}

// A context of at least `min_threads` threads (so that the work split runs
// even on a small machine) and a 1-thread one, for bit-identity checks.
inline bool open_contexts(pmx_context *&ctx, pmx_context *&ctx1, int32_t min_threads) {
    if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS || pmx_context_create(&ctx1) != PMX_STATUS_SUCCESS) {
        std::printf("FAIL: cannot create contexts\n");
        return false;
    }
    int32_t threads = 0;
    pmx_context_get_num_threads(ctx, &threads);
    if (threads < min_threads) pmx_context_set_num_threads(ctx, min_threads);
    pmx_context_set_num_threads(ctx1, 1);
    return true;
}

inline std::string last_error(pmx_context *ctx) {
    char buf[1024];
    int64_t len = 0;
    pmx_context_last_error(ctx, buf, sizeof buf, &len);
    return buf;
}

}  // namespace pmx_test
