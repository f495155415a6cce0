// pmx_fma_peak: the machine's fp32 FMA ceiling, the number no kernel figure may
// exceed (a figure above it is a timing bug). Each thread runs 12 independent
// FMA chains on the widest vectors the CPU has (AVX-512 or AVX2), enough to
// cover the FMA latency of both pipes, in registers, for a fixed count;
// GFLOP/s = 2 · lanes · chains · iterations · threads / wall time, best of 3.
// oneDNN's sgemm is the in-run ceiling of the bench tables, but it is not the
// peak everywhere (oneDNN 2.6 predates Zen 5): this measures the peak itself.
//
//   pmx_fma_peak [threads...]     (default: 1 and all cores)
#include <immintrin.h>
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

constexpr int kChains = 12;
constexpr long kIterations = 100000000;

// One body per ISA, written once: the target attribute gives the chains
// registers of that width (inlined intrinsics, no calls in the loop).
#define PMX_FMA_CHAINS(V, SET1, FMA, STORE, LANES)                                   \
    V a[kChains];                                                                  \
    const V b = SET1(0.999999f), c = SET1(1e-7f);                                  \
    for (int i = 0; i < kChains; ++i) a[i] = SET1(float(i));                       \
    for (long it = 0; it < kIterations; ++it) {                                    \
        _Pragma("GCC unroll 12") for (int i = 0; i < kChains; ++i) a[i] = FMA(a[i], b, c); \
    }                                                                              \
    alignas(64) float x[LANES];                                                    \
    float s = 0;                                                                   \
    for (int i = 0; i < kChains; ++i) {                                            \
        STORE(x, a[i]);                                                            \
        for (int l = 0; l < LANES; ++l) s += x[l];                                 \
    }                                                                              \
    return s; /* returned so the chains are not optimised away */

__attribute__((target("avx512f"))) float run512() {
    PMX_FMA_CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_store_ps, 16)
}

__attribute__((target("avx2,fma"))) float run256() {
    PMX_FMA_CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_store_ps, 8)
}

}  // namespace

int main(int argc, char **argv) {
    const bool avx512 = __builtin_cpu_supports("avx512f");
    if (!avx512 && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
        std::fprintf(stderr, "pmx_fma_peak: needs AVX2+FMA or AVX-512\n");
        return 2;
    }
    const int lanes = avx512 ? 16 : 8;
    std::vector<int> counts;
    for (int i = 1; i < argc; ++i) counts.push_back(std::atoi(argv[i]));
    if (counts.empty()) counts = {1, omp_get_num_procs()};
    for (int threads : counts) {
        if (threads < 1) {
            std::fprintf(stderr, "pmx_fma_peak: thread counts must be >= 1\n");
            return 2;
        }
        double best = 0;
        for (int rep = 0; rep < 3; ++rep) {
            float sink = 0;
            const double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
            sink += avx512 ? run512() : run256();
            const double gflops = 2.0 * lanes * kChains * double(kIterations) * threads / (omp_get_wtime() - t0) / 1e9;
            if (gflops > best) best = gflops;
            if (sink == 1.234f) std::printf(" ");  // keeps sink live
        }
        std::printf("fp32 FMA peak, %s, %d thread(s): %.1f GFLOP/s\n", avx512 ? "AVX-512 (zmm)" : "AVX2 (ymm)",
                    threads, best);
    }
    return 0;
}
