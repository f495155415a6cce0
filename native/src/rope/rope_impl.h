// The RoPE kernel, written once against a SIMD-traits type (common/simd_*.h
// plus swap_pairs, which exchanges the two floats of every lane pair) and
// instantiated once per ISA (rope_avx512.cpp, rope_avx2.cpp, rope_portable.cpp).
//
// Per row (b, n): the cos/sin table of the row's position is computed once
// (fill_table, rd/2 values) and applied to all H heads, so the table costs
// rd/2 elements against the row's H·D read and written: the kernel streams
// x to out at close to copy speed.
//  - HALF:        y[i] = x[i]·c - x[i+h]·s,  y[i+h] = x[i+h]·c + x[i]·s  (h = rd/2)
//  - INTERLEAVED: with the table expanded to c0 c0 c1 c1 .. and -s0 s0 -s1 s1 ..,
//                 y = x·ce + swap_pairs(x)·se, one vector at a time.
// A D stride other than 1 takes the scalar path (same arithmetic).
#pragma once

#include <cstdint>
#include <cstring>

#include "common/inline.h"
#include "rope/rope_problem.h"

namespace pmx::rope {

// float64 argument reduction: a = k·π/2 + r, |r| <= π/4, with π/2 split in
// three (Cody-Waite); the first two parts have 20 significant bits, so k·part
// is exact for |k| < 2^33 (positions up to 2^32 at inv_freq <= 1) even without
// FMA. k is rounded with the 1.5·2^52 trick, which also leaves k mod 4 (the
// quadrant) in the low bits of the sum.
namespace reduce {
constexpr double kTwoOverPi = 0x1.45f306dc9c883p-1;
constexpr double kPio2Hi = 0x1.921fap+0;
constexpr double kPio2Mid = 0x1.54442p-20;
constexpr double kPio2Lo = 0x1.a308d313198a3p-41;
constexpr double kRoundMagic = 0x1.8p52;
// |r| is clamped here: only angles far beyond the accurate range get there, and
// it keeps their results inside [-1, 1] instead of letting the polynomials grow.
constexpr double kMaxReduced = 0.8;

PMX_INLINE uint64_t bits_of(double x) {
    uint64_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
}
PMX_INLINE double from_bits(uint64_t b) {
    double x;
    std::memcpy(&x, &b, sizeof x);
    return x;
}
}  // namespace reduce

template <class T>
struct RopeKernel {
    using V = typename T::V;
    static constexpr int W = T::W;

    // One position's rd/2 cos and sin values. Branch-free and integer-only
    // where it selects, so that the compiler vectorises it on float64 lanes
    // (AVX2: 4, AVX-512: 8) with this translation unit's ISA flags.
    static PMX_INLINE void table_row(const RopeSpec &s, double p, float *cos, float *sin) {
        using namespace reduce;
        const int64_t half = s.rotary_dim / 2;
        const double af = s.attention_factor;
        const int64_t lim = int64_t(bits_of(kMaxReduced));
        for (int64_t i = 0; i < half; ++i) {
            const double a = p * s.inv_freq[i];
            const double t = a * kTwoOverPi + kRoundMagic;
            const double k = t - kRoundMagic;
            const uint64_t quadrant = bits_of(t);  // k mod 4 in bits 0-1
            double r = a - k * kPio2Hi;
            r = r - k * kPio2Mid;
            r = r - k * kPio2Lo;
            const int64_t rb = int64_t(bits_of(r));
            const int64_t mag = rb & INT64_MAX;
            r = from_bits(uint64_t((mag > lim ? lim : mag) | (rb & INT64_MIN)));
            // Taylor to r^9 / r^10: truncation below 3e-9 on |r| <= 0.8.
            const double r2 = r * r;
            const double sn = r + r * r2 * (-1.0 / 6 + r2 * (1.0 / 120 + r2 * (-1.0 / 5040 + r2 * (1.0 / 362880))));
            const double cs =
                1.0 + r2 * (-0.5 + r2 * (1.0 / 24 + r2 * (-1.0 / 720 + r2 * (1.0 / 40320 + r2 * (-1.0 / 3628800)))));
            // Quadrant k: (cos, sin) of a = (c, s), (-s, c), (-c, -s), (s, -c).
            const bool swap = (quadrant & 1) != 0;
            const uint64_t cb = bits_of(swap ? sn : cs) ^ (((quadrant + 1) & 2) << 62);
            const uint64_t sb = bits_of(swap ? cs : sn) ^ ((quadrant & 2) << 62);
            cos[i] = float(from_bits(cb) * af);
            sin[i] = float(from_bits(sb) * af);
        }
    }

