// The GLA engine (GATED with a decay per key dim), written once against a
// SIMD-traits type and instantiated once per ISA
// (recurrence_{avx512,avx2,portable}.cpp).
//
// S_t = diag(g_t)·S_{t-1} + k_t v_tᵀ, out_t = S_tᵀ q_t. Prefill: one item
// owns a kv head of one sequence and walks it chunk by chunk (C tokens).
// Inside a chunk, with D_ij = Π g over tokens (j, i] (a [Dk] vector),
//   out_i = S_0ᵀ (q_i ⊙ D_i,start) + Σ_(j<=i) (Σ_d q_id k_jd D_ij,d) v_j
//   S     = diag(D_last,start)·S_0 + Σ_j (k_j ⊙ D_last,j) v_jᵀ
// The chunk is cut into sub-chunks of kGlaSub tokens. For i in sub-chunk I
// and j in an earlier sub-chunk J, D_ij splits at the sub-chunk boundaries
// into three products of g that are each <= 1 (no division, so a g of
// exactly 0 just zeroes them, and no overflow):
//   a_i  = Π g from I's start to i (incl.)      q̂_i = q_i ⊙ a_i
//   b_j  = Π g after j to J's end               k̂_j = k_j ⊙ b_j
//   B_K  = Π g over all of sub-chunk K           D_ij = a_i ⊙ Π_(J<K<I) B_K ⊙ b_j
// so row block I of the scores is one product Q̂_I·[k̂_j ⊙ Π_(J<K<I) B_K]ᵀ
// (the bracket kept in one buffer, multiplied by B_(I-1) before block I).
// Diagonal sub-chunk blocks: where every a_j of the sub-chunk is at least
// kGlaFloor (decays as models have them: the whole sub-chunk decays by less
// than 2^-60 in every key dim), D_ij = a_i / a_j and the block is part of the
// same product, with k_j ⊙ (1/a_j) as its columns: q̂_i·(k_j / a_j) has no
// overflow (1/a_j <= 2^60), no underflow and each term a few roundings, as
// any dot product. Elsewhere (a zero decay, or long runs of small ones) the
// block is computed directly: for row i, walking j down from i,
// q_i ⊙ D_ij is the running product of q_i and g_(j+1), dotted with k_j.
// Then [P | Q̂ ⊙ Π_(K<I) B_K] · [V ; S] is one stacked product per query
// head, and S = diag(Π_K B_K)·S + (K̂ ⊙ Π_(K>J) B_K)ᵀ·V.
// Running products of g, not exp of log sums: no log or exp at all, and
// each factor carries as many roundings as tokens it spans, as the
// recurrence does.
//
// Step: one token, vectorised over Dv: S_out = diag(g)·S_in + k vᵀ,
// out = S_outᵀ q.
#pragma once

#include <cstdint>
#include <cstring>

#include "common/chunk_gemm.h"
#include "common/inline.h"
#include "linear/linear_problem.h"
#include "linear/recurrence_isa.h"
#include "linear/recurrence_rows.h"
#include "panamax/panamax.h"

namespace pmx::linear {

// The smallest decay product over a sub-chunk whose diagonal block runs as
// part of the row block's product (2^-60).
constexpr float kGlaFloor = 0x1p-60f;

template <class T>
struct GlaKernel {
    using V = typename T::V;
    static constexpr int W = T::W;
    static constexpr int64_t S = kGlaSub;
    static_assert(S % W == 0, "sub-chunks are whole vectors");
    using Gemm = simd::ChunkGemm<T>;
    using GemmSpec = simd::GemmSpec;
    using Rows = RecRows<T>;

    static void item(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws) {
        Rows::template walk_item<GlaKernel>(p, gla_slice(p), b, hk, ws);
    }

