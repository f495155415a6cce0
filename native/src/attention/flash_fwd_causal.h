// The causal diagonal tile of the fused attention forward: the products of
// flash_fwd_gemm.h restricted to the lanes the bottom-right mask lets see a
// key, per ISA like the rest (flash_fwd_impl.h has the whole algorithm).
#pragma once

#include <cstdint>

#include "attention/flash_fwd_gemm.h"

namespace pmx::attention::flash {

template <class T>
struct CausalTiles {
    using G = TileGemm<T>;
    using V = typename T::V;
    using Prefetcher = typename G::Prefetcher;
    static constexpr int W = G::W, NR = G::NR, MR = G::MR, SW = G::SW;

    // ---- the causal diagonal tile: skip what the mask zeroes ---------------------
    // In a masked tile, lane i sees key row jj iff jj <= i + ds (ds = q0 + off - j0).
    // A key row's scores are needed only from the vector holding lane jj - ds on
    // (the softmax overwrites the lanes below with -inf, so they are never
    // computed), and a lane vector's Oᵀ needs only the keys it can see (the
    // others have Pᵀ = 0 exactly). Skipping them changes no computed value:
    // every lane sums the same products in the same order.
    template <int R>
    static PMX_INLINE void qk_rows_from(const float *k, int64_t ks, const float *qt, int64_t d, float *st,
                                        int lane0) {
        const float *kr[R];
        PMX_UNROLL for (int r = 0; r < R; ++r) kr[r] = k + r * ks;
        int c0 = lane0;
        for (; c0 + SW <= kBlockQ; c0 += SW) G::template qk_cols<R, NR>(kr, qt, d, st, c0);
        G::template qk_cols_rem<R>(kr, qt, d, st, c0, int(kBlockQ - c0) / W);
    }

    // First lane that key row j of a masked tile can be visible to, rounded
    // down to a vector.
    static PMX_INLINE int first_lane(int64_t j, int64_t ds) {
        if (j <= ds) return 0;
        const int64_t l = (j - ds) / W * W;
        return l > kBlockQ ? int(kBlockQ) : int(l);
    }

    template <int R = MR - 1>
    static PMX_INLINE void qk_tail_from(const float *k, int64_t ks, const float *qt, int64_t d, int rows,
                                        float *st, int lane0) {
        if constexpr (R >= 1) {
            if (rows == R) qk_rows_from<R>(k, ks, qt, d, st, lane0);
            else qk_tail_from<R - 1>(k, ks, qt, d, rows, st, lane0);
        }
    }

    static void qk_tile_masked(const float *k, int64_t ks, const float *qt, int64_t d, int64_t jn, float *st,
                               Prefetcher &pf, int64_t ds) {
        int64_t j = 0;
        for (; j + MR <= jn; j += MR) {
            pf.step();
            qk_rows_from<MR>(k + j * ks, ks, qt, d, st + j * kBlockQ, first_lane(j, ds));
        }
        qk_tail_from(k + j * ks, ks, qt, d, int(jn - j), st + j * kBlockQ, first_lane(j, ds));
    }

    // One key row j of the Oᵀ update for NC vectors of R rows. With kMaskFirst
    // the first vector's lanes below t keep their sums untouched: they do not
    // see key j, and although their P is 0, 0 · NaN (or inf) in V is NaN.
    template <int R, int NC, bool kMaskFirst>
    static PMX_INLINE void pv_key(V (&acc)[R][NC], const float *vr, const float *pp, int64_t t) {
        V b[NC];
        PMX_UNROLL for (int c = 0; c < NC; ++c) b[c] = T::load(pp + c * W);
        PMX_UNROLL for (int r = 0; r < R; ++r) {
            const V a = T::bcast(vr + r);
            PMX_UNROLL for (int c = 0; c < NC; ++c) {
                if (kMaskFirst && c == 0) acc[r][c] = T::fmadd_lanes_from(a, b[c], acc[r][c], t);
                else acc[r][c] = T::fmadd(a, b[c], acc[r][c]);
            }
        }
    }

