// The chunk engine of kernel linear attention and the LINEAR / GATED rules
// (linear_isa.h), written once against a SIMD-traits type and instantiated
// once per ISA (linear_{avx512,avx2,portable}.cpp).
//
// A work item owns a few kv heads of sequence b and their query heads and
// walks the sequence chunk by chunk (c tokens), keeping each kv head's state
// S [F][Dv] and normaliser Z [F] in the thread's workspace. Causal, per
// chunk and kv head:
//   Kf = φ(K_c)ᵀ [F][c]; per query head: Qf = φ(Q_c) [c][F],
//   A = Qf·Kf (lower triangle with the diagonal; GATED: times the decays),
//   Y = [A | Qf]·[V ; S]   one product: the chunk's own keys, then the
//                          state entering it, stacked along k,
//   out = Y / (den + eps)  (normalize; den_i = Σ_j A_ij + Qf_i·Z), else Y;
// then S = β·S + Kf·V (β = 1, or the GATED decay over the chunk) and
// Z += Kf·1. Z is not a column of the products (V' = [V | 1], S' = [S | Z]
// would add a whole vector of columns to both at Dv = 64, 18% of the time:
// TUNING.md); its sums are cheap vector reductions of A, Qf and Kf.
// Non-causal: S and Z over every chunk first, then Y = Qf·S per chunk.
// FAVOR keeps the features bounded with a running key maximum c (S and Z
// hold the sums times e^(−c)) and a per-row query maximum mq_i: both factors
// cancel in the normalised output, where eps is scaled by e^(−(mq_i + c))
// instead; without normalize the rows are multiplied by e^(mq_i + c). The
// states in and out are in true scale.
// Every product goes through common/chunk_gemm.h on padded, aligned
// buffers; only the loads of q, k, v and the stores of out touch the
// caller's strides.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "panamax/panamax.h"
#include "common/chunk_gemm.h"
#include "common/inline.h"
#include "common/vec_math.h"
#include "linear/gated_impl.h"
#include "linear/linear_isa.h"
#include "linear/linear_maps.h"

namespace pmx::linear {

template <class T>
struct ChunkEngine {
    using V = typename T::V;
    static constexpr int W = T::W;
    using Gemm = simd::ChunkGemm<T>;
    using GemmSpec = simd::GemmSpec;
    using Loads = ChunkLoads<T>;
    using Decay = ChunkDecay<T>;

    // Bytes of out above which the output stores stream past the caches.
    static constexpr double kStreamBytes = 64.0 * 1024 * 1024;

    // One item's buffers and running scalars. The item's kv heads take turns
    // on the shared buffers; each keeps its own [V ; S], Z and c (select()).
    struct Item {
        const ChunkJob &j;
        ChunkSlice L;
        const float *wrows = nullptr, *wcols = nullptr;  // FAVOR's staged W and Wᵀ
        int64_t b = 0, g0 = 0, nh = 1;
        float *kt, *kraw, *qraw, *abuf, *ybuf, *run, *rlo, *seg, *rowf, *colw, *tokn, *den, *vs0;
        float cs[kMaxHeadBlock];  // FAVOR: S, Z hold the sums times e^(−c); −inf: no keys and no state yet
        bool stream = false;
        // The current kv head: g, its [V ; S] (vs, st), Z and c.
        int64_t g = 0;
        float *vs = nullptr, *st = nullptr, *z = nullptr, *c = nullptr;

        Item(const ChunkJob &j_, const float *stage, int64_t b_, int64_t g0_, int64_t nh_, float *ws)
            : j(j_), L(chunk_slice(j_)), b(b_), g0(g0_), nh(nh_) {
            if (j.favor()) wrows = stage, wcols = stage + j.features * L.dkp;
            kt = ws + L.kt, kraw = ws + L.kraw, qraw = ws + L.qraw, abuf = ws + L.abuf, ybuf = ws + L.ybuf;
            run = ws + L.run, rlo = ws + L.rlo, seg = ws + L.seg, rowf = ws + L.rowf, colw = ws + L.colw;
            tokn = ws + L.tokn, den = ws + L.den, vs0 = ws + L.vs;
            stream = T::kHasStream && j.out.d == 1 && j.dv % W == 0 &&
                     double(j.batch) * double(j.seq) * double(j.heads) * double(j.dv) * sizeof(float) > kStreamBytes;
        }
        void select(int64_t gi) {
            g = g0 + gi;
            vs = vs0 + gi * L.vs_head;
            st = vs + L.cp * L.dp;
            z = st + L.fp * L.dp;
            c = cs + gi;
        }
    };