    static void chunk(const RecurrenceProblem &p, const GlaSlice &L, int64_t b, int64_t hk, int64_t c0, int64_t ql,
                      bool stream, float *ws) {
        const int64_t Dk = p.dk, Dv = p.dv, cp = L.cp, kp = L.kp, vp = L.vp, lda = L.lda;
        const int64_t nb = (ql + S - 1) / S;
        float *gr = ws + L.gr, *apre = ws + L.apre, *khat = ws + L.khat, *kr = ws + L.kr, *qr = ws + L.qr;
        float *kh = ws + L.kh, *kb = ws + L.kb, *kd = ws + L.kd;
        float *blk = ws + L.blk, *bpre = ws + L.bpre, *bsfx = ws + L.bsfx;
        float *ltot = ws + L.ltot, *qf = ws + L.qf, *scr = ws + L.scr;
        float *xs = ws + L.xs, *st = xs + cp * vp, *abuf = ws + L.abuf, *ybuf = ws + L.ybuf;

        for (int64_t t = 0; t < ql; ++t) {
            Rows::gather(p.k_data + p.k.at(b, c0 + t, hk, 0), p.k.d, Dk, kr + t * kp);
            Rows::gather(p.decay_data + p.decay.at(b, c0 + t, hk, 0), p.decay.d, Dk, gr + t * kp);
            Rows::gather(p.v_data + p.v.at(b, c0 + t, hk, 0), p.v.d, Dv, xs + t * vp);
        }
        // The next chunk's rows are asked for a sub-chunk's tokens at a time,
        // through the first query head's row blocks.
        const int64_t nx = c0 + ql, nql = p.seq - nx < L.c ? p.seq - nx : L.c;
        for (int64_t t = ql; t < cp; ++t) std::memset(khat + t * kp, 0, sizeof(float) * size_t(kp));

        // a_i (prefix in the sub-chunk), k̂_j (k times the suffix after j),
        // B_J; qf carries the running suffix.
        for (int64_t J = 0; J < nb; ++J) {
            const int64_t J0 = J * S, J1 = J0 + S < ql ? J0 + S : ql;
            Rows::copy(apre + J0 * kp, gr + J0 * kp, kp);
            for (int64_t i = J0 + 1; i < J1; ++i) Rows::mul(apre + i * kp, apre + (i - 1) * kp, gr + i * kp, kp);
            Rows::copy(blk + J * kp, apre + (J1 - 1) * kp, kp);
            Rows::fill(qf, 1.f, kp);
            for (int64_t j = J1 - 1; j >= J0; --j) {
                Rows::mul(khat + j * kp, kr + j * kp, qf, kp);
                if (j > J0) Rows::mul(qf, qf, gr + j * kp, kp);
            }
        }
        Rows::transpose(khat, kp, kh, cp, cp, kp);

        // Which sub-chunks take the fast diagonal path, and their k ⊙ 1/a
        // (qr as scratch rows; the floor keeps 1/0 out of the padding lanes,
        // whose a and k are 0).
        bool fast[PMX_MAX_LINEAR_CHUNK / S];
        bool any_fast = false;
        for (int64_t J = 0; J < nb; ++J) {
            const int64_t J0 = J * S, J1 = J0 + S < ql ? J0 + S : ql;
            float lo = 1.f;
            for (int64_t d = 0; d < Dk; ++d) lo = blk[J * kp + d] < lo ? blk[J * kp + d] : lo;
            fast[J] = lo >= kGlaFloor;
            any_fast = any_fast || fast[J];
            const V floor = T::set1(kGlaFloor);
            for (int64_t t = J0; t < J0 + S; ++t)
                for (int64_t x = 0; x < kp; x += W) {
                    const V r = T::recip(T::max(T::load(apre + t * kp + x), floor));
                    T::store(qr + t * kp + x, t < J1 && fast[J] ? T::mul(T::load(kr + t * kp + x), r) : T::zero());
                }
        }
        if (any_fast) Rows::transpose(qr, kp, kd, cp, cp, kp);
        Rows::fill(bpre, 1.f, kp);
        for (int64_t I = 1; I < nb; ++I) Rows::mul(bpre + I * kp, bpre + (I - 1) * kp, blk + (I - 1) * kp, kp);
        Rows::fill(bsfx + (nb - 1) * kp, 1.f, kp);
        for (int64_t J = nb - 2; J >= 0; --J) Rows::mul(bsfx + J * kp, bsfx + (J + 1) * kp, blk + (J + 1) * kp, kp);
        Rows::mul(ltot, bpre + (nb - 1) * kp, blk + (nb - 1) * kp, kp);

        const int64_t G = p.group();
        for (int64_t jh = 0; jh < G; ++jh) {
            const int64_t h = hk * G + jh;
            float *qa = abuf + cp;
            for (int64_t t = 0; t < ql; ++t) {
                Rows::gather(p.q_data + p.q.at(b, c0 + t, h, 0), p.q.d, Dk, qr + t * kp);
                Rows::mul(qa + t * lda, qr + t * kp, apre + t * kp, kp);
            }
            if (nb >= 2)
                for (int64_t d = 0; d < Dk; ++d)
                    Rows::copy(kb + d * cp, kh + d * cp, (nb - 1) * S);
            for (int64_t I = 0; I < nb; ++I) {
                const int64_t I0 = I * S, I1 = I0 + S < ql ? I0 + S : ql;
                if (jh == 0) {
                    const int64_t t1 = I + 1 < nb ? I1 : nql;  // the last block asks for the rest
                    for (int64_t t = I0; t < t1 && t < nql; ++t) Rows::prefetch_token(p, b, hk, nx + t, !stream);
                }
                if (I >= 2)
                    for (int64_t d = 0; d < Dk; ++d) Rows::scale(kb + d * cp, blk[(I - 1) * kp + d], (I - 1) * S);
                if (fast[I]) {
                    // The diagonal block's columns k_j / a_j join the product
                    // for this row block; K̂ᵀ goes back for the later ones.
                    for (int64_t d = 0; d < Dk; ++d) Rows::copy(kb + d * cp + I0, kd + d * cp + I0, S);
                    GemmSpec ps;
                    ps.a = qa + I0 * lda, ps.lda = lda, ps.b = kb, ps.ldb = cp;
                    ps.c = abuf + I0 * lda, ps.ldc = lda, ps.rows = I1 - I0, ps.cols = I0 + S, ps.k1 = Dk;
                    Gemm::run(ps);
                    if (I + 1 < nb)
                        for (int64_t d = 0; d < Dk; ++d) Rows::copy(kb + d * cp + I0, kh + d * cp + I0, S);
                    for (int64_t i = I0; i < I1; ++i) {
                        float *m = abuf + i * lda;
                        for (int64_t j = i + 1; j < I0 + S; ++j) m[j] = 0.f;
                        for (int64_t x = I0 + S; x < cp; x += W) T::store(m + x, T::zero());
                    }
                } else {
                    if (I >= 1) {
                        GemmSpec ps;
                        ps.a = qa + I0 * lda, ps.lda = lda, ps.b = kb, ps.ldb = cp;
                        ps.c = abuf + I0 * lda, ps.ldc = lda, ps.rows = I1 - I0, ps.cols = I0, ps.k1 = Dk;
                        Gemm::run(ps);
                    }
                    diagonal(qr, kr, gr, kp, I0, I1, abuf, lda, cp, qf, scr);
                }
                if (I >= 1)
                    for (int64_t i = I0; i < I1; ++i) Rows::mul(qa + i * lda, qa + i * lda, bpre + I * kp, kp);
            }
            GemmSpec ys;
            ys.a = abuf, ys.lda = lda, ys.b = xs, ys.ldb = vp, ys.c = ybuf, ys.ldc = vp;
            ys.rows = ql, ys.cols = vp, ys.k1 = ql, ys.tri_k = true, ys.k2 = cp, ys.k3 = cp + Dk;
            Gemm::run(ys);
            for (int64_t t = 0; t < ql; ++t)
                Rows::store_out(ybuf + t * vp, p.out_data + p.out.at(b, c0 + t, h, 0), p.out.d, Dv, stream);
        }

        // S = diag(Π B)·S + (K̂ ⊙ Π_(K>J) B_K)ᵀ·V.
        for (int64_t d = 0; d < Dk; ++d) {
            Rows::scale(st + d * vp, ltot[d], vp);
            for (int64_t J = 0; J < nb; ++J) {
                const V f = T::set1(bsfx[J * kp + d]);
                const float *src = kh + d * cp + J * S;
                for (int64_t x = 0; x < S; x += W) T::store(kb + d * cp + J * S + x, T::mul(f, T::load(src + x)));
            }
        }
        GemmSpec ss;
        ss.a = kb, ss.lda = cp, ss.b = xs, ss.ldb = vp, ss.c = st, ss.ldc = vp;
        ss.rows = Dk, ss.cols = vp, ss.k1 = ql, ss.beta = 1.f;
        Gemm::run(ss);
    }

