// The register-blocked products of the fused attention forward, written once
// against a SIMD-traits type (common/simd_*.h plus the micro-tile shape
// NR x MR) and instantiated per ISA (flash_fwd_{avx512,avx2,portable}.cpp):
//
//   Sᵀ[j][i] = Σ_d K[j][d] · Qᵀ[d][i]     (qk_*: K rows broadcast, Qᵀ panel in lanes)
//   Oᵀ[d][i] = α[i]·Oᵀ[d][i] + Σ_j V[j][d] · Pᵀ[j][i]   (pv_*)
//
// Queries run along the SIMD lanes, so both are GEMMs whose broadcast operand
// is a K or V row read in place, and the softmax needs no horizontal
// reductions (flash_fwd_impl.h has the whole algorithm).
#pragma once

#include <cstdint>

#include "attention/flash_fwd_layout.h"
#include "common/inline.h"

namespace pmx::attention::flash {

template <class T>
struct TileGemm {
    using V = typename T::V;
    static constexpr int W = T::W;    // lanes per vector
    static constexpr int NR = T::NR;  // vectors per micro-tile (query direction)
    static constexpr int MR = T::MR;  // rows per micro-tile (key or head-dim direction)
    static constexpr int SW = NR * W; // query lanes per micro-tile
    static_assert(kBlockQ % SW == 0, "query block must be whole micro-tiles");

    // ---- prefetching the next K/V tile -----------------------------------------
    // The next tile's K and V rows are requested a few at a time between
    // micro-tiles, so that the misses (often to DRAM: a head's K/V rarely fits
    // in L2) overlap with the FMAs. Issued in one burst they fill the miss
    // buffers and stall the core about as long as the copy itself would.
    struct Prefetcher {
        const char *k = nullptr, *v = nullptr;
        int64_t k_rs = 0, v_rs = 0;  // row strides in bytes
        int64_t k_bytes = 0, v_bytes = 0;
        int64_t rows_left = 0, per_step = 1;

        PMX_INLINE void step() {
            for (int64_t n = 0; n < per_step && rows_left > 0; ++n, --rows_left) {
                for (int64_t b = 0; b < k_bytes; b += 64) __builtin_prefetch(k + b, 0, 2);
                __builtin_prefetch(k + k_bytes - 1, 0, 2);
                for (int64_t b = 0; b < v_bytes; b += 64) __builtin_prefetch(v + b, 0, 2);
                __builtin_prefetch(v + v_bytes - 1, 0, 2);
                k += k_rs;
                v += v_rs;
            }
        }
        void flush() {
            per_step = rows_left;
            step();
        }
    };

    // ---- Sᵀ = K · Qᵀ ---------------------------------------------------------
    // R key rows (k, row stride ks, d contiguous) times the whole Qᵀ panel.
    template <int R>
    static PMX_INLINE void qk_rows(const float *k, int64_t ks, const float *qt, int64_t d, float *st) {
        const float *kr[R];
        PMX_UNROLL for (int r = 0; r < R; ++r) kr[r] = k + r * ks;
        for (int c0 = 0; c0 < kBlockQ; c0 += SW) {
            // The first product initialises the accumulators (d >= 1).
            V acc[R][NR];
            const float *qp = qt + c0;
            {
                V b[NR];
                PMX_UNROLL for (int c = 0; c < NR; ++c) b[c] = T::load(qp + c * W);
                PMX_UNROLL for (int r = 0; r < R; ++r) {
                    const V a = T::bcast(kr[r]);
                    PMX_UNROLL for (int c = 0; c < NR; ++c) acc[r][c] = T::mul(a, b[c]);
                }
                qp += kBlockQ;
            }
            for (int64_t dd = 1; dd < d; ++dd, qp += kBlockQ) {
                V b[NR];
                PMX_UNROLL for (int c = 0; c < NR; ++c) b[c] = T::load(qp + c * W);
                PMX_UNROLL for (int r = 0; r < R; ++r) {
                    const V a = T::bcast(kr[r] + dd);
                    PMX_UNROLL for (int c = 0; c < NR; ++c) acc[r][c] = T::fmadd(a, b[c], acc[r][c]);
                }
            }
            PMX_UNROLL for (int r = 0; r < R; ++r)
                PMX_UNROLL for (int c = 0; c < NR; ++c) T::store(st + r * kBlockQ + c0 + c * W, acc[r][c]);
        }
    }

    static void qk_tile(const float *k, int64_t ks, const float *qt, int64_t d, int64_t jn, float *st,
                        Prefetcher &pf) {
        int64_t j = 0;
        for (; j + MR <= jn; j += MR) {
            pf.step();
            qk_rows<MR>(k + j * ks, ks, qt, d, st + j * kBlockQ);
        }
        qk_tail(k + j * ks, ks, qt, d, int(jn - j), st + j * kBlockQ);
    }

    template <int R = MR - 1>
    static PMX_INLINE void qk_tail(const float *k, int64_t ks, const float *qt, int64_t d, int rows, float *st) {
        if constexpr (R >= 1) {
            if (rows == R) qk_rows<R>(k, ks, qt, d, st);
            else qk_tail<R - 1>(k, ks, qt, d, rows, st);
        }
    }

