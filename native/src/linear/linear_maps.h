// Loading a chunk into the chunk engine's buffers (linear_impl.h) with the
// feature map applied on the way, written once against a SIMD-traits type:
// keys as columns φ(K)ᵀ [F][cp] (lanes over tokens), queries as rows φ(Q)
// [c][lda] (lanes over features), values as rows [cp][dp] with the ones
// column of the normaliser.
//
// ELU1, RELU and IDENTITY are applied to the loaded values in place. FAVOR
// projects x' = x·Dk^(-1/4) through the random matrix with the chunk
// product (keys: W·K'ᵀ, queries: Q'·Wᵀ, both from the copies the driver
// staged once) and takes φ = exp(proj − |x'|²/2 − stabiliser)/√m:
//   queries  the stabiliser is the row's own max_r (proj_r − |q'|²/2), kept
//            per row (mq) for the output (linear_impl.h, epilogue);
//   keys     it is the item's running max c over the keys seen, which the
//            caller raises first when this chunk's max exceeds it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "panamax/panamax.h"
#include "common/chunk_gemm.h"
#include "common/inline.h"
#include "common/vec_math.h"
#include "linear/linear_isa.h"

namespace pmx::linear {

template <class T>
struct ChunkLoads {
    using V = typename T::V;
    static constexpr int W = T::W;
    using Gemm = simd::ChunkGemm<T>;
    using GemmSpec = simd::GemmSpec;

    // φ on n floats (n a multiple of W, p aligned). max(0, x) and min(0, x)
    // keep a NaN x (the traits return their second operand on NaN).
    static void apply_map(int32_t map, float *p, int64_t n) {
        const V zero = T::zero();
        if (map == PMX_FEATURE_ELU1) {
            // elu(x) + 1 = max(x, 0) + e^min(x, 0): x + 1 above 0, e^x below.
            for (int64_t i = 0; i < n; i += W) {
                const V x = T::load(p + i);
                T::store(p + i, T::add(T::max(zero, x), simd::exp<T>(T::min(zero, x))));
            }
        } else if (map == PMX_FEATURE_RELU) {
            for (int64_t i = 0; i < n; i += W) T::store(p + i, T::max(zero, T::load(p + i)));
        }
    }

    // dst[d][t] = src[t·ts + d·ds] for t < ql, d < D; columns [ql, ldd) of
    // those rows are 0. W x W register transposes where src is contiguous
    // along d, element by element elsewhere.
    static void stage_columns(const float *src, int64_t ts, int64_t ds, int64_t ql, int64_t D, float *dst,
                              int64_t ldd) {
        int64_t t0 = 0, d0 = 0;
        if (ds == 1) {
            for (; t0 + W <= ql; t0 += W)
                for (d0 = 0; d0 + W <= D; d0 += W) T::transpose(src + t0 * ts + d0, ts, dst + d0 * ldd + t0, ldd);
        }
        // What the tiles did not cover: whole columns past t0, rows past d0 before it.
        for (int64_t d = 0; d < D; ++d) {
            const int64_t from = d < d0 ? t0 : 0;
            for (int64_t t = from; t < ql; ++t) dst[d * ldd + t] = src[t * ts + d * ds];
            for (int64_t t = ql; t < ldd; ++t) dst[d * ldd + t] = 0.f;
        }
    }

    // One row of n values at stride s into dst (aligned), scaled. The lanes
    // past n are left alone: the item's buffers start zeroed and nothing
    // reads them.
    static PMX_INLINE void stage_row(const float *src, int64_t s, int64_t n, float scale, float *dst) {
        int64_t i = 0;
        if (s == 1) {
            const V sv = T::set1(scale);
            for (; i + W <= n; i += W) T::store(dst + i, T::mul(T::loadu(src + i), sv));
        }
        for (; i < n; ++i) dst[i] = src[i * s] * scale;
    }

    // Rows of n floats (stride ds) of `rows` tokens (stride ts) into the caches:
    // the next chunk's q, k, v while this one computes. The rows of one head
    // lie a token stride apart, which the hardware prefetchers follow poorly.
    static PMX_INLINE void prefetch_rows(const float *base, int64_t ts, int64_t ds, int64_t rows, int64_t n) {
        const int64_t span = (n - 1) * ds + 1;
        for (int64_t t = 0; t < rows; ++t)
            for (int64_t i = 0; i < span; i += 16) __builtin_prefetch(base + t * ts + i, 0, 3);
    }

    // The sum of a vector's lanes.
    static PMX_INLINE float hsum(V v) {
        alignas(64) float lanes[W];
        T::store(lanes, v);
        float s = 0.f;
        for (int l = 0; l < W; ++l) s += lanes[l];
        return s;
    }

