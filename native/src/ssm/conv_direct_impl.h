// The direct path of the S4 long convolution (short kernels), written once
// against a SIMD traits type: 16 channels per item, one per lane, the input
// rows staged (with the taps - 1 rows before the item and zeros before the
// sequence start) so that every load is aligned and in L1/L2.
//
// Every output is D·u[t] then + kernel[j]·u[t - j] for j = 0, 1, ... in
// that order, by the same FMAs whichever loop computes it, so the item
// boundaries (and the thread count) never change a bit. Rows t < taps - 1
// stop at j = t, so a non-finite tap never reaches an output it should not.
#pragma once

#include <cstdint>
#include <cstring>

#include "common/inline.h"
#include "ssm/fft_conv_isa.h"
#include "ssm/fft_rows.h"

namespace pmx::ssm {

template <class T>
struct DirectConvKernel {
    using V = typename T::V;
    static constexpr int W = T::W;
    static constexpr int G = int(fft::kLanes) / W;
    static constexpr int64_t kL = fft::kLanes;
    // Register block: R rows x J lags (AVX-512: 8 accumulators + 11 window
    // rows; 8-lane paths, 16 registers: 4 + 7).
    static constexpr int R = W == 16 ? 8 : 4;
    static constexpr int J = 4;

    // Output rows [r, r + NR) of the staged block (row r = token t0 + r;
    // staged row r + taps - 1 - j is token t0 + r - j), lags [0, jend).
    // Lags go J at a time: the NR + J - 1 input rows they need are loaded
    // once into registers and each serves up to J FMAs, instead of one load
    // per FMA (the load ports, not the FMAs, bound the one-at-a-time loop).
    // Every accumulator still takes its lags in increasing order.
    template <int NR, int J>
    static PMX_INLINE void rows(const float *x, const float *kt, const float *dv, int64_t r, int64_t jend,
                                int64_t taps, float *y) {
        PMX_UNROLL
        for (int g = 0; g < G; ++g) {
            const V d = T::load(dv + g * W);
            const float *xr = x + (r + taps - 1) * kL + g * W;
            V acc[NR];
            PMX_UNROLL
            for (int i = 0; i < NR; ++i) acc[i] = T::mul(d, T::load(xr + i * kL));
            int64_t j = 0;
            for (; j + J <= jend; j += J) {
                // win[m] = staged row for token t + m - (J - 1) - j
                V win[NR + J - 1];
                const float *base = xr - (j + J - 1) * kL;
                PMX_UNROLL
                for (int m = 0; m < NR + J - 1; ++m) win[m] = T::load(base + m * kL);
                PMX_UNROLL
                for (int jj = 0; jj < J; ++jj) {
                    const V k = T::load(kt + (j + jj) * kL + g * W);
                    PMX_UNROLL
                    for (int i = 0; i < NR; ++i) acc[i] = T::fmadd(k, win[i + J - 1 - jj], acc[i]);
                }
            }
            for (; j < jend; ++j) {
                const V k = T::load(kt + j * kL + g * W);
                const float *xj = xr - j * kL;
                PMX_UNROLL
                for (int i = 0; i < NR; ++i) acc[i] = T::fmadd(k, T::load(xj + i * kL), acc[i]);
            }
            PMX_UNROLL
            for (int i = 0; i < NR; ++i) T::store(y + i * kL + g * W, acc[i]);
        }
    }

    static void item(const FftConvProblem &p, const DirectConvItem &it, float *ws) {
        const int64_t taps = p.taps(), nc = it.nc, n = it.t1 - it.t0;
        float *kt = ws, *x = ws + direct_taps_floats(taps);
        alignas(64) float dv[kL], y[R * kL];

        fft::stage_kernel_rows<T>(p.k_data, p.k_sc, p.k_sl, it.c0, nc, taps, nullptr, 0, kt);
        if (p.has_d) fft::load_row(p.d_data + it.c0 * p.d_s, p.d_s, nc, dv);
        else std::memset(dv, 0, sizeof dv);

        const float *u = p.u_data + it.b * p.u.b + it.c0 * p.u.d;
        for (int64_t s = 0; s < n + taps - 1; ++s) {
            const int64_t t = it.t0 - (taps - 1) + s;
            if (t < 0) fft::zero_row(x + s * kL);
            else fft::load_row(u + t * p.u.t, p.u.d, nc, x + s * kL);
        }

        float *out = p.out_data + it.b * p.out.b + it.c0 * p.out.d;
        auto put = [&](int64_t r, int64_t count) {
            for (int64_t i = 0; i < count; ++i) fft::store_row(y + i * kL, out + (it.t0 + r + i) * p.out.t, p.out.d, nc);
        };
        int64_t r = 0;
        // The first taps - 1 tokens of the sequence: only lags j <= t.
        for (; r < n && it.t0 + r < taps - 1; ++r) {
            rows<1, 1>(x, kt, dv, r, it.t0 + r + 1, taps, y);
            put(r, 1);
        }
        for (; r + R <= n; r += R) {
            rows<R, J>(x, kt, dv, r, taps, taps, y);
            put(r, R);
        }
        for (; r < n; ++r) {
            rows<1, 1>(x, kt, dv, r, taps, taps, y);
            put(r, 1);
        }
    }
};

}  // namespace pmx::ssm