    // Scores of rows [I0, I1) against the columns of their own sub-chunk,
    // P_ij = Σ_d q_id k_jd Π_(j<m<=i) g_md, into abuf columns [I0, I0 + S)
    // (0 right of the diagonal), and 0 from there to cp.
    static void diagonal(const float *qr, const float *kr, const float *gr, int64_t kp, int64_t I0, int64_t I1,
                         float *abuf, int64_t lda, int64_t cp, float *qf, float *scr) {
        float *tt = scr + S * W;
        for (int64_t i = I0; i < I1; ++i) {
            float *m = abuf + i * lda;
            const int64_t n = i - I0 + 1, ng = (n + W - 1) / W;
            Rows::copy(qf, qr + i * kp, kp);
            for (int64_t j = i; j >= I0; --j) {
                T::store(scr + (j - I0) * W, Rows::dot_lanes(qf, kr + j * kp, kp));
                if (j > I0) Rows::mul(qf, qf, gr + j * kp, kp);
            }
            for (int64_t x = n; x < ng * W; ++x) T::store(scr + x * W, T::zero());
            for (int64_t g = 0; g < ng; ++g) {
                T::transpose(scr + g * W * W, W, tt, W);
                V s = T::load(tt);
                for (int r = 1; r < W; ++r) s = T::add(s, T::load(tt + r * W));
                T::store(m + I0 + g * W, s);
            }
            for (int64_t x = I0 + ng * W; x < cp; x += W) T::store(m + x, T::zero());
        }
    }

    // One token of kv head hk of sequence b and its query heads. state_out
    // (required) may be state_in: every state value is read before it is
    // written.
    static void step(const RecurrenceProblem &p, int64_t b, int64_t hk) {
        const float *gv = p.decay_data + p.decay.at(b, 0, hk, 0);
        alignas(64) float row[kStepTile], vt[kStepTile];
        std::memset(row, 0, sizeof row);
        std::memset(vt, 0, sizeof vt);
        for (int64_t v0 = 0; v0 < p.dv; v0 += kStepTile) {
            const int64_t n = p.dv - v0 < kStepTile ? p.dv - v0 : kStepTile;
            Rows::gather(p.v_data + p.v.at(b, 0, hk, v0), p.v.d, n, vt);
            // S_out = diag(g)·S_in + k vᵀ, out = S_outᵀ q.
            Rows::step_tile(p, b, hk, v0, n, gv, p.decay.d, vt, row);
        }
    }
};

}  // namespace pmx::linear
