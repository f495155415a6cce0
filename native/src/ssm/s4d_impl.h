// The S4D kernel generator, written once against a SIMD traits type and
// instantiated per ISA (s4d_{avx512,avx2,portable}.cpp). Layout: s4d_isa.h.
//
// Why blocks: Ā^l by repeated float products drifts (relative error about
// l·2^-24: 6% at l = 10^6, in phase as much as in size). Here l = 64q + r;
// Ā^r (r < 64) comes from at most 63 float64 products, Ā^(64q) from exp at
// the item's first block and at most 255 float64 products after it (error
// near 10^-13), and each is rounded to float once. K[l] is then a sum of
// 2·Nh float products, accurate to a few roundings of its terms whatever l.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "common/inline.h"
#include "ssm/s4d_isa.h"
#include "ssm/s4d_problem.h"

namespace pmx::ssm {

template <class T>
struct S4dKernel {
    using V = typename T::V;
    static constexpr int W = T::W;
    // Register tile: MR rows of U x NV vectors of columns (AVX-512: 6 x 64,
    // 24 accumulators; 8-lane paths: 5 x 16, 10 accumulators).
    static constexpr int NV = W == 16 ? 4 : 2;
    static constexpr int64_t NC = int64_t(NV) * W;
    static constexpr int MR = W == 16 ? 6 : 5;
    static_assert(MR <= kS4dMaxRows && kS4dBlock % NC == 0, "tile must fit the slice");

    // Per state n of channel c (float64): Ā = e^(dt·A), W = 2·C·B̄, Ā^64 and
    // Ā^(64·q0). B̄ = (Ā - 1)/A·B with Ā - 1 = e^x·cos y - 1 + i·e^x·sin y
    // formed as expm1(x)·cos y - 2·sin²(y/2) (no cancellation for small dt·A).
    static void setup(const S4dProblem &p, int64_t c, int64_t q0, double *d) {
        const int64_t N = p.nstate;
        double *wr = d, *wi = d + N, *zr = d + 2 * N, *zi = d + 3 * N;
        double *er = d + 4 * N, *ei = d + 5 * N, *ar = d + 6 * N, *ai = d + 7 * N;
        const double dt = std::exp(double(p.dt_data[c * p.dt_s]));
        for (int64_t n = 0; n < N; ++n) {
            const int64_t ia = p.a.at(c, n), ib = p.b.at(c, n), ic = p.c.at(c, n);
            const double are = p.a_data[ia], aim = p.a_data[ia + p.a.part];
            const double x = dt * are, y = dt * aim;
            const double ex = std::exp(x), s = std::sin(y), co = std::cos(y), h = std::sin(0.5 * y);
            ar[n] = ex * co;
            ai[n] = ex * s;
            double rr = dt, ri = 0.0;  // (Ā - 1)/A, its limit dt at A = 0
            if (are != 0.0 || aim != 0.0) {
                const double mr = std::expm1(x) * co - 2.0 * h * h, mi = ex * s;
                const double den = are * are + aim * aim;
                rr = (mr * are + mi * aim) / den;
                ri = (mi * are - mr * aim) / den;
            }
            const double bre = p.b_data[ib], bim = p.b_data[ib + p.b.part];
            const double cre = p.c_data[ic], cim = p.c_data[ic + p.c.part];
            const double bbr = rr * bre - ri * bim, bbi = rr * bim + ri * bre;
            wr[n] = 2.0 * (cre * bbr - cim * bbi);
            wi[n] = 2.0 * (cre * bbi + cim * bbr);
            const double e64 = std::exp(64.0 * x);
            er[n] = e64 * std::cos(64.0 * y);
            ei[n] = e64 * std::sin(64.0 * y);
            const double f = 64.0 * double(q0);
            const double eq = std::exp(f * x);
            zr[n] = eq * std::cos(f * y);
            zi[n] = eq * std::sin(f * y);
        }
    }

    // P[n][r] = Re(Ā_n^r), P[N + n][r] = Im(Ā_n^r), r < 64.
    static void fill_p(int64_t N, const double *d, float *P) {
        const double *ar = d + 6 * N, *ai = d + 7 * N;
        for (int64_t n = 0; n < N; ++n) {
            double pr = 1.0, pi = 0.0;
            for (int64_t r = 0; r < kS4dBlock; ++r) {
                P[n * kS4dBlock + r] = float(pr);
                P[(N + n) * kS4dBlock + r] = float(pi);
                const double t = pr * ar[n] - pi * ai[n];
                pi = pr * ai[n] + pi * ar[n];
                pr = t;
            }
        }
    }

