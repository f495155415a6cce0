// The Mamba-2 SSD kernel, written once against a SIMD-traits type
// (common/simd_*.h) and instantiated once per ISA (ssd_avx512.cpp,
// ssd_avx2.cpp, ssd_portable.cpp).
//
// A work item owns a few heads of one group of one sequence and walks the
// sequence chunk by chunk (Q tokens), keeping each head's state Sᵀ [N][P]
// in the thread's workspace. Per chunk, with cs_t the running sum of dt·A
// inside the chunk:
//   G = C·Bᵀ (lower triangle only), once for all the item's heads;
//   per head:
//     M[t][s] = G[t][s] · e^(cs_t - cs_s) · dt_s   (s <= t, else 0)
//     Y = [M | diag(e^cs)·C] · [X ; Sᵀ]   one product: the chunk's own
//         contribution and the state entering it, stacked along k
//     out = Y + D·X
//     Sᵀ = e^(cs_last)·Sᵀ + (Bᵀ·diag(e^(cs_last - cs_s)·dt_s)) · X
// Every product goes through common/chunk_gemm.h on padded, aligned buffers; only
// the loads of x, B, C and the stores of out touch the caller's strides.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "common/inline.h"
#include "common/vec_math.h"
#include "common/chunk_gemm.h"
#include "ssm/ssd_isa.h"
#include "ssm/ssd_problem.h"

namespace pmx::ssm {

template <class T>
struct SsdKernel {
    using V = typename T::V;
    static constexpr int W = T::W;
    using Gemm = simd::ChunkGemm<T>;
    using GemmSpec = simd::GemmSpec;

    // dt of `n` tokens of head h from row r (bias, softplus) into dt[0, n),
    // zeros up to qp; e^(dt·A) decays are formed from these.
    static void load_dt(const SsdProblem &p, int64_t bb, int64_t r, int64_t h, int64_t n, int64_t qp, float *dt) {
        const float bias = p.has_bias ? p.bias_data[h * p.bias_s] : 0.f;
        for (int64_t t = 0; t < n; ++t) dt[t] = p.dt_data[p.dt.at(bb, r + t, h)] + bias;
        for (int64_t t = n; t < qp; ++t) dt[t] = 0.f;
        if (p.softplus)
            for (int64_t t = 0; t < n; t += W) T::store(dt + t, simd::softplus<T>(T::load(dt + t)));
        // softplus of the padding is log 2: put the zeros back.
        for (int64_t t = n; t < qp; ++t) dt[t] = 0.f;
    }

    // Bytes of out above which the output stores stream past the caches.
    static constexpr double kStreamBytes = 64.0 * 1024 * 1024;
    static bool streams(const SsdProblem &p) {
        double tokens = 0;
        for (int64_t b = 0; b < p.batch; ++b) tokens += double(p.length(b));
        return tokens * double(p.heads) * double(p.hdim) * sizeof(float) > kStreamBytes;
    }

    static void item(const SsdProblem &p, const SsdItem &it, float *ws) {
        const SsdSlice L = ssd_slice(p, it.nh);
        const int64_t P = p.hdim, N = p.nstate, qp = L.qp, pp = L.pp, np = L.np;
        const int64_t b = it.b, bb = p.varlen ? 0 : b, row0 = p.first_row(b), len = p.length(b);
        const int64_t g = it.h0 / p.heads_per_group();
        float *cbuf = ws + L.cbuf, *bt = ws + L.btbuf, *gbuf = ws + L.gbuf, *abuf = ws + L.abuf;
        float *bw = ws + L.bwbuf, *ybuf = ws + L.ybuf, *dt = ws + L.dtbuf, *cs = ws + L.csbuf, *w = ws + L.wbuf;

        // States in from state_in (or 0); x rows and the padding start at 0
        // so that padded lanes never hold stale values.
        std::memset(ws + L.xs, 0, sizeof(float) * size_t(it.nh * L.xs_head));
        std::memset(cbuf, 0, sizeof(float) * size_t(L.q * np));
        std::memset(bt, 0, sizeof(float) * size_t(np * qp));
        for (int64_t j = 0; j < it.nh; ++j) {
            float *st = ws + L.xs + j * L.xs_head + qp * pp;
            if (p.has_state_in)
                for (int64_t i = 0; i < P; ++i)
                    for (int64_t n = 0; n < N; ++n) st[n * pp + i] = p.state_in_data[p.state_in.at(b, it.h0 + j, i, n)];
        }

        // Outputs far larger than the caches bypass them (no read for
        // ownership of lines the kernel overwrites whole).
        const bool stream = T::kHasStream && streams(p);
        for (int64_t c0 = 0; c0 < len; c0 += L.q) {
            const int64_t ql = len - c0 < L.q ? len - c0 : L.q;
            const int64_t r = row0 + c0;
            // This chunk's C (rows) and Bᵀ (columns), for every head of the item.
            stage_c(p, bb, r, g, ql, np, cbuf);
            stage_bt(p, bb, r, g, ql, qp, bt);
            GemmSpec gs;
            gs.a = cbuf, gs.lda = np, gs.b = bt, gs.ldb = qp, gs.c = gbuf, gs.ldc = qp;
            gs.rows = ql, gs.cols = qp, gs.k1 = N, gs.tri_cols = true;
            Gemm::run(gs);

            for (int64_t j = 0; j < it.nh; ++j) {
                const int64_t h = it.h0 + j;
                float *xs = ws + L.xs + j * L.xs_head;
                float *st = xs + qp * pp;
                head_chunk(p, L, bb, r, h, ql, xs, st, cbuf, bt, gbuf, abuf, bw, ybuf, dt, cs, w, stream);
            }
        }

        if (stream) T::fence();
        if (p.has_state_out)
            for (int64_t j = 0; j < it.nh; ++j) {
                const float *st = ws + L.xs + j * L.xs_head + qp * pp;
                for (int64_t i = 0; i < P; ++i)
                    for (int64_t n = 0; n < N; ++n) p.state_out_data[p.state_out.at(b, it.h0 + j, i, n)] = st[n * pp + i];
            }
    }