    static void item(const ChunkJob &j, const float *stage, int64_t b, int64_t g0, int64_t nh, float *ws) {
        Item it(j, stage, b, g0, nh, ws);
        std::memset(ws, 0, sizeof(float) * size_t(chunk_slice_floats(it.L, nh)));
        for (int64_t gi = 0; gi < nh; ++gi) it.select(gi), load_state(it);
        const int64_t C = it.L.c, G = j.group();
        // Chunk by chunk, each kv head of the item in turn: the rows of one
        // token of the item's heads lie together, so each chunk's pages and
        // lines are fetched once for all of them.
        if (j.causal) {
            for (int64_t c0 = 0; c0 < j.seq; c0 += C) {
                const int64_t ql = j.seq - c0 < C ? j.seq - c0 : C;
                for (int64_t gi = 0; gi < nh; ++gi) {
                    it.select(gi);
                    const float beta = stage_chunk(it, c0, ql);
                    for (int64_t h = it.g * G; h < (it.g + 1) * G; ++h) {
                        Loads::stage_queries(j, it.L, it.wcols, b, h, c0, ql, it.qraw, it.abuf, it.rowf);
                        scores(it, ql);
                        outputs(it, h, c0, ql);
                    }
                    update_state(it, ql, beta);
                }
            }
        } else {
            for (int64_t c0 = 0; c0 < j.seq; c0 += C) {
                const int64_t ql = j.seq - c0 < C ? j.seq - c0 : C;
                for (int64_t gi = 0; gi < nh; ++gi) it.select(gi), update_state(it, ql, stage_chunk(it, c0, ql));
            }
            for (int64_t c0 = 0; c0 < j.seq; c0 += C) {
                const int64_t ql = j.seq - c0 < C ? j.seq - c0 : C;
                for (int64_t gi = 0; gi < nh; ++gi) {
                    it.select(gi);
                    for (int64_t h = it.g * G; h < (it.g + 1) * G; ++h) {
                        Loads::stage_queries(j, it.L, it.wcols, b, h, c0, ql, it.qraw, it.abuf, it.rowf);
                        outputs(it, h, c0, ql);
                    }
                }
            }
        }
        if (it.stream) T::fence();
        for (int64_t gi = 0; gi < nh; ++gi) it.select(gi), store_state(it);
    }

    // S and Z from state_in / norm_in (or 0). FAVOR: c = 0 (the state is in
    // true scale), or −inf where there is no state or it is all zero, so
    // that the first keys set c rather than underflow against a c of 0.
    static void load_state(Item &it) {
        const ChunkJob &j = it.j;
        const int64_t F = j.features, Dv = j.dv, dp = it.L.dp;
        bool any = false;
        for (int64_t f = 0; f < F; ++f) {
            float *row = it.st + f * dp;
            if (j.state_in_data != nullptr)
                for (int64_t v = 0; v < Dv; ++v) {
                    row[v] = j.state_in_data[j.state_in.at(it.b, it.g, f, v)];
                    any |= row[v] != 0.f;
                }
            if (j.carry_norm && j.norm_in_data != nullptr) {
                it.z[f] = j.norm_in_data[j.norm_in.at(it.b, it.g, f, 0)];
                any |= it.z[f] != 0.f;
            }
        }
        *it.c = any ? 0.f : -HUGE_VALF;
    }

