// The delta-rule engine (DELTA, GATED_DELTA), written once against a
// SIMD-traits type (common/simd_*.h) and instantiated once per ISA
// (recurrence_{avx512,avx2,portable}.cpp).
//
// Prefill: the chunked WY form. One item owns a kv head of one sequence and
// walks it chunk by chunk (C tokens), keeping the state S [Dk][Dv] in the
// workspace. The recurrence S_t = g_t S_{t-1} + k_t u_tᵀ with
// u_t = β_t (v_t - g_t S_{t-1}ᵀ k_t) (g = 1 for DELTA) unrolls inside a chunk,
// with Γ_ij = Π g over tokens (j, i] and γ_i = Π g over [0, i], to
//   (I + A)·U = diag(β)·(V - diag(γ)·K·S),  A_ij = β_i Γ_ij k_i·k_j  (j < i)
// so, with T' = (I + A)^-1·diag(β) (unit lower-triangular solve, C³/6):
//   X   = V - diag(γ)·K·S                       (product)
//   U'  = T'·X                                  (product, T' triangular)
//   out = [(Q·Kᵀ) ⊙ Γ, lower incl. diagonal | diag(γ)·Q] · [U' ; S]
//                                               (one stacked product per query head)
//   S   = γ_last·S + (Kᵀ·diag(Γ_last,j))·U'     (product)
// The decay factors are running products of g itself, never exp of a
// difference of log sums: Γ row i is g_i times row i-1 (vectorised), so
// no division, no log or exp, no overflow; a g of exactly 0 zeroes every
// factor spanning it (the state resets exactly, no NaN), and Γ_ij carries
// i - j roundings, no more than the recurrence itself. Every product runs
// through common/chunk_gemm.h on padded, aligned buffers.
//
// Step: one token, vectorised over Dv (kStepTile columns at a time):
//   u = g·S_inᵀk,  e = β(v - u),  S_out = g·S_in + k eᵀ,  out = S_outᵀ q.
#pragma once

#include <cstdint>
#include <cstring>

#include "common/chunk_gemm.h"
#include "common/inline.h"
#include "linear/linear_problem.h"
#include "linear/recurrence_isa.h"
#include "linear/recurrence_rows.h"

namespace pmx::linear {

template <class T>
struct DeltaKernel {
    using V = typename T::V;
    static constexpr int W = T::W;
    using Gemm = simd::ChunkGemm<T>;
    using GemmSpec = simd::GemmSpec;
    using Rows = RecRows<T>;

    static void item(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws) {
        Rows::template walk_item<DeltaKernel>(p, delta_slice(p), b, hk, ws);
    }