    // C of tokens r .. r + ql - 1 (group g) as rows [ql][np] (the padding
    // columns stay 0 from the item's start).
    static void stage_c(const SsdProblem &p, int64_t bb, int64_t r, int64_t g, int64_t ql, int64_t np, float *cbuf) {
        const int64_t N = p.nstate;
        for (int64_t t = 0; t < ql; ++t) {
            const float *crow = p.c_data + p.cm.at(bb, r + t, g, 0);
            if (p.cm.n == 1) std::memcpy(cbuf + t * np, crow, sizeof(float) * size_t(N));
            else
                for (int64_t n = 0; n < N; ++n) cbuf[t * np + n] = crow[n * p.cm.n];
        }
    }

    // Bᵀ of tokens r .. r + ql - 1 as [N][qp], zero past ql: W x W
    // transposes where B is contiguous along N, element by element elsewhere.
    static void stage_bt(const SsdProblem &p, int64_t bb, int64_t r, int64_t g, int64_t ql, int64_t qp, float *bt) {
        const int64_t N = p.nstate;
        const float *b0 = p.b_data + p.bm.at(bb, r, g, 0);
        int64_t t0 = 0, n0 = 0;
        if (p.bm.n == 1) {
            for (; t0 + W <= ql; t0 += W)
                for (n0 = 0; n0 + W <= N; n0 += W) T::transpose(b0 + t0 * p.bm.t + n0, p.bm.t, bt + n0 * qp + t0, qp);
        }
        // What the tiles did not cover: whole columns past t0, rows past n0 before it.
        for (int64_t n = 0; n < N; ++n) {
            const int64_t from = n < n0 ? t0 : 0;
            for (int64_t t = from; t < ql; ++t) bt[n * qp + t] = b0[t * p.bm.t + n * p.bm.n];
            for (int64_t t = ql; t < qp; ++t) bt[n * qp + t] = 0.f;
        }
    }

