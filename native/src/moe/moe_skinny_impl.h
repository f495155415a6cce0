// The decode path's skinny products (moe_vec.h: rows_axpy, rows_dot),
// written once against a SIMD-traits type. With a handful of rows per
// expert the weights are the traffic: each kernel reads every weight element
// of its slab exactly once, streaming whole rows, and keeps the few output
// rows in L1 (rows_axpy) or in registers (rows_dot).
#pragma once

#include <algorithm>
#include <cstdint>

#include "common/inline.h"

namespace pmx::moe {

template <class T>
struct MoeSkinny {
    using V = typename T::V;
    static constexpr int W = T::W;
    // rows_axpy's output columns per pass: whole rows up to 4096 floats (the
    // m output rows stay in L1/L2 while four weight rows stream through;
    // passes over part-rows measured slower: TUNING.md, decode).
    static constexpr int64_t kTile = 4096;

    static PMX_INLINE V load_n(const float *p, int64_t n) {
        if (n == W) return T::loadu(p);
        alignas(64) float buf[W] = {};
        for (int64_t l = 0; l < n; ++l) buf[l] = p[l];
        return T::load(buf);
    }
    static PMX_INLINE void store_n(float *p, int64_t n, V v) {
        if (n == W) return T::storeu(p, v);
        alignas(64) float buf[W];
        T::store(buf, v);
        for (int64_t l = 0; l < n; ++l) p[l] = buf[l];
    }

    // out[r][0 .. n) = Σ_{i < k} x[r][i]·w[i][0 .. n); four weight rows per
    // step (four streams), their sum added to each output row once.
    static void rows_axpy(const float *x, int64_t ldx, int64_t m, const float *w, int64_t ldw, int64_t k, int64_t n,
                          float *out, int64_t ldo) {
        for (int64_t c0 = 0; c0 < n; c0 += kTile) {
            const int64_t nc = std::min(kTile, n - c0);
            for (int64_t r = 0; r < m; ++r) std::fill(out + r * ldo + c0, out + r * ldo + c0 + nc, 0.f);
            // Each stream prefetches (into L2) the row four ahead, which the
            // next step reads: this VM's hardware prefetchers alone left the
            // loop at about half the read rate (TUNING.md, decode).
            const int64_t ahead = 4 * ldw;
            int64_t i = 0;
            for (; i + 4 <= k; i += 4) {
                const float *w0 = w + i * ldw + c0, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
                for (int64_t c = 0; c < nc; c += W) {
                    const int64_t cn = std::min<int64_t>(W, nc - c);
                    __builtin_prefetch(w0 + ahead + c, 0, 2);
                    __builtin_prefetch(w1 + ahead + c, 0, 2);
                    __builtin_prefetch(w2 + ahead + c, 0, 2);
                    __builtin_prefetch(w3 + ahead + c, 0, 2);
                    const V a0 = load_n(w0 + c, cn), a1 = load_n(w1 + c, cn), a2 = load_n(w2 + c, cn),
                            a3 = load_n(w3 + c, cn);
                    for (int64_t r = 0; r < m; ++r) {
                        const float *xr = x + r * ldx + i;
                        float *o = out + r * ldo + c0 + c;
                        V acc = T::mul(T::set1(xr[0]), a0);
                        acc = T::fmadd(T::set1(xr[1]), a1, acc);
                        acc = T::fmadd(T::set1(xr[2]), a2, acc);
                        acc = T::fmadd(T::set1(xr[3]), a3, acc);
                        store_n(o, cn, T::add(load_n(o, cn), acc));
                    }
                }
            }
            for (; i < k; ++i) {
                const float *wi = w + i * ldw + c0;
                for (int64_t c = 0; c < nc; c += W) {
                    const int64_t cn = std::min<int64_t>(W, nc - c);
                    const V a = load_n(wi + c, cn);
                    for (int64_t r = 0; r < m; ++r) {
                        float *o = out + r * ldo + c0 + c;
                        store_n(o, cn, T::fmadd(T::set1(x[r * ldx + i]), a, load_n(o, cn)));
                    }
                }
            }
        }
    }

    // out[r][j] = Σ_{i < k} x[r][i]·w[j][i] for j < n: blocks of 4 weight
    // rows against 4 rows of x, 16 accumulators; rows past the end repeat
    // the last one and their sums are dropped.
    static void rows_dot(const float *x, int64_t ldx, int64_t m, const float *w, int64_t ldw, int64_t k, int64_t n,
                         float *out, int64_t ldo) {
        for (int64_t j0 = 0; j0 < n; j0 += 4) {
            const float *wr[4];
            for (int j = 0; j < 4; ++j) wr[j] = w + std::min<int64_t>(j0 + j, n - 1) * ldw;
            for (int64_t r0 = 0; r0 < m; r0 += 4) {
                const float *xr[4];
                for (int r = 0; r < 4; ++r) xr[r] = x + std::min<int64_t>(r0 + r, m - 1) * ldx;
                V acc[4][4];
                PMX_UNROLL for (int r = 0; r < 4; ++r)
                    PMX_UNROLL for (int j = 0; j < 4; ++j) acc[r][j] = T::zero();
                for (int64_t i = 0; i < k; i += W) {
                    const int64_t cn = std::min<int64_t>(W, k - i);
                    V wv[4];
                    PMX_UNROLL for (int j = 0; j < 4; ++j) wv[j] = load_n(wr[j] + i, cn);
                    PMX_UNROLL for (int r = 0; r < 4; ++r) {
                        const V xv = load_n(xr[r] + i, cn);
                        PMX_UNROLL for (int j = 0; j < 4; ++j) acc[r][j] = T::fmadd(xv, wv[j], acc[r][j]);
                    }
                }
                for (int64_t r = 0; r < std::min<int64_t>(4, m - r0); ++r)
                    for (int64_t j = 0; j < std::min<int64_t>(4, n - j0); ++j) {
                        alignas(64) float buf[W];
                        T::store(buf, acc[r][j]);
                        float s = 0.f;
                        for (int l = 0; l < W; ++l) s += buf[l];
                        out[(r0 + r) * ldo + j0 + j] = s;
                    }
            }
        }
    }
};

}  // namespace pmx::moe