    // Tokens c0 .. c0 + ql - 1: outputs written, state carried on.
    static void chunk(const RecurrenceProblem &p, const DeltaSlice &L, int64_t b, int64_t hk, int64_t c0, int64_t ql,
                      bool stream, float *ws) {
        const int64_t Dk = p.dk, Dv = p.dv, cp = L.cp, kp = L.kp, vp = L.vp, lda = L.lda;
        const bool gated = p.has_decay;
        float *kr = ws + L.kr, *kt = ws + L.kt, *gam = ws + L.gam, *tb = ws + L.tb, *xb = ws + L.xb;
        float *xs = ws + L.xs, *st = xs + cp * vp, *abuf = ws + L.abuf, *ybuf = ws + L.ybuf;
        float *beta = ws + L.beta, *gdec = ws + L.gdec, *gvec = ws + L.gvec, *wvec = ws + L.wvec;

        for (int64_t t = 0; t < ql; ++t) {
            Rows::gather(p.k_data + p.k.at(b, c0 + t, hk, 0), p.k.d, Dk, kr + t * kp);
            Rows::gather(p.v_data + p.v.at(b, c0 + t, hk, 0), p.v.d, Dv, xb + t * vp);
            beta[t] = p.beta_data[p.beta.at(b, c0 + t, hk, 0)];
            if (gated) gdec[t] = p.decay_data[p.decay.at(b, c0 + t, hk, 0)];
        }
        // Rows past a short last chunk: 0 (they reach Kᵀ's columns).
        for (int64_t t = ql; t < cp; ++t) {
            std::memset(kr + t * kp, 0, sizeof(float) * size_t(kp));
            beta[t] = 0.f;
        }
        Rows::transpose(kr, kp, kt, cp, cp, kp);

        float glast = 1.f;
        if (gated) {
            decay_matrix(gdec, ql, cp, gam, gvec);
            glast = gvec[ql - 1];
            Rows::copy(wvec, gam + (ql - 1) * cp, cp);
        }

        // K·Kᵀ (the lower triangle), then T' in place.
        GemmSpec kk;
        kk.a = kr, kk.lda = kp, kk.b = kt, kk.ldb = cp, kk.c = tb, kk.ldc = cp;
        kk.rows = ql, kk.cols = cp, kk.k1 = Dk, kk.tri_cols = true;
        Gemm::run(kk);
        // The next chunk's rows are asked for one token per row of the solve.
        const int64_t nx = c0 + ql, nql = p.seq - nx < L.c ? p.seq - nx : L.c;
        solve(tb, gated ? gam : nullptr, beta, ql, cp, ws + L.avec, [&](int64_t i) {
            if (i < nql) Rows::prefetch_token(p, b, hk, nx + i, !stream);
        });
        for (int64_t i = ql; i < nql; ++i) Rows::prefetch_token(p, b, hk, nx + i, !stream);

        // X = V - diag(γ)·K·S, then U' = T'·X.
        for (int64_t t = 0; t < ql; ++t) Rows::scale(kr + t * kp, gated ? -gvec[t] : -1.f, kp);
        GemmSpec xk;
        xk.a = kr, xk.lda = kp, xk.b = st, xk.ldb = vp, xk.c = xb, xk.ldc = vp;
        xk.rows = ql, xk.cols = vp, xk.k1 = Dk, xk.beta = 1.f;
        Gemm::run(xk);
        GemmSpec us;
        us.a = tb, us.lda = cp, us.b = xb, us.ldb = vp, us.c = xs, us.ldc = vp;
        us.rows = ql, us.cols = vp, us.k1 = ql, us.tri_k = true;
        Gemm::run(us);

        const int64_t G = p.group();
        for (int64_t j = 0; j < G; ++j) {
            const int64_t h = hk * G + j;
            float *qa = abuf + cp;
            for (int64_t t = 0; t < ql; ++t)
                Rows::gather(p.q_data + p.q.at(b, c0 + t, h, 0), p.q.d, Dk, qa + t * lda);
            GemmSpec qk;
            qk.a = qa, qk.lda = lda, qk.b = kt, qk.ldb = cp, qk.c = abuf, qk.ldc = lda;
            qk.rows = ql, qk.cols = cp, qk.k1 = Dk, qk.tri_cols = true;
            Gemm::run(qk);
            for (int64_t t = 0; t < ql; ++t) {
                float *m = abuf + t * lda;
                const int64_t vis = (t / W + 1) * W;  // whole vectors covering s <= t
                if (gated) {
                    const float *gt = gam + t * cp;
                    for (int64_t s = 0; s < vis; s += W) T::store(m + s, T::mul(T::load(m + s), T::load(gt + s)));
                    Rows::scale(m + cp, gvec[t], kp);
                }
                // Above the diagonal: 0 (the product tiles may have written there).
                for (int64_t s = t + 1; s < vis; ++s) m[s] = 0.f;
                for (int64_t s = vis; s < cp; s += W) T::store(m + s, T::zero());
            }
            GemmSpec ys;
            ys.a = abuf, ys.lda = lda, ys.b = xs, ys.ldb = vp, ys.c = ybuf, ys.ldc = vp;
            ys.rows = ql, ys.cols = vp, ys.k1 = ql, ys.tri_k = true, ys.k2 = cp, ys.k3 = cp + Dk;
            Gemm::run(ys);
            for (int64_t t = 0; t < ql; ++t)
                Rows::store_out(ybuf + t * vp, p.out_data + p.out.at(b, c0 + t, h, 0), p.out.d, Dv, stream);
        }

        // S = γ_last·S + (Kᵀ·diag(Γ_last,j))·U'. beta 0 (a zero decay in the
        // chunk) leaves the old state unread: an exact reset.
        if (gated)
            for (int64_t d = 0; d < Dk; ++d) Rows::mul(kt + d * cp, kt + d * cp, wvec, cp);
        GemmSpec ss;
        ss.a = kt, ss.lda = cp, ss.b = xs, ss.ldb = vp, ss.c = st, ss.ldc = vp;
        ss.rows = Dk, ss.cols = vp, ss.k1 = ql, ss.beta = glast;
        Gemm::run(ss);
    }

    // Γ [ql][cp]: Γ_ii = 1, Γ_ij = g_i·Γ_(i-1)j below the diagonal, 0 above
    // (row i covers whole vectors up to column i; the rest stays 0 from the
    // item's start); γ_i = Π g over [0, i].
    static void decay_matrix(const float *g, int64_t ql, int64_t cp, float *gam, float *gvec) {
        float run = 1.f;
        for (int64_t i = 0; i < ql; ++i) {
            float *gi = gam + i * cp;
            const int64_t nv = i / W + 1;
            if (i == 0) {
                T::store(gi, T::zero());
            } else {
                const V gv = T::set1(g[i]);
                for (int64_t v = 0; v < nv; ++v) T::store(gi + v * W, T::mul(gv, T::load(gi - cp + v * W)));
            }
            gi[i] = 1.f;
            run *= g[i];
            gvec[i] = run;
        }
    }