    // One chunk (rows r .. r + ql - 1) of head h: outputs written, state
    // carried on.
    static void head_chunk(const SsdProblem &p, const SsdSlice &L, int64_t bb, int64_t r, int64_t h, int64_t ql,
                           float *xs, float *st, const float *cbuf, const float *bt, const float *gbuf, float *abuf,
                           float *bw, float *ybuf, float *dt, float *cs, float *w, bool stream) {
        const int64_t P = p.hdim, N = p.nstate, qp = L.qp, pp = L.pp, np = L.np, lda = L.lda_m;
        load_dt(p, bb, r, h, ql, qp, dt);
        // Running sum of dt·A in double: the decays between two tokens are
        // exp of a difference of these, which must not lose the small terms.
        const double a = p.a_data[h * p.a_s];
        double run = 0.0;
        for (int64_t t = 0; t < ql; ++t) {
            run += double(dt[t]) * a;
            cs[t] = float(run);
        }
        const float last = cs[ql - 1];
        for (int64_t t = ql; t < qp; ++t) cs[t] = last;

        // x of the chunk into the first rows of xs.
        for (int64_t t = 0; t < ql; ++t) {
            const float *xr = p.x_data + p.x.at(bb, r + t, h, 0);
            float *dst = xs + t * pp;
            if (p.x.n == 1) std::memcpy(dst, xr, sizeof(float) * size_t(P));
            else
                for (int64_t i = 0; i < P; ++i) dst[i] = xr[i * p.x.n];
        }

        // [M | diag(e^cs)·C], row by row.
        for (int64_t t = 0; t < ql; ++t) {
            float *m = abuf + t * lda;
            const V cst = T::set1(cs[t]);
            const int64_t vis = (t + W) / W * W;  // whole vectors covering s <= t
            for (int64_t s = 0; s < vis; s += W) {
                const V e = simd::exp<T>(T::sub(cst, T::load(cs + s)));
                T::store(m + s, T::mul(T::mul(T::load(gbuf + t * qp + s), e), T::load(dt + s)));
            }
            // Above the diagonal: 0 (e^(cs_t - cs_s) may have overflowed there).
            for (int64_t s = t + 1; s < vis; ++s) m[s] = 0.f;
            for (int64_t s = vis; s < qp; s += W) T::store(m + s, T::zero());
            const V et = T::set1(std::exp(cs[t]));
            for (int64_t n = 0; n < np; n += W) T::store(m + qp + n, T::mul(T::load(cbuf + t * np + n), et));
        }

        GemmSpec ys;
        ys.a = abuf, ys.lda = lda, ys.b = xs, ys.ldb = pp, ys.c = ybuf, ys.ldc = pp;
        ys.rows = ql, ys.cols = pp, ys.k1 = ql, ys.tri_k = true, ys.k2 = qp, ys.k3 = qp + N;
        Gemm::run(ys);

        const float dcoef = p.has_d ? p.d_data[h * p.d_s] : 0.f;
        for (int64_t t = 0; t < ql; ++t) {
            float *o = p.out_data + p.out.at(bb, r + t, h, 0);
            const float *y = ybuf + t * pp, *x = xs + t * pp;
            if (p.out.n == 1) {
                const V dv = T::set1(dcoef);
                int64_t i = 0;
                if (stream && P % W == 0 && reinterpret_cast<uintptr_t>(o) % (W * sizeof(float)) == 0)
                    for (; i < P; i += W) T::stream(o + i, T::fmadd(dv, T::load(x + i), T::load(y + i)));
                for (; i + W <= P; i += W) T::storeu(o + i, T::fmadd(dv, T::load(x + i), T::load(y + i)));
                for (; i < P; ++i) o[i] = y[i] + dcoef * x[i];
            } else {
                for (int64_t i = 0; i < P; ++i) o[i * p.out.n] = y[i] + dcoef * x[i];
            }
        }

        // The state at the chunk's end.
        const V lv = T::set1(last);
        for (int64_t s = 0; s < qp; s += W)
            T::store(w + s, T::mul(simd::exp<T>(T::sub(lv, T::load(cs + s))), T::load(dt + s)));
        for (int64_t n = 0; n < N; ++n)
            for (int64_t s = 0; s < qp; s += W) T::store(bw + n * qp + s, T::mul(T::load(bt + n * qp + s), T::load(w + s)));
        GemmSpec ss;
        ss.a = bw, ss.lda = qp, ss.b = xs, ss.ldb = pp, ss.c = st, ss.ldc = pp;
        ss.rows = N, ss.cols = pp, ss.k1 = ql, ss.beta = std::exp(last);
        Gemm::run(ss);
    }

    // One token of head h of sequence b: s = e^(dt·A)·s + dt·x ⊗ B,
    // y = s·C + D·x. state_out may be state_in (each value is read before
    // it is written).
    static void step(const SsdProblem &p, int64_t b, int64_t h) {
        const int64_t P = p.hdim, N = p.nstate, g = h / p.heads_per_group();
        float dtv = p.dt_data[p.dt.at(b, 0, h)] + (p.has_bias ? p.bias_data[h * p.bias_s] : 0.f);
        if (p.softplus) dtv = dtv > 0.f ? dtv + std::log1p(std::exp(-dtv)) : std::log1p(std::exp(dtv));
        const float decay = std::exp(dtv * p.a_data[h * p.a_s]);
        const float dcoef = p.has_d ? p.d_data[h * p.d_s] : 0.f;
        const float *bv = p.b_data + p.bm.at(b, 0, g, 0);
        const float *cv = p.c_data + p.cm.at(b, 0, g, 0);
        const bool vec = p.bm.n == 1 && p.cm.n == 1 && p.has_state_out && p.state_out.n == 1 &&
                         (!p.has_state_in || p.state_in.n == 1);
        for (int64_t i = 0; i < P; ++i) {
            const float xv = p.x_data[p.x.at(b, 0, h, i)];
            const float coef = dtv * xv;
            const float *sin = p.has_state_in ? p.state_in_data + p.state_in.at(b, h, i, 0) : nullptr;
            float *sout = p.has_state_out ? p.state_out_data + p.state_out.at(b, h, i, 0) : nullptr;
            float y = 0.f;
            int64_t n = 0;
            if (vec) {
                V acc = T::zero();
                const V dv = T::set1(decay), cf = T::set1(coef);
                for (; n + W <= N; n += W) {
                    const V s0 = sin != nullptr ? T::loadu(sin + n) : T::zero();
                    const V s1 = T::fmadd(cf, T::loadu(bv + n), T::mul(dv, s0));
                    T::storeu(sout + n, s1);
                    acc = T::fmadd(s1, T::loadu(cv + n), acc);
                }
                alignas(64) float lanes[W];
                T::store(lanes, acc);
                for (int l = 0; l < W; ++l) y += lanes[l];
            }
            for (; n < N; ++n) {
                const float s0 = sin != nullptr ? sin[n * p.state_in.n] : 0.f;
                const float s1 = decay * s0 + coef * bv[n * p.bm.n];
                if (sout != nullptr) sout[n * p.state_out.n] = s1;
                y += s1 * cv[n * p.cm.n];
            }
            p.out_data[p.out.at(b, 0, h, i)] = y + dcoef * xv;
        }
    }
};

}  // namespace pmx::ssm