    static void fill_table(const RopeSpec &s, int64_t pos0, int64_t count, float *cos, float *sin) {
        const int64_t half = s.rotary_dim / 2;
        for (int64_t n = 0; n < count; ++n)
            table_row(s, double(pos0 + s.offset + n), cos + n * half, sin + n * half);
    }

    // ---- applying one row's table to one head --------------------------------

    // Pair (a, b) with their cos/sin: any strides.
    static PMX_INLINE void rotate_pair(const float *x, float *y, int64_t a, int64_t b, int64_t sxd, int64_t syd,
                                       float c, float s) {
        const float xa = x[a * sxd], xb = x[b * sxd];
        y[a * syd] = xa * c - xb * s;
        y[b * syd] = xb * c + xa * s;
    }

    static void head_strided(const RopeSpec &s, const float *x, float *y, int64_t sxd, int64_t syd,
                             const float *cos, const float *sin) {
        const int64_t half = s.rotary_dim / 2;
        for (int64_t i = 0; i < half; ++i) {
            if (s.interleaved) rotate_pair(x, y, 2 * i, 2 * i + 1, sxd, syd, cos[i], sin[i]);
            else rotate_pair(x, y, i, i + half, sxd, syd, cos[i], sin[i]);
        }
    }

    // One row's heads (x_sh, y_sh apart), contiguous along D. The lane blocks run
    // outermost so that each block's cos/sin stay in registers across the heads:
    // reloading them for every head, between the streaming stores, measured about
    // 1.5x slower (TUNING.md).
    // kStream: y is written with cache-bypassing stores (every y + h·y_sh + i
    // and y + h·y_sh + half + i vector-aligned).
    template <bool kStream>
    static PMX_INLINE void put(float *p, V v) {
        if constexpr (kStream) T::stream(p, v);
        else T::storeu(p, v);
    }

    // With kStream the features past rd (up to d) are copied here too, with
    // streaming stores, head by head.
    template <bool kStream>
    static void row_half(int64_t heads, int64_t half, int64_t d, const float *x, int64_t x_sh, float *y, int64_t y_sh,
                         const float *cos, const float *sin) {
        int64_t i = 0;
        if (kStream) {
            // Head by head, so that each output line is written whole in order
            // (streaming stores to many lines at once run out of write-combining
            // buffers); cos/sin come from L1.
            const int64_t vec_end = half / W * W;
            for (int64_t h = 0; h < heads; ++h) {
                const float *xh = x + h * x_sh;
                float *yh = y + h * y_sh;
                for (int64_t k = 0; k < vec_end; k += W) {
                    const V c = T::load(cos + k), s = T::load(sin + k);
                    const V x1 = T::loadu(xh + k), x2 = T::loadu(xh + half + k);
                    put<kStream>(yh + k, T::sub(T::mul(x1, c), T::mul(x2, s)));
                }
                for (int64_t k = 0; k < vec_end; k += W) {
                    const V c = T::load(cos + k), s = T::load(sin + k);
                    const V x1 = T::loadu(xh + k), x2 = T::loadu(xh + half + k);
                    put<kStream>(yh + half + k, T::add(T::mul(x2, c), T::mul(x1, s)));
                }
                for (int64_t k = vec_end; k < half; ++k)
                    rotate_pair(xh, yh, k, k + half, 1, 1, cos[k], sin[k]);
                int64_t k = 2 * half;
                for (; k + W <= d; k += W) put<kStream>(yh + k, T::loadu(xh + k));
                for (; k < d; ++k) yh[k] = xh[k];
            }
            return;
        }
        for (; i + W <= half; i += W) {
            const V c = T::load(cos + i), s = T::load(sin + i);
            for (int64_t h = 0; h < heads; ++h) {
                const float *xh = x + h * x_sh;
                float *yh = y + h * y_sh;
                const V x1 = T::loadu(xh + i), x2 = T::loadu(xh + half + i);
                put<kStream>(yh + i, T::sub(T::mul(x1, c), T::mul(x2, s)));
                put<kStream>(yh + half + i, T::add(T::mul(x2, c), T::mul(x1, s)));
            }
        }
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t k = i; k < half; ++k) rotate_pair(x + h * x_sh, y + h * y_sh, k, k + half, 1, 1, cos[k], sin[k]);
    }