    // NC vectors of R Oᵀ rows from lane c0, keys [jb, je). mode 0: start from 0,
    // 1: start from α·Oᵀ, 2: continue from Oᵀ. Lane c0 + i sees key j iff
    // j <= ds + c0 + i; the vectors after the first see every key in range.
    template <int R, int NC>
    static PMX_INLINE void pv_cols(const float *v, int64_t vs, const float *pt, int64_t jb, int64_t je,
                                   const float *alpha, int mode, float *ot, int c0, int64_t ds) {
        V acc[R][NC];
        if (mode == 0) {
            PMX_UNROLL for (int r = 0; r < R; ++r)
                PMX_UNROLL for (int c = 0; c < NC; ++c) acc[r][c] = T::zero();
        } else if (mode == 1) {
            V al[NC];
            PMX_UNROLL for (int c = 0; c < NC; ++c) al[c] = T::load(alpha + c0 + c * W);
            PMX_UNROLL for (int r = 0; r < R; ++r)
                PMX_UNROLL for (int c = 0; c < NC; ++c)
                    acc[r][c] = T::mul(T::load(ot + r * kBlockQ + c0 + c * W), al[c]);
        } else {
            PMX_UNROLL for (int r = 0; r < R; ++r)
                PMX_UNROLL for (int c = 0; c < NC; ++c) acc[r][c] = T::load(ot + r * kBlockQ + c0 + c * W);
        }
        const int64_t seen_by_all = ds + c0 + 1;  // keys below it: every lane of the first vector
        const int64_t jfull = seen_by_all < jb ? jb : seen_by_all > je ? je : seen_by_all;
        const float *vr = v + jb * vs;
        const float *pp = pt + jb * kBlockQ + c0;
        int64_t j = jb;
        for (; j < jfull; ++j, vr += vs, pp += kBlockQ) pv_key<R, NC, false>(acc, vr, pp, 0);
        for (; j < je; ++j, vr += vs, pp += kBlockQ) pv_key<R, NC, true>(acc, vr, pp, j - ds - c0);
        PMX_UNROLL for (int r = 0; r < R; ++r)
            PMX_UNROLL for (int c = 0; c < NC; ++c) T::store(ot + r * kBlockQ + c0 + c * W, acc[r][c]);
    }

    // Keys a lane vector starting at lane c can need: [0, clamp(ds + c + W, 0, jn)).
    static PMX_INLINE int64_t key_limit(int64_t ds, int64_t c, int64_t jn) {
        const int64_t e = ds + c + W;
        return e < 0 ? 0 : e > jn ? jn : e;
    }

    template <int R, int C>
    static PMX_INLINE void pv_masked_rest(const float *v, int64_t vs, const float *pt, int64_t jn, int64_t ds,
                                          float *ot, int c0, int64_t prev) {
        if constexpr (C < NR) {
            const int64_t e = key_limit(ds, c0 + C * W, jn);
            if (e > prev) pv_cols<R, NR - C>(v, vs, pt, prev, e, nullptr, 2, ot, c0 + C * W, ds);
            pv_masked_rest<R, C + 1>(v, vs, pt, jn, ds, ot, c0, e > prev ? e : prev);
        }
    }

    template <int R>
    static PMX_INLINE void pv_rows_masked(const float *v, int64_t vs, const float *pt, int64_t jn,
                                          const float *alpha, bool first, float *ot, int64_t ds) {
        for (int c0 = 0; c0 < kBlockQ; c0 += SW) {
            const int64_t e0 = key_limit(ds, c0, jn);
            pv_cols<R, NR>(v, vs, pt, 0, e0, alpha, first ? 0 : 1, ot, c0, ds);
            pv_masked_rest<R, 1>(v, vs, pt, jn, ds, ot, c0, e0);
        }
    }

    template <int R = MR - 1>
    static PMX_INLINE void pv_tail_masked(const float *v, int64_t vs, const float *pt, int64_t jn,
                                          const float *alpha, bool first, int rows, float *ot, int64_t ds) {
        if constexpr (R >= 1) {
            if (rows == R) pv_rows_masked<R>(v, vs, pt, jn, alpha, first, ot, ds);
            else pv_tail_masked<R - 1>(v, vs, pt, jn, alpha, first, rows, ot, ds);
        }
    }

    static void pv_tile_masked(const float *v, int64_t vs, const float *pt, int64_t jn, int64_t d,
                               const float *alpha, bool first, float *ot, Prefetcher &pf, int64_t ds) {
        int64_t r = 0;
        for (; r + MR <= d; r += MR) {
            pf.step();
            pv_rows_masked<MR>(v + r, vs, pt, jn, alpha, first, ot + r * kBlockQ, ds);
        }
        pv_tail_masked(v + r, vs, pt, jn, alpha, first, int(d - r), ot + r * kBlockQ, ds);
    }
};

}  // namespace pmx::attention::flash
