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
    // One query vector at a time, over only the key rows some of its lanes
    // see ([first, last) per vector, from the masks), so the lanes a window
    // edge or a diagonal hides cost nothing; rows every lane of the vector
    // sees take plain FMAs.
    static constexpr int QV = int(kBlockQ) / W;

    struct RowRanges {
        int64_t first[QV], last[QV];
    };

    static RowRanges row_ranges(const uint64_t *mask, int64_t jn) {
        RowRanges rr;
        for (int c = 0; c < QV; ++c) {
            rr.first[c] = jn;
            rr.last[c] = 0;
        }
        for (int64_t j = 0; j < jn; ++j)
            for (int c = 0; c < QV; ++c)
                if ((uint32_t(mask[j] >> (c * W)) & kLanes) != 0) {
                    if (j < rr.first[c]) rr.first[c] = j;
                    rr.last[c] = j + 1;
                }
        return rr;
    }

    // R Oᵀ rows (v at V[0][d0]), vector c.
    template <int R>
    static PMX_INLINE void pv_vector(const float *v, int64_t vs, const float *pt, const uint64_t *mask,
                                     const RowRanges &rr, int c, const float *alpha, bool first, float *ot) {
        const int64_t j0 = rr.first[c], j1 = rr.last[c];
        if (j0 >= j1) {
            // No key for these lanes here: their α is 1 (or their sum is 0).
            if (first) PMX_UNROLL for (int r = 0; r < R; ++r) T::store(ot + r * kBlockQ + c * W, T::zero());
            return;
        }
        V acc[R];
        if (first) {
            PMX_UNROLL for (int r = 0; r < R; ++r) acc[r] = T::zero();
        } else {
            const V al = T::load(alpha + c * W);
            PMX_UNROLL for (int r = 0; r < R; ++r) acc[r] = T::mul(T::load(ot + r * kBlockQ + c * W), al);
        }
        const float *vr = v + j0 * vs;
        const float *pp = pt + j0 * kBlockQ + c * W;
        for (int64_t j = j0; j < j1; ++j, vr += vs, pp += kBlockQ) {
            const uint32_t bits = uint32_t(mask[j] >> (c * W)) & kLanes;
            if (bits == 0) continue;
            const V b = T::load(pp);
            if (bits == kLanes) {
                PMX_UNROLL for (int r = 0; r < R; ++r) acc[r] = T::fmadd(T::bcast(vr + r), b, acc[r]);
            } else {
                PMX_UNROLL for (int r = 0; r < R; ++r) acc[r] = T::fmadd_bits(T::bcast(vr + r), b, acc[r], bits);
            }
        }
        PMX_UNROLL for (int r = 0; r < R; ++r) T::store(ot + r * kBlockQ + c * W, acc[r]);
    }

    template <int R>
    static PMX_INLINE void pv_rows(const float *v, int64_t vs, const float *pt, const uint64_t *mask,
                                   const RowRanges &rr, const float *alpha, bool first, float *ot) {
        for (int c = 0; c < QV; ++c) pv_vector<R>(v, vs, pt, mask, rr, c, alpha, first, ot);
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
