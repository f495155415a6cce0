// SIMD traits for AVX-512 F/BW/VL/DQ (16 float lanes). Include only from a
// *_avx512.cpp translation unit (the build compiles those with -mavx512*).
// Anonymous namespace on purpose: see simd_portable.h.
#pragma once

#if !defined(__AVX512F__) || !defined(__AVX512DQ__) || !defined(__FMA__)
#error "simd_avx512.h needs -mavx512f -mavx512dq -mfma: include it only from *_avx512.cpp files"
#endif

#include <immintrin.h>

#include <cstdint>

// GCC 12's own avx512fintrin.h seeds the pass-through operand of unmasked
// intrinsics with _mm512_undefined_ps(), which -Wall reports as uninitialised
// wherever they are inlined (a known false positive, GCC PR 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "common/exp2_poly.h"
#include "common/inline.h"

namespace pmx::simd {
namespace {

struct Avx512 {
    using V = __m512;
    static constexpr int W = 16;  // lanes

    static PMX_INLINE V load(const float *p) { return _mm512_load_ps(p); }
    static PMX_INLINE void store(float *p, V v) { _mm512_store_ps(p, v); }
    static PMX_INLINE V loadu(const float *p) { return _mm512_loadu_ps(p); }
    static PMX_INLINE void storeu(float *p, V v) { _mm512_storeu_ps(p, v); }
    // A store that bypasses the caches (p 64-byte aligned: whole lines, no
    // read for ownership), and the fence that orders such stores.
    static constexpr bool kHasStream = true;
    static PMX_INLINE void stream(float *p, V v) { _mm512_stream_ps(p, v); }
    static PMX_INLINE void fence() { _mm_sfence(); }
    // A broadcast the compiler folds into an FMA as an embedded {1to16} operand.
    static PMX_INLINE V bcast(const float *p) { return _mm512_set1_ps(*p); }
    static PMX_INLINE V set1(float x) { return _mm512_set1_ps(x); }
    static PMX_INLINE V zero() { return _mm512_setzero_ps(); }
    static PMX_INLINE V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    static PMX_INLINE V add(V a, V b) { return _mm512_add_ps(a, b); }
    static PMX_INLINE V sub(V a, V b) { return _mm512_sub_ps(a, b); }
    static PMX_INLINE V mul(V a, V b) { return _mm512_mul_ps(a, b); }
    // max/min return b when either is NaN (so max(c, x) keeps a NaN x).
    static PMX_INLINE V max(V a, V b) { return _mm512_max_ps(a, b); }
    static PMX_INLINE V min(V a, V b) { return _mm512_min_ps(a, b); }
    static PMX_INLINE V round(V x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

    static PMX_INLINE V zero_if_neg_inf(V m) {
        const __mmask16 inf = _mm512_cmp_ps_mask(m, _mm512_set1_ps(-__builtin_inff()), _CMP_EQ_OQ);
        return _mm512_mask_mov_ps(m, inf, _mm512_setzero_ps());
    }

    // Lanes below t get `fill`.
    static PMX_INLINE V mask_lanes_below(V s, int64_t t, V fill) {
        if (t <= 0) return s;
        const __mmask16 k = t >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << t) - 1u);
        return _mm512_mask_mov_ps(s, k, fill);
    }

    // c + a·b in lanes t and up; lanes below t keep c.
    static PMX_INLINE V fmadd_lanes_from(V a, V b, V c, int64_t t) {
        const __mmask16 from = t <= 0 ? __mmask16(0xFFFF) : t >= 16 ? __mmask16(0) : __mmask16(0xFFFFu << t);
        return _mm512_mask3_fmadd_ps(a, b, c, from);
    }

    static PMX_INLINE V div(V a, V b) { return _mm512_div_ps(a, b); }
    // 1/b to about 2^-27 relative (vrcp14ps and one Newton step): cheaper
    // than a division where correct rounding is not needed. ±0, ±inf and NaN
    // give what 1/b gives (the Newton step would make NaN of the infinities).
    static PMX_INLINE V recip(V b) {
        const V r = _mm512_rcp14_ps(b);
        // r·(2 - b·r); at b = inf or 0 the correction is NaN, so those keep r.
        const V e = _mm512_fnmadd_ps(b, r, _mm512_set1_ps(1.f));
        const V n = _mm512_fmadd_ps(r, e, r);
        const __mmask16 special = _mm512_fpclass_ps_mask(b, 0x9F);  // NaN, ±0, ±inf
        return _mm512_mask_mov_ps(n, special, r);
    }
    static PMX_INLINE V abs(V x) { return _mm512_abs_ps(x); }
    // |mag| with the sign of `sign` (mag must be >= 0 or -0).
    static PMX_INLINE V copysign(V mag, V sign) {
        return _mm512_or_ps(mag, _mm512_and_ps(sign, _mm512_set1_ps(-0.f)));
    }

    // Lane l keeps s where bit l of `bits` is set, else takes `fill`.
    static PMX_INLINE V select_bits(V s, uint32_t bits, V fill) {
        return _mm512_mask_mov_ps(fill, __mmask16(bits), s);
    }

