// The left edge of a sliding-window band, the mirror of the causal diagonal
// (flash_fwd_causal.h): in such a tile lane i sees key row jj iff i <= jj - e
// (e = q0 + off - window_left - j0), so a key row's scores are needed only up
// to the vector holding lane jj - e, and a lane vector's Oᵀ only from the key
// rows its first lane sees. The softmax masks by bits as for any partly
// visible tile; the skipped products change no computed value. Per ISA like
// the rest; flash_fwd_impl.h has the whole algorithm.
#pragma once

#include <cstdint>

#include "attention/flash_fwd_gemm.h"

namespace pmx::attention::flash {

template <class T>
struct LeftEdgeTiles {
    using G = TileGemm<T>;
    using V = typename T::V;
    using Prefetcher = typename G::Prefetcher;
    static constexpr int W = G::W, NR = G::NR, MR = G::MR, SW = G::SW;
    static constexpr uint32_t kLanes = W >= 32 ? ~0u : (1u << W) - 1u;

    // ---- Sᵀ: the vectors up to the last lane the R rows from jj can reach --------
    template <int R>
    static PMX_INLINE void qk_rows_upto(const float *k, int64_t ks, const float *qt, int64_t d, float *st,
                                        int64_t lane_end) {
        if (lane_end <= 0) return;  // no lane sees these rows: the softmax masks them all
        const int nvec = int((lane_end > kBlockQ ? kBlockQ : lane_end) + W - 1) / W;
        const float *kr[R];
        PMX_UNROLL for (int r = 0; r < R; ++r) kr[r] = k + r * ks;
        int c0 = 0;
        for (; c0 + SW <= nvec * W; c0 += SW) G::template qk_cols<R, NR>(kr, qt, d, st, c0);
        if (c0 < nvec * W) G::template qk_cols_rem<R>(kr, qt, d, st, c0, nvec - c0 / W);
    }

    template <int R = MR - 1>
    static PMX_INLINE void qk_tail(const float *k, int64_t ks, const float *qt, int64_t d, int rows, float *st,
                                   int64_t lane_end) {
        if constexpr (R >= 1) {
            if (rows == R) qk_rows_upto<R>(k, ks, qt, d, st, lane_end);
            else qk_tail<R - 1>(k, ks, qt, d, rows, st, lane_end);
        }
    }

    static void qk_tile(const float *k, int64_t ks, const float *qt, int64_t d, int64_t jn, float *st, Prefetcher &pf,
                        int64_t e) {
        int64_t j = 0;
        for (; j + MR <= jn; j += MR) {
            pf.step();
            qk_rows_upto<MR>(k + j * ks, ks, qt, d, st + j * kBlockQ, j + MR - e);
        }
        qk_tail(k + j * ks, ks, qt, d, int(jn - j), st + j * kBlockQ, jn - e);
    }

    // ---- Oᵀ = α·Oᵀ + Vᵀ · Pᵀ ---------------------------------------------------
    // Stage C of a micro-tile column (lanes c0 ..): vectors 0 .. C-1 over the
    // key rows [jb, je) from which vector C-1's first lane sees keys; vector
    // C-1 starts here (init: 0 zero, 1 α·Oᵀ) and is lane-masked, the earlier
    // ones continue and see every row.
    template <int R, int C>
    static PMX_INLINE void pv_stage(const float *v, int64_t vs, const float *pt, int64_t jb, int64_t je,
                                    const float *alpha, int init, float *ot, int c0, int64_t e) {
        V acc[R][C];
        PMX_UNROLL for (int r = 0; r < R; ++r) {
            PMX_UNROLL for (int c = 0; c < C - 1; ++c) acc[r][c] = T::load(ot + r * kBlockQ + c0 + c * W);
            const float *o = ot + r * kBlockQ + c0 + (C - 1) * W;
            acc[r][C - 1] = init == 0 ? T::zero() : T::mul(T::load(o), T::load(alpha + c0 + (C - 1) * W));
        }
        const int64_t last_base = c0 + (C - 1) * W;  // vector C-1's lane 0
        const float *vr = v + jb * vs;
        const float *pp = pt + jb * kBlockQ + c0;
        for (int64_t j = jb; j < je; ++j, vr += vs, pp += kBlockQ) {
            const int64_t t = j - e - last_base;  // vector C-1's lanes <= t see row j
            const uint32_t bits = t >= W - 1 ? kLanes : uint32_t((uint64_t(1) << (t + 1)) - 1);
            V b[C];
            PMX_UNROLL for (int c = 0; c < C; ++c) b[c] = T::load(pp + c * W);
            PMX_UNROLL for (int r = 0; r < R; ++r) {
                const V a = T::bcast(vr + r);
                PMX_UNROLL for (int c = 0; c < C - 1; ++c) acc[r][c] = T::fmadd(a, b[c], acc[r][c]);
                acc[r][C - 1] = T::fmadd_bits(a, b[C - 1], acc[r][C - 1], bits);
            }
        }
        PMX_UNROLL for (int r = 0; r < R; ++r)
            PMX_UNROLL for (int c = 0; c < C; ++c) T::store(ot + r * kBlockQ + c0 + c * W, acc[r][c]);
    }

    // Key rows from which the vector at lane base c sees keys, clamped to [0, jn].
    static PMX_INLINE int64_t first_row(int64_t e, int64_t c, int64_t jn) {
        const int64_t s = e + c;
        return s < 0 ? 0 : s > jn ? jn : s;
    }

    template <int R, int C>
    static PMX_INLINE void pv_stages(const float *v, int64_t vs, const float *pt, int64_t jn, const float *alpha,
                                     int init, float *ot, int c0, int64_t e) {
        if constexpr (C <= NR) {
            const int64_t jb = first_row(e, c0 + (C - 1) * W, jn);
            const int64_t je = C == NR ? jn : first_row(e, c0 + C * W, jn);
            pv_stage<R, C>(v, vs, pt, jb, je, alpha, init, ot, c0, e);
            pv_stages<R, C + 1>(v, vs, pt, jn, alpha, init, ot, c0, e);
        }
    }

    template <int R>
    static PMX_INLINE void pv_rows(const float *v, int64_t vs, const float *pt, int64_t jn, const float *alpha,
                                   bool first, float *ot, int64_t e) {
        for (int c0 = 0; c0 < kBlockQ; c0 += SW) pv_stages<R, 1>(v, vs, pt, jn, alpha, first ? 0 : 1, ot, c0, e);
    }

    template <int R = MR - 1>
    static PMX_INLINE void pv_tail(const float *v, int64_t vs, const float *pt, int64_t jn, const float *alpha,
                                   bool first, int rows, float *ot, int64_t e) {
        if constexpr (R >= 1) {
            if (rows == R) pv_rows<R>(v, vs, pt, jn, alpha, first, ot, e);
            else pv_tail<R - 1>(v, vs, pt, jn, alpha, first, rows, ot, e);
        }
    }

    static void pv_tile(const float *v, int64_t vs, const float *pt, int64_t jn, int64_t d, const float *alpha,
                        bool first, float *ot, Prefetcher &pf, int64_t e) {
        int64_t r = 0;
        for (; r + MR <= d; r += MR) {
            pf.step();
            pv_rows<MR>(v + r, vs, pt, jn, alpha, first, ot + r * kBlockQ, e);
        }
        pv_tail(v + r, vs, pt, jn, alpha, first, int(d - r), ot + r * kBlockQ, e);
    }
};

}  // namespace pmx::attention::flash