    // state_out / norm_out: S and Z in true scale (times e^c for FAVOR, in
    // double, clamped so that a zero state never meets an infinite factor).
    static void store_state(const Item &it) {
        const ChunkJob &j = it.j;
        const int64_t F = j.features, Dv = j.dv, dp = it.L.dp;
        const float scale = j.favor() ? float(std::fmin(std::exp(double(*it.c)), double(FLT_MAX))) : 1.f;
        for (int64_t f = 0; f < F; ++f) {
            const float *row = it.st + f * dp;
            if (j.state_out_data != nullptr)
                for (int64_t v = 0; v < Dv; ++v) j.state_out_data[j.state_out.at(it.b, it.g, f, v)] = row[v] * scale;
            if (j.norm_out_data != nullptr) j.norm_out_data[j.norm_out.at(it.b, it.g, f, 0)] = it.z[f] * scale;
        }
    }

    // The chunk's values and key features, and what the state entering it
    // needs: GATED the decays (returns the state's factor over the chunk);
    // FAVOR c raised to cover the chunk's keys, S and Z rescaled to match, before
    // any query reads it (the chunk's own scores use the same c).
    static float stage_chunk(Item &it, int64_t c0, int64_t ql) {
        const ChunkJob &j = it.j;
        const ChunkSlice &L = it.L;
        Loads::stage_values(j, L, it.b, it.g, c0, ql, it.vs);
        if (!j.favor()) {
            Loads::stage_keys(j, L, it.b, it.g, c0, ql, it.kt);
        } else {
            const float cmax = Loads::favor_key_exponents(j, L, it.wrows, it.b, it.g, c0, ql, it.kraw, it.kt, it.tokn);
            if (cmax > *it.c) {
                const float r = std::exp(*it.c - cmax);  // 0 when c was −inf
                // S and Z lie together: [fp][dp] then [fp].
                const int64_t n = L.fp * L.dp + L.fp;
                if (r == 0.f) std::memset(it.st, 0, sizeof(float) * size_t(n));
                else
                    for (int64_t i = 0; i < n; i += W) T::store(it.st + i, T::mul(T::load(it.st + i), T::set1(r)));
                *it.c = cmax;
            }
            Loads::favor_key_features(j, L, *it.c, it.kt);
        }
        if (j.decay_data == nullptr) return 1.f;
        return Decay::chunk(j, L, it.b, it.g, c0, ql, it.run, it.rlo, it.seg, it.rowf, it.colw);
    }

    // A = Qf·Kf into abuf's first part, lower triangle only (GATED: times
    // the decays), zero above the diagonal where the output product's row
    // blocks read it; GATED: the Qf rows times the decay from the chunk's
    // start.
    static void scores(Item &it, int64_t ql) {
        const ChunkJob &j = it.j;
        const int64_t cp = it.L.cp, lda = it.L.lda;
        GemmSpec gs;
        gs.a = it.abuf + cp, gs.lda = lda, gs.b = it.kt, gs.ldb = cp, gs.c = it.abuf, gs.ldc = lda;
        gs.rows = ql, gs.cols = cp, gs.k1 = j.features, gs.tri_cols = true;
        Gemm::run(gs);
        const bool decays = j.decay_data != nullptr;
        for (int64_t t = 0; t < ql; ++t) {
            float *a = it.abuf + t * lda;
            const int64_t vis = (t + W) / W * W;  // whole vectors covering s <= t
            if (decays) Decay::scores_row(a, vis, it.run, it.rlo, it.seg, t);
            for (int64_t s = t + 1; s < vis; ++s) a[s] = 0.f;
            for (int64_t s = vis; s < cp; s += W) T::store(a + s, T::zero());
            if (decays) {
                const V e = T::set1(it.rowf[t]);
                for (int64_t f = 0; f < it.L.fp; f += W) T::store(a + cp + f, T::mul(T::load(a + cp + f), e));
            }
        }
    }

    // Y = [A | Qf]·[V ; S] (causal) or Qf·S into ybuf, then out.
    static void outputs(Item &it, int64_t h, int64_t c0, int64_t ql) {
        const ChunkJob &j = it.j;
        const ChunkSlice &L = it.L;
        GemmSpec ys;
        ys.a = it.abuf, ys.lda = L.lda, ys.b = it.vs, ys.ldb = L.dp, ys.c = it.ybuf, ys.ldc = L.dp;
        ys.rows = ql, ys.cols = L.dp, ys.k2 = L.cp, ys.k3 = L.cp + j.features;
        if (j.causal) ys.k1 = ql, ys.tri_k = true;
        Gemm::run(ys);
        if (j.normalize) denominators(it, ql);
        epilogue(it, h, c0, ql);
    }