    // ---- Oᵀ = α·Oᵀ + Vᵀ · Pᵀ -------------------------------------------------
    // R head-dim rows of Oᵀ starting at v's column: v points at V[0][d0].
    template <int R>
    static PMX_INLINE void pv_rows(const float *v, int64_t vs, const float *pt, int64_t jn, const float *alpha,
                                   bool first, float *ot) {
        for (int c0 = 0; c0 < kBlockQ; c0 += SW) {
            V acc[R][NR];
            if (first) {
                PMX_UNROLL for (int r = 0; r < R; ++r)
                    PMX_UNROLL for (int c = 0; c < NR; ++c) acc[r][c] = T::zero();
            } else {
                V al[NR];
                PMX_UNROLL for (int c = 0; c < NR; ++c) al[c] = T::load(alpha + c0 + c * W);
                PMX_UNROLL for (int r = 0; r < R; ++r)
                    PMX_UNROLL for (int c = 0; c < NR; ++c)
                        acc[r][c] = T::mul(T::load(ot + r * kBlockQ + c0 + c * W), al[c]);
            }
            const float *vr = v;
            const float *pp = pt + c0;
            for (int64_t j = 0; j < jn; ++j, vr += vs, pp += kBlockQ) {
                V b[NR];
                PMX_UNROLL for (int c = 0; c < NR; ++c) b[c] = T::load(pp + c * W);
                PMX_UNROLL for (int r = 0; r < R; ++r) {
                    const V a = T::bcast(vr + r);
                    PMX_UNROLL for (int c = 0; c < NR; ++c) acc[r][c] = T::fmadd(a, b[c], acc[r][c]);
                }
            }
            PMX_UNROLL for (int r = 0; r < R; ++r)
                PMX_UNROLL for (int c = 0; c < NR; ++c) T::store(ot + r * kBlockQ + c0 + c * W, acc[r][c]);
        }
    }

    static void pv_tile(const float *v, int64_t vs, const float *pt, int64_t jn, int64_t d, const float *alpha,
                        bool first, float *ot, Prefetcher &pf) {
        int64_t r = 0;
        for (; r + MR <= d; r += MR) {
            pf.step();
            pv_rows<MR>(v + r, vs, pt, jn, alpha, first, ot + r * kBlockQ);
        }
        pv_tail(v + r, vs, pt, jn, alpha, first, int(d - r), ot + r * kBlockQ);
    }

    template <int R = MR - 1>
    static PMX_INLINE void pv_tail(const float *v, int64_t vs, const float *pt, int64_t jn, const float *alpha,
                                   bool first, int rows, float *ot) {
        if constexpr (R >= 1) {
            if (rows == R) pv_rows<R>(v, vs, pt, jn, alpha, first, ot);
            else pv_tail<R - 1>(v, vs, pt, jn, alpha, first, rows, ot);
        }
    }

    // ---- column slices of Sᵀ (for tiles where some lanes are masked) -----------
    // NC vectors of R key rows from lane c0.
    template <int R, int NC>
    static PMX_INLINE void qk_cols(const float *const *kr, const float *qt, int64_t d, float *st, int c0) {
        V acc[R][NC];
        const float *qp = qt + c0;
        {
            V b[NC];
            PMX_UNROLL for (int c = 0; c < NC; ++c) b[c] = T::load(qp + c * W);
            PMX_UNROLL for (int r = 0; r < R; ++r) {
                const V a = T::bcast(kr[r]);
                PMX_UNROLL for (int c = 0; c < NC; ++c) acc[r][c] = T::mul(a, b[c]);
            }
            qp += kBlockQ;
        }
        for (int64_t dd = 1; dd < d; ++dd, qp += kBlockQ) {
            V b[NC];
            PMX_UNROLL for (int c = 0; c < NC; ++c) b[c] = T::load(qp + c * W);
            PMX_UNROLL for (int r = 0; r < R; ++r) {
                const V a = T::bcast(kr[r] + dd);
                PMX_UNROLL for (int c = 0; c < NC; ++c) acc[r][c] = T::fmadd(a, b[c], acc[r][c]);
            }
        }
        PMX_UNROLL for (int r = 0; r < R; ++r)
            PMX_UNROLL for (int c = 0; c < NC; ++c) T::store(st + r * kBlockQ + c0 + c * W, acc[r][c]);
    }

    template <int R, int NC = NR - 1>
    static PMX_INLINE void qk_cols_rem(const float *const *kr, const float *qt, int64_t d, float *st, int c0,
                                       int n) {
        if constexpr (NC >= 1) {
            if (n == NC) qk_cols<R, NC>(kr, qt, d, st, c0);
            else qk_cols_rem<R, NC - 1>(kr, qt, d, st, c0, n);
        }
    }


    // ---- packing ---------------------------------------------------------------
    static void pack_rows(const float *src, int64_t row_stride, int64_t col_stride, int64_t rows, int64_t d,
                          float *dst, int64_t ld) {
        if (col_stride == 1) {
            for (int64_t j = 0; j < rows; ++j) {
                const float *s = src + j * row_stride;
                float *o = dst + j * ld;
                int64_t dd = 0;
                for (; dd + W <= d; dd += W) T::storeu(o + dd, T::loadu(s + dd));
                for (; dd < d; ++dd) o[dd] = s[dd];
            }
        } else {
            for (int64_t j = 0; j < rows; ++j)
                for (int64_t dd = 0; dd < d; ++dd) dst[j * ld + dd] = src[j * row_stride + dd * col_stride];
        }
    }
};

}  // namespace pmx::attention::flash
