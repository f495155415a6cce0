// The register-blocked product the chunked kernels are made of (the SSD,
// ssm/ssd_impl.h; linear attention, linear/), written once against a
// SIMD-traits type:
//
//   c[r][j] = beta·c[r][j] + Σ_k a[r][k] · b[k][j]
//
// a's rows are broadcast one element at a time and b's rows lie in the
// lanes, so b and c are the kernel's own padded, aligned buffers (ldb, ldc
// and the column count multiples of 16) while a may be any row-major block.
// k runs over one or two ranges (an output product reads the masked chunk
// scores and then the queries against the state, stacked in one buffer),
// and the causal structure of the chunk is used, not multiplied by zeros:
// tri_k    row block [r0, r0 + R) reads the first range only below r0 + R
//          (a is zero above the diagonal there);
// tri_cols row block [r0, r0 + R) computes only the columns below r0 + R
//          (rounded up to whole vectors: the rest is never read).
#pragma once

#include <cstdint>

#include "common/inline.h"

namespace pmx::simd {

struct GemmSpec {
    const float *a = nullptr;
    int64_t lda = 0;
    const float *b = nullptr;
    int64_t ldb = 0;
    float *c = nullptr;
    int64_t ldc = 0;
    int64_t rows = 0, cols = 0;  // cols: a multiple of the vector width
    int64_t k0 = 0, k1 = 0;      // first range [k0, k1)
    int64_t k2 = 0, k3 = 0;      // second range [k2, k3), empty by default
    bool tri_k = false, tri_cols = false;
    float beta = 0.f;            // 0: c is not read
};

template <class T>
struct ChunkGemm {
    using V = typename T::V;
    static constexpr int W = T::W;
    // Accumulator tile: AVX-512 6 rows x 4 vectors (24 of 32 registers),
    // 8-lane paths 6 x 2 (12 of 16).
    static constexpr int kRows = 6;
    static constexpr int kVecs = W == 16 ? 4 : 2;

    template <int R, int NC>
    static PMX_INLINE void accumulate(V (&acc)[R][NC], const float *a, int64_t lda, const float *b, int64_t ldb,
                                      int64_t ka, int64_t kb) {
        const float *bp = b + ka * ldb;
        for (int64_t k = ka; k < kb; ++k, bp += ldb) {
            V bv[NC];
            PMX_UNROLL for (int c = 0; c < NC; ++c) bv[c] = T::load(bp + c * W);
            PMX_UNROLL for (int r = 0; r < R; ++r) {
                const V av = T::bcast(a + r * lda + k);
                PMX_UNROLL for (int c = 0; c < NC; ++c) acc[r][c] = T::fmadd(av, bv[c], acc[r][c]);
            }
        }
    }

    template <int R, int NC>
    static PMX_INLINE void tile(const GemmSpec &s, int64_t r0, int64_t j0, int64_t k1) {
        V acc[R][NC];
        PMX_UNROLL for (int r = 0; r < R; ++r)
            PMX_UNROLL for (int c = 0; c < NC; ++c) acc[r][c] = T::zero();
        const float *a = s.a + r0 * s.lda;
        accumulate<R, NC>(acc, a, s.lda, s.b + j0, s.ldb, s.k0, k1);
        if (s.k3 > s.k2) accumulate<R, NC>(acc, a, s.lda, s.b + j0, s.ldb, s.k2, s.k3);
        float *cp = s.c + r0 * s.ldc + j0;
        if (s.beta != 0.f) {
            const V beta = T::set1(s.beta);
            PMX_UNROLL for (int r = 0; r < R; ++r)
                PMX_UNROLL for (int c = 0; c < NC; ++c) acc[r][c] = T::fmadd(beta, T::load(cp + r * s.ldc + c * W), acc[r][c]);
        }
        PMX_UNROLL for (int r = 0; r < R; ++r)
            PMX_UNROLL for (int c = 0; c < NC; ++c) T::store(cp + r * s.ldc + c * W, acc[r][c]);
    }

    // All column panels of one row block.
    template <int R>
    static PMX_INLINE void row_block(const GemmSpec &s, int64_t r0) {
        int64_t cols = s.cols;
        if (s.tri_cols) {
            const int64_t lim = (r0 + R + W - 1) / W * W;
            if (lim < cols) cols = lim;
        }
        int64_t k1 = s.k1;
        if (s.tri_k && r0 + R < k1) k1 = r0 + R;
        int64_t j = 0;
        for (; j + kVecs * W <= cols; j += kVecs * W) tile<R, kVecs>(s, r0, j, k1);
        cols_tail<R>(s, r0, j, k1, int((cols - j) / W));
    }

    template <int R, int NC = kVecs - 1>
    static PMX_INLINE void cols_tail(const GemmSpec &s, int64_t r0, int64_t j0, int64_t k1, int n) {
        if constexpr (NC >= 1) {
            if (n == NC) tile<R, NC>(s, r0, j0, k1);
            else cols_tail<R, NC - 1>(s, r0, j0, k1, n);
        }
    }

    template <int R = kRows - 1>
    static PMX_INLINE void rows_tail(const GemmSpec &s, int64_t r0, int n) {
        if constexpr (R >= 1) {
            if (n == R) row_block<R>(s, r0);
            else rows_tail<R - 1>(s, r0, n);
        }
    }

    static void run(const GemmSpec &s) {
        int64_t r = 0;
        for (; r + kRows <= s.rows; r += kRows) row_block<kRows>(s, r);
        rows_tail(s, r, int(s.rows - r));
    }
};

}  // namespace pmx::simd