    // den_t = Σ_s A[t][s] (causal: the chunk's own keys; A is 0 above the
    // diagonal) + Qf_t·Z (the keys before the chunk). The lanes of Qf past F
    // are 0, as are Z's.
    static void denominators(Item &it, int64_t ql) {
        const ChunkJob &j = it.j;
        const int64_t cp = it.L.cp, fp = it.L.fp, lda = it.L.lda;
        for (int64_t t = 0; t < ql; ++t) {
            const float *a = it.abuf + t * lda;
            V acc = T::zero();
            if (j.causal)
                for (int64_t s = 0; s <= t; s += W) acc = T::add(acc, T::load(a + s));
            for (int64_t f = 0; f < fp; f += W) acc = T::fmadd(T::load(a + cp + f), T::load(it.z + f), acc);
            it.den[t] = Loads::hsum(acc);
        }
    }

    // out rows from Y: the normaliser's division, or FAVOR's scale back.
    static void epilogue(const Item &it, int64_t h, int64_t c0, int64_t ql) {
        const ChunkJob &j = it.j;
        const int64_t Dv = j.dv, dp = it.L.dp;
        const bool favor = j.favor();
        for (int64_t t = 0; t < ql; ++t) {
            const float *y = it.ybuf + t * dp;
            float scale = 1.f;
            if (j.normalize) {
                double e = j.eps;
                if (favor) e = std::fmin(e * std::exp(-(double(it.rowf[t]) + double(*it.c))), double(FLT_MAX));
                scale = 1.f / (it.den[t] + float(e));
            } else if (favor) {
                scale = float(std::fmin(std::exp(double(it.rowf[t]) + double(*it.c)), double(FLT_MAX)));
            }
            float *o = j.out_data + j.out.at(it.b, c0 + t, h, 0);
            if (j.out.d == 1) {
                const V sv = T::set1(scale);
                int64_t v = 0;
                if (it.stream && reinterpret_cast<uintptr_t>(o) % (W * sizeof(float)) == 0)
                    for (; v < Dv; v += W) T::stream(o + v, T::mul(T::load(y + v), sv));
                for (; v + W <= Dv; v += W) T::storeu(o + v, T::mul(T::load(y + v), sv));
                for (; v < Dv; ++v) o[v] = y[v] * scale;
            } else {
                for (int64_t v = 0; v < Dv; ++v) o[v * j.out.d] = y[v] * scale;
            }
        }
    }

    // S = β·S + Kf·V over the chunk's ql tokens (GATED: Kf weighted by the
    // decays to the chunk's end first; β = 0 resets: S is not read), and
    // Z = β·Z + Kf·1 (Kf's columns past ql are 0).
    static void update_state(Item &it, int64_t ql, float beta) {
        const ChunkJob &j = it.j;
        const ChunkSlice &L = it.L;
        if (j.decay_data != nullptr) Decay::weigh_keys(j.features, L.cp, it.colw, it.kt);
        GemmSpec ss;
        ss.a = it.kt, ss.lda = L.cp, ss.b = it.vs, ss.ldb = L.dp, ss.c = it.st, ss.ldc = L.dp;
        ss.rows = j.features, ss.cols = L.dp, ss.k1 = ql, ss.beta = beta;
        Gemm::run(ss);
        if (j.carry_norm)
            for (int64_t f = 0; f < j.features; ++f) {
                V acc = T::zero();
                for (int64_t t = 0; t < L.cp; t += W) acc = T::add(acc, T::load(it.kt + f * L.cp + t));
                it.z[f] = (beta == 0.f ? 0.f : beta * it.z[f]) + Loads::hsum(acc);
            }
    }
};

}  // namespace pmx::linear