    // ce/se: the table expanded to rd values (see the top of this file).
    template <bool kStream>
    static void row_interleaved(int64_t heads, int64_t rd, const float *x, int64_t x_sh, float *y, int64_t y_sh,
                                const float *ce, const float *se) {
        int64_t j = 0;
        for (; j + W <= rd; j += W) {
            const V c = T::load(ce + j), s = T::load(se + j);
            for (int64_t h = 0; h < heads; ++h) {
                const V v = T::loadu(x + h * x_sh + j);
                put<kStream>(y + h * y_sh + j, T::add(T::mul(v, c), T::mul(T::swap_pairs(v), s)));
            }
        }
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t k = j; k < rd; k += 2) rotate_pair(x + h * x_sh, y + h * y_sh, k, k + 1, 1, 1, ce[k], se[k + 1]);
    }

    // Whether the output is written with cache-bypassing stores: when it is far
    // larger than the caches (it would be evicted before any use, and a plain
    // store first reads each line: 1.5x the traffic of a copy), and every
    // vector store lands aligned.
    static bool streams(const RopeProblem &p) {
        constexpr int64_t kMinBytes = int64_t(16) << 20;
        const int64_t bytes = p.batch * p.seq * p.heads * p.head_dim * int64_t(sizeof(float));
        const int64_t align = int64_t(W) * int64_t(sizeof(float));
        const int64_t step = p.spec.interleaved ? W : p.spec.rotary_dim / 2;  // offsets the stores land at
        auto aligned = [&](int64_t elems) { return (elems * int64_t(sizeof(float))) % align == 0; };
        return !p.in_place && bytes >= kMinBytes && reinterpret_cast<uintptr_t>(p.out) % uintptr_t(align) == 0 &&
               aligned(p.o_sb) && aligned(p.o_sn) && aligned(p.o_sh) && aligned(step);
    }

    // Rows [row0, row1) of the B·N rows (row = b·N + n).
    static void run_rows(const RopeProblem &p, int64_t row0, int64_t row1) {
        const RopeSpec &s = p.spec;
        const int64_t rd = s.rotary_dim, half = rd / 2, d = p.head_dim;
        const bool contiguous = p.x_sd == 1 && p.o_sd == 1;
        const bool stream = contiguous && streams(p);
        alignas(64) float cos[PMX_MAX_HEAD_DIM / 2], sin[PMX_MAX_HEAD_DIM / 2];
        alignas(64) float ce[PMX_MAX_HEAD_DIM], se[PMX_MAX_HEAD_DIM];
        for (int64_t row = row0; row < row1; ++row) {
            const int64_t b = row / p.seq, n = row % p.seq;
            fill_table(s, p.position(b, n), 1, cos, sin);
            if (contiguous && s.interleaved) {
                for (int64_t i = 0; i < half; ++i) {
                    ce[2 * i] = ce[2 * i + 1] = cos[i];
                    se[2 * i] = -sin[i];
                    se[2 * i + 1] = sin[i];
                }
            }
            const float *xrow = p.x + b * p.x_sb + n * p.x_sn;
            float *yrow = p.out + b * p.o_sb + n * p.o_sn;
            if (!contiguous) {
                for (int64_t h = 0; h < p.heads; ++h)
                    head_strided(s, xrow + h * p.x_sh, yrow + h * p.o_sh, p.x_sd, p.o_sd, cos, sin);
            } else if (s.interleaved) {
                if (stream) row_interleaved<true>(p.heads, rd, xrow, p.x_sh, yrow, p.o_sh, ce, se);
                else row_interleaved<false>(p.heads, rd, xrow, p.x_sh, yrow, p.o_sh, ce, se);
            } else {
                if (stream) row_half<true>(p.heads, half, d, xrow, p.x_sh, yrow, p.o_sh, cos, sin);
                else row_half<false>(p.heads, half, d, xrow, p.x_sh, yrow, p.o_sh, cos, sin);
            }
            if (p.in_place || rd == d || (stream && !s.interleaved)) continue;
            for (int64_t h = 0; h < p.heads; ++h) {
                const float *x = xrow + h * p.x_sh;
                float *y = yrow + h * p.o_sh;
                if (contiguous) std::memcpy(y + rd, x + rd, size_t(d - rd) * sizeof(float));
                else for (int64_t j = rd; j < d; ++j) y[j * p.o_sd] = x[j * p.x_sd];
            }
        }
        if (stream) T::fence();  // the streaming stores are visible before the call returns
    }
};

}  // namespace pmx::rope