    // U row = [Re(W·Z_q) | -Im(W·Z_q)], then Z_q advances by Ā^64. Separate
    // restrict-qualified rows so that the loop vectorises (with one pointer
    // into d it ran scalar: a fifth of the kernel's time).
    static void u_row(int64_t N, double *d, float *u) {
        u_row(N, d, d + N, d + 2 * N, d + 3 * N, d + 4 * N, d + 5 * N, u, u + N);
    }
    static void u_row(int64_t N, const double *__restrict wr, const double *__restrict wi, double *__restrict zr,
                      double *__restrict zi, const double *__restrict er, const double *__restrict ei,
                      float *__restrict ure, float *__restrict uim) {
        for (int64_t n = 0; n < N; ++n) {
            ure[n] = float(wr[n] * zr[n] - wi[n] * zi[n]);
            uim[n] = float(-(wr[n] * zi[n] + wi[n] * zr[n]));
            const double t = zr[n] * er[n] - zi[n] * ei[n];
            zi[n] = zr[n] * ei[n] + zi[n] * er[n];
            zr[n] = t;
        }
    }
    // MR rows of U times the NC columns [col, col + NC) of P.
    static PMX_INLINE void tile(const float *U, int64_t K2, const float *P, int64_t col, V (&acc)[MR][NV]) {
        PMX_UNROLL
        for (int i = 0; i < MR; ++i)
            PMX_UNROLL
            for (int v = 0; v < NV; ++v) acc[i][v] = T::zero();
        for (int64_t k = 0; k < K2; ++k) {
            V pv[NV];
            PMX_UNROLL
            for (int v = 0; v < NV; ++v) pv[v] = T::load(P + k * kS4dBlock + col + v * W);
            PMX_UNROLL
            for (int i = 0; i < MR; ++i) {
                const V b = T::bcast(U + i * K2 + k);
                PMX_UNROLL
                for (int v = 0; v < NV; ++v) acc[i][v] = T::fmadd(b, pv[v], acc[i][v]);
            }
        }
    }

    static void item(const S4dProblem &p, const S4dItem &it, float *ws) {
        const S4dSlice s = s4d_slice(p.nstate);
        const int64_t N = p.nstate, K2 = 2 * N;
        float *P = ws + s.p, *U = ws + s.u, *buf = ws + s.tile;
        double *d = reinterpret_cast<double *>(ws + s.dbl);
        setup(p, it.c, it.q0, d);
        fill_p(N, d, P);
        float *krow = p.k_data + it.c * p.k_sc;
        for (int64_t q = it.q0; q < it.q1; q += MR) {
            const int64_t mr = it.q1 - q < MR ? it.q1 - q : MR;
            for (int64_t i = 0; i < mr; ++i) u_row(N, d, U + i * K2);
            if (mr < MR) std::memset(U + mr * K2, 0, sizeof(float) * size_t((MR - mr) * K2));
            // Rows with all 64 lags inside Lk and unit lag stride go straight out.
            const bool direct = p.k_sl == 1 && (q + mr) * kS4dBlock <= p.klen;
            for (int64_t col = 0; col < kS4dBlock; col += NC) {
                V acc[MR][NV];
                tile(U, K2, P, col, acc);
                for (int64_t i = 0; i < mr; ++i)
                    for (int v = 0; v < NV; ++v) {
                        float *dst = direct ? krow + (q + i) * kS4dBlock + col + v * W : buf + i * kS4dBlock + col + v * W;
                        T::storeu(dst, acc[i][v]);
                    }
            }
            if (!direct)
                for (int64_t i = 0; i < mr; ++i)
                    for (int64_t r = 0; r < kS4dBlock; ++r) {
                        const int64_t l = (q + i) * kS4dBlock + r;
                        if (l < p.klen) krow[l * p.k_sl] = buf[i * kS4dBlock + r];
                    }
        }
    }
};

}  // namespace pmx::ssm
