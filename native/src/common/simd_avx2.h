// SIMD traits for AVX2 + FMA (8 float lanes). Include only from a *_avx2.cpp
// translation unit (the build compiles those with -mavx2 -mfma).
// Anonymous namespace on purpose: see simd_portable.h.
#pragma once

#if !defined(__AVX2__) || !defined(__FMA__)
#error "simd_avx2.h needs -mavx2 -mfma: include it only from *_avx2.cpp files"
#endif

#include <immintrin.h>

#include <cstdint>

#include "common/exp2_poly.h"
#include "common/inline.h"

namespace pmx::simd {
namespace {

struct Avx2 {
    using V = __m256;
    static constexpr int W = 8;  // lanes

    static PMX_INLINE V load(const float *p) { return _mm256_load_ps(p); }
    static PMX_INLINE void store(float *p, V v) { _mm256_store_ps(p, v); }
    static PMX_INLINE V loadu(const float *p) { return _mm256_loadu_ps(p); }
    static PMX_INLINE void storeu(float *p, V v) { _mm256_storeu_ps(p, v); }
    // A store that bypasses the caches (p 32-byte aligned), and the fence
    // that orders such stores.
    static constexpr bool kHasStream = true;
    static PMX_INLINE void stream(float *p, V v) { _mm256_stream_ps(p, v); }
    static PMX_INLINE void fence() { _mm_sfence(); }
    static PMX_INLINE V bcast(const float *p) { return _mm256_broadcast_ss(p); }
    static PMX_INLINE V set1(float x) { return _mm256_set1_ps(x); }
    static PMX_INLINE V zero() { return _mm256_setzero_ps(); }
    static PMX_INLINE V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    static PMX_INLINE V add(V a, V b) { return _mm256_add_ps(a, b); }
    static PMX_INLINE V sub(V a, V b) { return _mm256_sub_ps(a, b); }
    static PMX_INLINE V mul(V a, V b) { return _mm256_mul_ps(a, b); }
    // max/min return b when either is NaN (so max(c, x) keeps a NaN x).
    static PMX_INLINE V max(V a, V b) { return _mm256_max_ps(a, b); }
    static PMX_INLINE V min(V a, V b) { return _mm256_min_ps(a, b); }
    static PMX_INLINE V round(V x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

    static PMX_INLINE V zero_if_neg_inf(V m) {
        const V inf = _mm256_cmp_ps(m, _mm256_set1_ps(-__builtin_inff()), _CMP_EQ_OQ);
        return _mm256_andnot_ps(inf, m);
    }

    // Lanes below t get `fill`.
    static PMX_INLINE V mask_lanes_below(V s, int64_t t, V fill) {
        if (t <= 0) return s;
        if (t >= 8) return fill;
        const V lane = _mm256_setr_ps(0.f, 1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f);
        const V below = _mm256_cmp_ps(lane, _mm256_set1_ps(float(t)), _CMP_LT_OQ);
        return _mm256_blendv_ps(s, fill, below);
    }

    // c + a·b in lanes t and up; lanes below t keep c.
    static PMX_INLINE V fmadd_lanes_from(V a, V b, V c, int64_t t) {
        const V r = _mm256_fmadd_ps(a, b, c);
        if (t <= 0) return r;
        if (t >= 8) return c;
        const V lane = _mm256_setr_ps(0.f, 1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f);
        return _mm256_blendv_ps(r, c, _mm256_cmp_ps(lane, _mm256_set1_ps(float(t)), _CMP_LT_OQ));
    }

    // 1/b to about 2^-22 relative (vrcpps and one Newton step): cheaper than
    // a division where correct rounding is not needed. +-inf give +-0 and
    // NaN gives NaN as 1/b does; b must not be 0 or subnormal (vrcpps gives
    // inf there, and the Newton step NaN).
    static PMX_INLINE V recip(V b) {
        const V r = _mm256_rcp_ps(b);
        const V e = _mm256_fnmadd_ps(b, r, _mm256_set1_ps(1.f));
        const V n = _mm256_fmadd_ps(r, e, r);
        const V inf = _mm256_cmp_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.f), b), _mm256_set1_ps(__builtin_inff()),
                                    _CMP_EQ_OQ);
        return _mm256_blendv_ps(n, r, inf);
    }
    static PMX_INLINE V div(V a, V b) { return _mm256_div_ps(a, b); }
    static PMX_INLINE V abs(V x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.f), x); }
    // |mag| with the sign of `sign` (mag must be >= 0 or -0).
    static PMX_INLINE V copysign(V mag, V sign) {
        return _mm256_or_ps(mag, _mm256_and_ps(sign, _mm256_set1_ps(-0.f)));
    }

    // All-ones in lane l iff bit l of `bits` is set.
    static PMX_INLINE V bits_mask(uint32_t bits) {
        const __m256i lane_bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
        const __m256i sel = _mm256_and_si256(_mm256_set1_epi32(int(bits)), lane_bit);
        return _mm256_castsi256_ps(_mm256_cmpeq_epi32(sel, lane_bit));
    }

    // Lane l keeps s where bit l of `bits` is set, else takes `fill`.
    static PMX_INLINE V select_bits(V s, uint32_t bits, V fill) { return _mm256_blendv_ps(fill, s, bits_mask(bits)); }

    // c + a·b in the lanes whose bit is set; the others keep c.
    static PMX_INLINE V fmadd_bits(V a, V b, V c, uint32_t bits) {
        return _mm256_blendv_ps(c, _mm256_fmadd_ps(a, b, c), bits_mask(bits));
    }

    // 2^x. Clamping to [-127, 128] makes the biased exponent 0 (result
    // exactly 0: -inf and anything below about -126.5) or 255 (+inf: from
    // about 127.5 up). A NaN passes the clamps (max/min return their second
    // operand when one is NaN) and gives NaN. Adding 1.5·2^23 + 127 rounds x
    // to an integer n and leaves n + 127 in the low mantissa bits, which a
    // shift turns into 2^n.
    static PMX_INLINE V exp2(V x) {
        const V magic = _mm256_set1_ps(12582912.f + 127.f);
        x = _mm256_min_ps(_mm256_set1_ps(128.f), _mm256_max_ps(_mm256_set1_ps(-127.f), x));
        const V t = _mm256_add_ps(x, magic);
        const V n = _mm256_sub_ps(t, magic);
        const V f = _mm256_sub_ps(x, n);
        V p = _mm256_set1_ps(kExp2C6);
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExp2C5));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExp2C4));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExp2C3));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExp2C2));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExp2C1));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExp2C0));
        const V scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23));
        return _mm256_mul_ps(p, scale);
    }

    // exp2 for callers that bound their arguments (see the AVX-512 traits);
    // here exp2 itself: its clamps are what build 2^n from bits.
    static PMX_INLINE V exp2_finite(V x) { return exp2(x); }

    // p·2^n for integer-valued n in [-150, 128]: 2^n built from bits (n = 128
    // makes +inf); exactly 0 where n < -126, as exp2 gives; NaN gives NaN.
    static PMX_INLINE V pow2_scale(V p, V n) {
        const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
        const V scaled = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
        const V ok = _mm256_cmp_ps(n, _mm256_set1_ps(-126.f), _CMP_NLT_UQ);
        return _mm256_and_ps(scaled, ok);
    }

    // dst[c·ds + r] = src[r·ss + c] for r, c < 8 (an 8 x 8 tile, unaligned):
    // the fused kernels' Qᵀ packing and output transposes.
    static PMX_INLINE void transpose(const float *src, int64_t ss, float *dst, int64_t ds) {
        __m256 r[8], t[8];
        for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * ss);
        for (int i = 0; i < 8; i += 2) {
            t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
            t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
        }
        for (int i = 0; i < 8; i += 4) {
            r[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
            r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
            r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
            r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
        }
        // r[4g + k] holds, in 128-bit lane L, column 4L + k of rows 4g .. 4g + 3.
        for (int k = 0; k < 4; ++k) {
            t[k] = _mm256_permute2f128_ps(r[k], r[4 + k], 0x20);
            t[4 + k] = _mm256_permute2f128_ps(r[k], r[4 + k], 0x31);
        }
        for (int i = 0; i < 8; ++i) _mm256_storeu_ps(dst + i * ds, t[i]);
    }
};

}  // namespace
}  // namespace pmx::simd