    // c + a·b in the lanes whose bit is set; the others keep c.
    static PMX_INLINE V fmadd_bits(V a, V b, V c, uint32_t bits) {
        return _mm512_mask3_fmadd_ps(a, b, c, __mmask16(bits));
    }

    // 2^x: round to nearest, polynomial on [-0.5, 0.5], then vscalefps.
    // Inputs below -126 (and -inf) give exactly 0, which also keeps
    // subnormals out of the products that follow; NaN gives NaN (the compare
    // is unordered-true); +inf is clamped to 128 (min returns its second
    // operand, x, when x is NaN) so that it gives +inf, not inf - inf.
    static PMX_INLINE V exp2(V x) {
        x = _mm512_min_ps(_mm512_set1_ps(128.f), x);
        const __mmask16 ok = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-126.f), _CMP_NLT_UQ);
        const V n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const V f = _mm512_sub_ps(x, n);
        V p = _mm512_set1_ps(kExp2C6);
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExp2C5));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExp2C4));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExp2C3));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExp2C2));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExp2C1));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExp2C0));
        return _mm512_maskz_scalef_ps(ok, p, n);
    }

    // 2^x without exp2's per-element clamps, for callers that bound their
    // arguments once (the selective scan, per token rather than per state):
    // x finite or NaN. NaN gives NaN, x >= 128 +inf, x < -126 a subnormal or
    // 0 (not exactly 0 as exp2 gives); relative error about 1.1e-7 elsewhere.
    // Table form: x + 1.5·2^19 rounds x to sixteenths and leaves j (the
    // sixteenths mod 16) in the low mantissa bits, which vpermps reads as the
    // table index; vscalefps then applies 2^floor(k + j/16) = 2^k. Two FMA-port
    // operations fewer than exp2, which is what the scan is bound by.
    static PMX_INLINE V exp2_finite(V x) {
        const V shift = _mm512_set1_ps(0x1.8p19f);
        const V t = _mm512_add_ps(x, shift);
        const V r = _mm512_sub_ps(t, shift);
        const V f = _mm512_sub_ps(x, r);
        V q = _mm512_fmadd_ps(_mm512_set1_ps(kExp2T3), f, _mm512_set1_ps(kExp2T2));
        q = _mm512_fmadd_ps(q, f, _mm512_set1_ps(kExp2T1));
        const V tj = _mm512_permutexvar_ps(_mm512_castps_si512(t), _mm512_load_ps(kExp2Sixteenths));
        return _mm512_scalef_ps(_mm512_fmadd_ps(_mm512_mul_ps(q, f), tj, tj), r);
    }

    // p·2^n for integer-valued n in [-150, 128] (vscalefps); exactly 0 where
    // n < -126, as exp2 gives; NaN in p or n gives NaN. For exp's split form.
    static PMX_INLINE V pow2_scale(V p, V n) {
        const __mmask16 ok = _mm512_cmp_ps_mask(n, _mm512_set1_ps(-126.f), _CMP_NLT_UQ);
        return _mm512_maskz_scalef_ps(ok, p, n);
    }

    // dst[c·ds + r] = src[r·ss + c] for r, c < 16 (a 16 x 16 tile, unaligned):
    // the fused kernels' Qᵀ packing and output transposes.
    static PMX_INLINE void transpose(const float *src, int64_t ss, float *dst, int64_t ds) {
        __m512 r[16], t[16];
        for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * ss);
        for (int i = 0; i < 16; i += 2) {
            t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
            t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
        }
        for (int i = 0; i < 16; i += 4) {
            r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
            r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
            r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
            r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
        }
        // r[4g + k] holds, in each 128-bit lane L, column 4L + k of rows 4g .. 4g + 3.
        for (int k = 0; k < 4; ++k) {
            const __m512 a = _mm512_shuffle_f32x4(r[k], r[4 + k], _MM_SHUFFLE(2, 0, 2, 0));
            const __m512 b = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], _MM_SHUFFLE(2, 0, 2, 0));
            const __m512 c = _mm512_shuffle_f32x4(r[k], r[4 + k], _MM_SHUFFLE(3, 1, 3, 1));
            const __m512 e = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], _MM_SHUFFLE(3, 1, 3, 1));
            // columns k, 8 + k (from lanes 0, 2) and 4 + k, 12 + k (lanes 1, 3)
            t[k] = _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(2, 0, 2, 0));
            t[8 + k] = _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 1, 3, 1));
            t[4 + k] = _mm512_shuffle_f32x4(c, e, _MM_SHUFFLE(2, 0, 2, 0));
            t[12 + k] = _mm512_shuffle_f32x4(c, e, _MM_SHUFFLE(3, 1, 3, 1));
        }
        for (int i = 0; i < 16; ++i) _mm512_storeu_ps(dst + i * ds, t[i]);
    }
};

}  // namespace
}  // namespace pmx::simd
