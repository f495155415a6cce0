// The top-k selection's vector kernels (topk_kernels.h), written once against
// a SIMD-traits type and instantiated per ISA.
#pragma once

#include <cstdint>

#include "attention/topk_kernels.h"
#include "common/inline.h"

namespace pmx::attention::topk {

template <class T>
struct TopkKernels {
    using V = typename T::V;
    static constexpr int W = T::W;
    static constexpr int NR = int(kScoreCols) / W;  // vectors per score tile row
    static constexpr int MR = int(kScoreRows);
    static_assert(kScoreCols % W == 0, "score columns must be whole vectors");

    // Rows ahead whose lines a pool loop requests: the rows are apart (a row
    // of one head is a slice of a [N, H, D] tensor), so the hardware
    // prefetchers alone leave the loop waiting on memory.
    static constexpr int64_t kPrefetchRows = 16;

    // NV vectors of columns d0 .. d0 + NV·W, held in registers across the rows.
    template <int NV>
    static PMX_INLINE void pool_vectors(const float *x, int64_t rows, int64_t rs, float scale, float *out) {
        V acc[NV];
        PMX_UNROLL for (int v = 0; v < NV; ++v) acc[v] = T::zero();
        for (int64_t r = 0; r < rows; ++r) {
            const float *row = x + r * rs;
            const char *ahead = reinterpret_cast<const char *>(row + kPrefetchRows * rs);
            PMX_UNROLL for (int b = 0; b < NV * W * 4; b += 64) __builtin_prefetch(ahead + b);
            PMX_UNROLL for (int v = 0; v < NV; ++v) acc[v] = T::add(acc[v], T::loadu(row + v * W));
        }
        const V f = T::set1(scale);
        PMX_UNROLL for (int v = 0; v < NV; ++v) T::storeu(out + v * W, T::mul(acc[v], f));
    }

    static void pool(const float *x, int64_t rows, int64_t rs, int64_t ds, int64_t dims, float scale, float *out) {
        int64_t d0 = 0;
        if (ds == 1) {
            for (; d0 + 8 * W <= dims; d0 += 8 * W) pool_vectors<8>(x + d0, rows, rs, scale, out + d0);
            for (; d0 + 4 * W <= dims; d0 += 4 * W) pool_vectors<4>(x + d0, rows, rs, scale, out + d0);
            for (; d0 + 2 * W <= dims; d0 += 2 * W) pool_vectors<2>(x + d0, rows, rs, scale, out + d0);
            for (; d0 + W <= dims; d0 += W) pool_vectors<1>(x + d0, rows, rs, scale, out + d0);
        }
        for (; d0 < dims; ++d0) {
            float a = 0.f;
            for (int64_t r = 0; r < rows; ++r) a += x[r * rs + d0 * ds];
            out[d0] = a * scale;
        }
    }

    static void score(const float *a, int64_t dims, const float *bt, int64_t ldb, int64_t cols, float *s,
                      int64_t lds) {
        for (int64_t j0 = 0; j0 < cols; j0 += kScoreCols) {
            V acc[MR][NR];
            PMX_UNROLL for (int m = 0; m < MR; ++m) PMX_UNROLL for (int n = 0; n < NR; ++n) acc[m][n] = T::zero();
            for (int64_t d = 0; d < dims; ++d) {
                V b[NR];
                PMX_UNROLL for (int n = 0; n < NR; ++n) b[n] = T::loadu(bt + d * ldb + j0 + n * W);
                PMX_UNROLL for (int m = 0; m < MR; ++m) {
                    const V x = T::bcast(a + m * dims + d);
                    PMX_UNROLL for (int n = 0; n < NR; ++n) acc[m][n] = T::fmadd(x, b[n], acc[m][n]);
                }
            }
            // max(x, -inf) is -inf for a NaN x (the traits' max returns its second operand then).
            const V lowest = T::set1(-__builtin_inff());
            PMX_UNROLL for (int m = 0; m < MR; ++m) PMX_UNROLL for (int n = 0; n < NR; ++n)
                T::storeu(s + m * lds + j0 + n * W, T::max(acc[m][n], lowest));
        }
    }

    static void lane_max(const float *key, int64_t rows, float *out) {
        static_assert(kLanes % W == 0, "lanes must be whole vectors");
        PMX_UNROLL for (int v = 0; v < int(kLanes) / W; ++v) {
            V m = T::loadu(key + v * W);
            for (int64_t r = 1; r < rows; ++r) m = T::max(T::loadu(key + r * kLanes + v * W), m);
            T::storeu(out + v * W, m);
        }
    }
};

}  // namespace pmx::attention::topk