    // In place, row by row: K·Kᵀ (lower triangle of tb) becomes
    // T' = (I + A)^-1·diag(β), A_ij = β_i Γ_ij (K·Kᵀ)_ij below the diagonal:
    //   T'_i = β_i e_i - Σ_(j<i) A_ij T'_j
    // (the diag(β) on the right rides along: T' rows are T rows times it).
    // Row i then holds 0 above the diagonal up to cp. per_row(i) runs first
    // (the next chunk's prefetches).
    template <class PerRow>
    static void solve(float *tb, const float *gam, const float *beta, int64_t ql, int64_t cp, float *avec,
                      PerRow &&per_row) {
        for (int64_t i = 0; i < ql; ++i) {
            per_row(i);
            float *ti = tb + i * cp;
            const int64_t nv = i / W + 1;
            const V nb = T::set1(-beta[i]);
            for (int64_t v = 0; v < nv; ++v) {
                V a = T::mul(nb, T::load(ti + v * W));
                if (gam != nullptr) a = T::mul(a, T::load(gam + i * cp + v * W));
                T::store(avec + v * W, a);
            }
            for (int64_t v0 = 0; v0 < nv; v0 += 4) {
                switch (nv - v0 < 4 ? nv - v0 : 4) {
                    case 1: solve_strip<1>(tb, cp, avec, i, v0, ti); break;
                    case 2: solve_strip<2>(tb, cp, avec, i, v0, ti); break;
                    case 3: solve_strip<3>(tb, cp, avec, i, v0, ti); break;
                    default: solve_strip<4>(tb, cp, avec, i, v0, ti); break;
                }
            }
            // Rows j < i hold 0 at column i, so the sum left it 0.
            ti[i] = beta[i];
            for (int64_t v = nv; v < cp / W; ++v) T::store(ti + v * W, T::zero());
        }
    }

    // Columns [v0·W, (v0 + NV)·W) of row i: T'_j is 0 right of column j, so
    // only rows j >= v0·W reach these columns.
    template <int NV>
    static PMX_INLINE void solve_strip(const float *tb, int64_t cp, const float *avec, int64_t i, int64_t v0,
                                       float *ti) {
        V acc[NV];
        PMX_UNROLL for (int c = 0; c < NV; ++c) acc[c] = T::zero();
        const float *tj = tb + v0 * W * cp + v0 * W;
        for (int64_t j = v0 * W; j < i; ++j, tj += cp) {
            const V a = T::bcast(avec + j);
            PMX_UNROLL for (int c = 0; c < NV; ++c) acc[c] = T::fmadd(a, T::load(tj + c * W), acc[c]);
        }
        PMX_UNROLL for (int c = 0; c < NV; ++c) T::store(ti + (v0 + c) * W, acc[c]);
    }

    // One token of kv head hk of sequence b and its query heads. state_out
    // (required) may be state_in: every state value is read before it is
    // written.
    static void step(const RecurrenceProblem &p, int64_t b, int64_t hk) {
        const int64_t Dk = p.dk, Dv = p.dv;
        const float g = p.has_decay ? p.decay_data[p.decay.at(b, 0, hk, 0)] : 1.f;
        const float beta = p.beta_data[p.beta.at(b, 0, hk, 0)];
        const float *kv = p.k_data + p.k.at(b, 0, hk, 0);
        const float *vv = p.v_data + p.v.at(b, 0, hk, 0);
        alignas(64) float row[kStepTile], u[kStepTile], e[kStepTile];
        std::memset(row, 0, sizeof row);
        for (int64_t v0 = 0; v0 < Dv; v0 += kStepTile) {
            const int64_t n = Dv - v0 < kStepTile ? Dv - v0 : kStepTile;
            const int64_t nw = (n + W - 1) / W * W;
            // u = g·S_inᵀk over this tile, then e = β(v - u).
            Rows::fill(u, 0.f, nw);
            if (p.has_state_in)
                for (int64_t d = 0; d < Dk; ++d) {
                    const float *si =
                        Rows::state_row(p.state_in_data + p.state_in.at(b, hk, d, v0), p.state_in.v, n, row);
                    const V a = T::set1(g * kv[d * p.k.d]);
                    for (int64_t x = 0; x < nw; x += W) T::store(u + x, T::fmadd(a, T::loadu(si + x), T::load(u + x)));
                }
            for (int64_t x = 0; x < n; ++x) e[x] = beta * (vv[(v0 + x) * p.v.d] - u[x]);
            for (int64_t x = n; x < kStepTile; ++x) e[x] = 0.f;
            // S_out = g·S_in + k eᵀ, out = S_outᵀ q.
            Rows::step_tile(p, b, hk, v0, n, &g, 0, e, row);
        }
    }
};

}  // namespace pmx::linear