    // max over the first n floats of p (p aligned; lanes past n excluded).
    static float row_max(const float *p, int64_t n) {
        float m = -HUGE_VALF;
        int64_t i = 0;
        if (n >= W) {
            V acc = T::load(p);
            for (i = W; i + W <= n; i += W) acc = T::max(acc, T::load(p + i));
            alignas(64) float lanes[W];
            T::store(lanes, acc);
            for (int l = 0; l < W; ++l) m = lanes[l] > m ? lanes[l] : m;
        }
        for (; i < n; ++i) m = p[i] > m ? p[i] : m;
        return m;
    }

    // Values of tokens c0 .. c0 + ql - 1 of kv head g as rows of vs [ql][dp].
    static void stage_values(const ChunkJob &j, const ChunkSlice &L, int64_t b, int64_t g, int64_t c0, int64_t ql,
                             float *vs) {
        if (c0 + L.c < j.seq)
            prefetch_rows(j.v_data + j.v.at(b, c0 + L.c, g, 0), j.v.t, j.v.d, std::min(L.c, j.seq - c0 - L.c), j.dv);
        for (int64_t t = 0; t < ql; ++t) {
            stage_row(j.v_data + j.v.at(b, c0 + t, g, 0), j.v.d, j.dv, 1.f, vs + t * L.dp);
        }
    }

    static PMX_INLINE void prefetch_keys(const ChunkJob &j, const ChunkSlice &L, int64_t b, int64_t g, int64_t c0) {
        if (c0 + L.c < j.seq)
            prefetch_rows(j.k_data + j.k.at(b, c0 + L.c, g, 0), j.k.t, j.k.d, std::min(L.c, j.seq - c0 - L.c), j.dk);
    }

    // The keys' features φ(K)ᵀ [F][cp] into kt (non-FAVOR maps: the transposed
    // keys, mapped in place; lanes past ql back to 0, for the normaliser's sums).
    static void stage_keys(const ChunkJob &j, const ChunkSlice &L, int64_t b, int64_t g, int64_t c0, int64_t ql,
                           float *kt) {
        prefetch_keys(j, L, b, g, c0);
        stage_columns(j.k_data + j.k.at(b, c0, g, 0), j.k.t, j.k.d, ql, j.dk, kt, L.cp);
        if (j.feature_map != PMX_FEATURE_IDENTITY)
            for (int64_t f = 0; f < j.features; ++f) {
                float *row = kt + f * L.cp;
                apply_map(j.feature_map, row, L.cp);
                for (int64_t t = ql; t < L.cp; ++t) row[t] = 0.f;
            }
    }

    // FAVOR keys, first half: the exponents e[r][t] = (W·K'ᵀ)[r][t] − |k'_t|²/2
    // into kt [m][cp]; returns their max over the chunk's tokens. Columns
    // past ql get a norm of FLT_MAX, so their exponents are about −1.7e38:
    // excluded from the max, exactly 0 after the exp.
    static float favor_key_exponents(const ChunkJob &j, const ChunkSlice &L, const float *wrows, int64_t b,
                                     int64_t g, int64_t c0, int64_t ql, float *kraw, float *kt, float *kn) {
        const int64_t m = j.features, cp = L.cp;
        const float xs = float(std::pow(double(j.dk), -0.25));
        prefetch_keys(j, L, b, g, c0);
        stage_columns(j.k_data + j.k.at(b, c0, g, 0), j.k.t, j.k.d, ql, j.dk, kraw, cp);
        const V sv = T::set1(xs);
        for (int64_t t = 0; t < cp; t += W) T::store(kn + t, T::zero());
        for (int64_t d = 0; d < j.dk; ++d)
            for (int64_t t = 0; t < cp; t += W) {
                const V x = T::mul(T::load(kraw + d * cp + t), sv);
                T::store(kraw + d * cp + t, x);
                T::store(kn + t, T::fmadd(x, x, T::load(kn + t)));
            }
        for (int64_t t = 0; t < cp; t += W) T::store(kn + t, T::mul(T::load(kn + t), T::set1(0.5f)));
        for (int64_t t = ql; t < cp; ++t) kn[t] = 3.4028235e38f;
        GemmSpec ps;
        ps.a = wrows, ps.lda = L.dkp, ps.b = kraw, ps.ldb = cp, ps.c = kt, ps.ldc = cp;
        ps.rows = m, ps.cols = cp, ps.k1 = j.dk;
        Gemm::run(ps);
        V mx = T::set1(-HUGE_VALF);
        for (int64_t r = 0; r < m; ++r)
            for (int64_t t = 0; t < cp; t += W) {
                const V e = T::sub(T::load(kt + r * cp + t), T::load(kn + t));
                T::store(kt + r * cp + t, e);
                mx = T::max(mx, e);
            }
        alignas(64) float lanes[W];
        T::store(lanes, mx);
        float best = -HUGE_VALF;
        for (int l = 0; l < W; ++l) best = lanes[l] > best ? lanes[l] : best;
        return best;
    }

