// Tiles of the fused attention forward where an arbitrary set of lanes sees
// each key row (window edges, global tokens, block layouts finer than the
// query block): one uint64_t lane mask per key row (visibility.h). The
// products of flash_fwd_gemm.h run only over the vectors a micro-tile's rows
// need, and Oᵀ is updated with lane-masked FMAs so that a masked lane never
// meets the key's V row (its P is 0, but 0·NaN or 0·inf in V is NaN). Per
// ISA like the rest; flash_fwd_impl.h has the whole algorithm.
#pragma once

#include <cstdint>

#include "attention/flash_fwd_gemm.h"

namespace pmx::attention::flash {

template <class T>
struct BitsTiles {
    using G = TileGemm<T>;
    using V = typename T::V;
    using Prefetcher = typename G::Prefetcher;
    static constexpr int W = G::W, NR = G::NR, MR = G::MR, SW = G::SW;
    static constexpr uint32_t kLanes = W >= 32 ? ~0u : (1u << W) - 1u;

    // ---- Sᵀ = K · Qᵀ on the vectors the rows' lanes need ---------------------------
    template <int R>
    static PMX_INLINE void qk_rows(const float *k, int64_t ks, const float *qt, int64_t d, float *st,
                                   const uint64_t *mask) {
        uint64_t u = 0;
        PMX_UNROLL for (int r = 0; r < R; ++r) u |= mask[r];
        if (u == 0) return;  // the softmax masks every lane of these rows
        const float *kr[R];
        PMX_UNROLL for (int r = 0; r < R; ++r) kr[r] = k + r * ks;
        int v = __builtin_ctzll(u) / W;
        const int vend = (63 - __builtin_clzll(u)) / W + 1;
        for (; v + NR <= vend; v += NR) G::template qk_cols<R, NR>(kr, qt, d, st, v * W);
        if (v < vend) G::template qk_cols_rem<R>(kr, qt, d, st, v * W, vend - v);
    }

    template <int R = MR - 1>
    static PMX_INLINE void qk_tail(const float *k, int64_t ks, const float *qt, int64_t d, int rows, float *st,
                                   const uint64_t *mask) {
        if constexpr (R >= 1) {
            if (rows == R) qk_rows<R>(k, ks, qt, d, st, mask);
            else qk_tail<R - 1>(k, ks, qt, d, rows, st, mask);
        }
    }

    static void qk_tile(const float *k, int64_t ks, const float *qt, int64_t d, int64_t jn, float *st,
                        const uint64_t *mask, Prefetcher &pf) {
        int64_t j = 0;
        for (; j + MR <= jn; j += MR) {
            pf.step();
            qk_rows<MR>(k + j * ks, ks, qt, d, st + j * kBlockQ, mask + j);
        }
        qk_tail(k + j * ks, ks, qt, d, int(jn - j), st + j * kBlockQ, mask + j);
    }

    // ---- Oᵀ = α·Oᵀ + Vᵀ · Pᵀ with lane-masked rows -----------------------------------
    // Register-blocked like the plain product (R x NR accumulators), over
    // only the key rows some lane of the NR vectors sees ([first, last) per
    // micro-tile column, from the masks): the lanes a window edge or a
    // diagonal hides cost nothing. Per key row and vector: no lane, skipped;
    // every lane, plain FMAs; some lanes, lane-masked FMAs.
    static constexpr int QV = int(kBlockQ) / W;
    static constexpr int NC = QV / NR;  // micro-tile columns
    static constexpr uint64_t kColLanes = SW >= 64 ? ~uint64_t(0) : (uint64_t(1) << SW) - 1;

    struct RowRanges {
        int64_t first[NC], last[NC];
    };

    static RowRanges row_ranges(const uint64_t *mask, int64_t jn) {
        RowRanges rr;
        for (int c = 0; c < NC; ++c) {
            rr.first[c] = jn;
            rr.last[c] = 0;
        }
        for (int64_t j = 0; j < jn; ++j)
            for (int c = 0; c < NC; ++c)
                if (((mask[j] >> (c * SW)) & kColLanes) != 0) {
                    if (j < rr.first[c]) rr.first[c] = j;
                    rr.last[c] = j + 1;
                }
        return rr;
    }