    // FAVOR keys, second half: φ = e^(e − c)/√m in place, c the item's
    // stabiliser after this chunk raised it.
    static void favor_key_features(const ChunkJob &j, const ChunkSlice &L, float c, float *kt) {
        const V shift = T::set1(c + 0.5f * std::log(float(j.features)));
        for (int64_t i = 0; i < j.features * L.cp; i += W) T::store(kt + i, simd::exp<T>(T::sub(T::load(kt + i), shift)));
    }

    // The features of query head h, tokens c0 .. c0 + ql - 1, as rows of
    // abuf's second part (column cp on). FAVOR: stabilised by the row's own
    // max, which goes to mq[t] (lanes past F are never read).
    static void stage_queries(const ChunkJob &j, const ChunkSlice &L, const float *wcols, int64_t b, int64_t h,
                              int64_t c0, int64_t ql, float *qraw, float *abuf, float *mq) {
        const int64_t lda = L.lda;
        if (c0 + L.c < j.seq)
            prefetch_rows(j.q_data + j.q.at(b, c0 + L.c, h, 0), j.q.t, j.q.d, std::min(L.c, j.seq - c0 - L.c), j.dk);
        if (j.feature_map != PMX_FEATURE_FAVOR) {
            const int64_t fv = (j.dk + W - 1) / W * W;
            for (int64_t t = 0; t < ql; ++t) {
                float *row = abuf + t * lda + L.cp;
                stage_row(j.q_data + j.q.at(b, c0 + t, h, 0), j.q.d, j.dk, 1.f, row);
                apply_map(j.feature_map, row, fv);
                for (int64_t f = j.dk; f < fv; ++f) row[f] = 0.f;  // φ(0) is not 0
            }
            return;
        }
        const int64_t m = j.features, mp = L.fp;
        const float xs = float(std::pow(double(j.dk), -0.25));
        for (int64_t t = 0; t < ql; ++t) stage_row(j.q_data + j.q.at(b, c0 + t, h, 0), j.q.d, j.dk, xs, qraw + t * L.dkp);
        GemmSpec ps;
        ps.a = qraw, ps.lda = L.dkp, ps.b = wcols, ps.ldb = mp, ps.c = abuf + L.cp, ps.ldc = lda;
        ps.rows = ql, ps.cols = mp, ps.k1 = j.dk;
        Gemm::run(ps);
        const float half_log_m = 0.5f * std::log(float(m));
        for (int64_t t = 0; t < ql; ++t) {
            float *row = abuf + t * lda + L.cp;
            const float *x = qraw + t * L.dkp;
            float n2 = 0.f;
            for (int64_t d = 0; d < j.dk; ++d) n2 += x[d] * x[d];
            const float pmax = row_max(row, m);
            mq[t] = pmax - 0.5f * n2;
            const V shift = T::set1(pmax + half_log_m);
            for (int64_t r = 0; r < mp; r += W) T::store(row + r, simd::exp<T>(T::sub(T::load(row + r), shift)));
            for (int64_t r = m; r < mp; ++r) row[r] = 0.f;  // for the normaliser's Qf·Z
        }
    }

    // FAVOR features of one vector x [Dk] (the step; W read at its strides):
    // φ_r = e^(proj_r − |x'|²/2 − s)/√m with s = stab_max ? the max exponent
    // (returned) : 0 (true scale).
    static float favor_vector(const ChunkJob &j, const float *x, int64_t xs_, bool stab_max, float *phi) {
        const int64_t m = j.features, dk = j.dk;
        const float xs = float(std::pow(double(dk), -0.25));
        alignas(64) float xv[PMX_MAX_LINEAR_FEATURES + 16];
        stage_row(x, xs_, dk, xs, xv);
        float n2 = 0.f;
        for (int64_t d = 0; d < dk; ++d) n2 += xv[d] * xv[d];
        for (int64_t r = 0; r < m; ++r) {
            const float *wr = j.w_data + r * j.w_r;
            float s = 0.f;
            int64_t d = 0;
            if (j.w_c == 1 && dk >= W) {
                V acc = T::zero();
                for (; d + W <= dk; d += W) acc = T::fmadd(T::loadu(wr + d), T::load(xv + d), acc);
                alignas(64) float lanes[W];
                T::store(lanes, acc);
                for (int l = 0; l < W; ++l) s += lanes[l];
            }
            for (; d < dk; ++d) s += wr[d * j.w_c] * xv[d];
            phi[r] = s - 0.5f * n2;
        }
        const float shift = stab_max ? row_max(phi, m) : 0.f;
        const int64_t mp = (m + W - 1) / W * W;
        for (int64_t r = m; r < mp; ++r) phi[r] = 0.f;
        const V sv = T::set1(shift + 0.5f * std::log(float(m)));
        for (int64_t r = 0; r < mp; r += W) T::store(phi + r, simd::exp<T>(T::sub(T::load(phi + r), sv)));
        for (int64_t r = m; r < mp; ++r) phi[r] = 0.f;
        return shift;
    }
};

}  // namespace pmx::linear