    template <int R>
    static PMX_INLINE void pv_rows(const float *v, int64_t vs, const float *pt, const uint64_t *mask,
                                   const RowRanges &rr, const float *alpha, bool first, float *ot) {
        for (int cc = 0; cc < NC; ++cc) {
            const int c0 = cc * SW;
            const int64_t j0 = rr.first[cc], j1 = rr.last[cc];
            V acc[R][NR];
            if (first) {
                PMX_UNROLL for (int r = 0; r < R; ++r)
                    PMX_UNROLL for (int c = 0; c < NR; ++c) acc[r][c] = T::zero();
            } else if (j0 >= j1) {
                continue;  // no key for these lanes here: their α is 1 (or Oᵀ is 0)
            } else {
                V al[NR];
                PMX_UNROLL for (int c = 0; c < NR; ++c) al[c] = T::load(alpha + c0 + c * W);
                PMX_UNROLL for (int r = 0; r < R; ++r)
                    PMX_UNROLL for (int c = 0; c < NR; ++c)
                        acc[r][c] = T::mul(T::load(ot + r * kBlockQ + c0 + c * W), al[c]);
            }
            const float *vr = v + j0 * vs;
            const float *pp = pt + j0 * kBlockQ + c0;
            for (int64_t j = j0; j < j1; ++j, vr += vs, pp += kBlockQ) {
                const uint64_t bits = (mask[j] >> c0) & kColLanes;
                if (bits == kColLanes) {
                    V b[NR];
                    PMX_UNROLL for (int c = 0; c < NR; ++c) b[c] = T::load(pp + c * W);
                    PMX_UNROLL for (int r = 0; r < R; ++r) {
                        const V a = T::bcast(vr + r);
                        PMX_UNROLL for (int c = 0; c < NR; ++c) acc[r][c] = T::fmadd(a, b[c], acc[r][c]);
                    }
                    continue;
                }
                PMX_UNROLL for (int c = 0; c < NR; ++c) {
                    const uint32_t cb = uint32_t(bits >> (c * W)) & kLanes;
                    if (cb == 0) continue;
                    const V b = T::load(pp + c * W);
                    PMX_UNROLL for (int r = 0; r < R; ++r) acc[r][c] = T::fmadd_bits(T::bcast(vr + r), b, acc[r][c], cb);
                }
            }
            PMX_UNROLL for (int r = 0; r < R; ++r)
                PMX_UNROLL for (int c = 0; c < NR; ++c) T::store(ot + r * kBlockQ + c0 + c * W, acc[r][c]);
        }
    }

    template <int R = MR - 1>
    static PMX_INLINE void pv_tail(const float *v, int64_t vs, const float *pt, const uint64_t *mask,
                                   const RowRanges &rr, const float *alpha, bool first, int rows, float *ot) {
        if constexpr (R >= 1) {
            if (rows == R) pv_rows<R>(v, vs, pt, mask, rr, alpha, first, ot);
            else pv_tail<R - 1>(v, vs, pt, mask, rr, alpha, first, rows, ot);
        }
    }

    static void pv_tile(const float *v, int64_t vs, const float *pt, int64_t jn, int64_t d, const uint64_t *mask,
                        const float *alpha, bool first, float *ot, Prefetcher &pf) {
        const RowRanges rr = row_ranges(mask, jn);
        int64_t r = 0;
        for (; r + MR <= d; r += MR) {
            pf.step();
            pv_rows<MR>(v + r, vs, pt, mask, rr, alpha, first, ot + r * kBlockQ);
        }
        pv_tail(v + r, vs, pt, mask, rr, alpha, first, int(d - r), ot + r * kBlockQ);
    }
};

}  // namespace pmx::attention::flash
