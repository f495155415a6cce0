// SIMD traits in plain C++ on an 8-lane array type: for CPUs without AVX2,
// and the reference path of the vector kernels. Include only from a
// *_portable.cpp translation unit (compiled without ISA flags).
//
// The traits live in an anonymous namespace: each translation unit gets its
// own copy, compiled with its own flags, so the linker can never hand code
// of one ISA to a caller built for another.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "common/exp2_poly.h"
#include "common/inline.h"

namespace pmx::simd {
namespace {

struct Portable {
    struct V {
        float x[8];
    };
    static constexpr int W = 8;  // lanes

    static PMX_INLINE V load(const float *p) {
        V v;
        std::memcpy(v.x, p, sizeof v.x);
        return v;
    }
    static PMX_INLINE void store(float *p, const V &v) { std::memcpy(p, v.x, sizeof v.x); }
    static PMX_INLINE V loadu(const float *p) { return load(p); }
    static PMX_INLINE void storeu(float *p, const V &v) { store(p, v); }
    // No cache-bypassing store in portable C++: plain stores only.
    static constexpr bool kHasStream = false;
    static PMX_INLINE void stream(float *p, const V &v) { store(p, v); }
    static PMX_INLINE void fence() {}
    static PMX_INLINE V set1(float a) {
        V v;
        for (int i = 0; i < W; ++i) v.x[i] = a;
        return v;
    }
    static PMX_INLINE V bcast(const float *p) { return set1(*p); }
    static PMX_INLINE V zero() { return set1(0.f); }
    // a*b + c without contraction guarantees; the compiler may or may not fuse.
    static PMX_INLINE V fmadd(const V &a, const V &b, const V &c) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = a.x[i] * b.x[i] + c.x[i];
        return r;
    }
    static PMX_INLINE V add(const V &a, const V &b) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = a.x[i] + b.x[i];
        return r;
    }
    static PMX_INLINE V sub(const V &a, const V &b) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = a.x[i] - b.x[i];
        return r;
    }
    static PMX_INLINE V mul(const V &a, const V &b) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = a.x[i] * b.x[i];
        return r;
    }
    // max/min return b when either is NaN, like the x86 instructions.
    static PMX_INLINE V max(const V &a, const V &b) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = a.x[i] > b.x[i] ? a.x[i] : b.x[i];
        return r;
    }
    static PMX_INLINE V min(const V &a, const V &b) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = a.x[i] < b.x[i] ? a.x[i] : b.x[i];
        return r;
    }
    static PMX_INLINE V round(const V &a) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = std::nearbyint(a.x[i]);
        return r;
    }
    static PMX_INLINE V zero_if_neg_inf(const V &m) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = std::isinf(m.x[i]) && m.x[i] < 0.f ? 0.f : m.x[i];
        return r;
    }
    // Lanes below t get `fill`.
    static PMX_INLINE V mask_lanes_below(const V &s, int64_t t, const V &fill) {
        V r = s;
        for (int i = 0; i < W; ++i)
            if (i < t) r.x[i] = fill.x[i];
        return r;
    }
    // c + a·b in lanes t and up; lanes below t keep c.
    static PMX_INLINE V fmadd_lanes_from(const V &a, const V &b, const V &c, int64_t t) {
        V r = fmadd(a, b, c);
        for (int i = 0; i < W; ++i)
            if (i < t) r.x[i] = c.x[i];
        return r;
    }
    // 1/b (the vector paths approximate it to about 2^-22 and better).
    static PMX_INLINE V recip(const V &b) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = 1.f / b.x[i];
        return r;
    }
    static PMX_INLINE V div(const V &a, const V &b) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = a.x[i] / b.x[i];
        return r;
    }
    static PMX_INLINE V abs(const V &a) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = std::fabs(a.x[i]);
        return r;
    }
    // |mag| with the sign of `sign` (mag must be >= 0 or -0).
    static PMX_INLINE V copysign(const V &mag, const V &sign) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = std::copysign(mag.x[i], sign.x[i]);
        return r;
    }
    // Lane l keeps s where bit l of `bits` is set, else takes `fill`.
    static PMX_INLINE V select_bits(const V &s, uint32_t bits, const V &fill) {
        V r;
        for (int i = 0; i < W; ++i) r.x[i] = (bits >> i) & 1u ? s.x[i] : fill.x[i];
        return r;
    }
    // c + a·b in the lanes whose bit is set; the others keep c.
    static PMX_INLINE V fmadd_bits(const V &a, const V &b, const V &c, uint32_t bits) {
        V r = fmadd(a, b, c);
        for (int i = 0; i < W; ++i)
            if (!((bits >> i) & 1u)) r.x[i] = c.x[i];
        return r;
    }
    // Same scheme as the AVX2 traits: clamp to [-127, 128], round, polynomial,
    // build 2^n from bits; below about -126.5 (and -inf) gives exactly 0,
    // from about 127.5 up +inf, NaN gives NaN.
    static PMX_INLINE V exp2(const V &xv) {
        V r;
        for (int i = 0; i < W; ++i) {
            float x = xv.x[i];
            if (x != x) {
                r.x[i] = x;
                continue;
            }
            if (x < -127.f) x = -127.f;
            if (x > 128.f) x = 128.f;
            const float n = std::nearbyint(x);
            const float f = x - n;
            float p = kExp2C6;
            p = p * f + kExp2C5;
            p = p * f + kExp2C4;
            p = p * f + kExp2C3;
            p = p * f + kExp2C2;
            p = p * f + kExp2C1;
            p = p * f + kExp2C0;
            const uint32_t bits = uint32_t(int32_t(n) + 127) << 23;
            float scale;
            std::memcpy(&scale, &bits, sizeof scale);
            r.x[i] = p * scale;
        }
        return r;
    }

    // exp2 for callers that bound their arguments (see the AVX-512 traits);
    // here exp2 itself: its clamps are what build 2^n from bits.
    static PMX_INLINE V exp2_finite(const V &x) { return exp2(x); }

    // p·2^n for integer-valued n in [-150, 128] (n = 128 makes +inf); exactly
    // 0 where n < -126, as exp2 gives; NaN gives NaN.
    static PMX_INLINE V pow2_scale(const V &p, const V &n) {
        V r;
        for (int i = 0; i < W; ++i) {
            const float ni = n.x[i];
            if (ni != ni || p.x[i] != p.x[i]) {
                r.x[i] = p.x[i] + ni;  // NaN
                continue;
            }
            if (ni < -126.f) {
                r.x[i] = 0.f;
                continue;
            }
            const uint32_t bits = uint32_t(int32_t(ni) + 127) << 23;
            float scale;
            std::memcpy(&scale, &bits, sizeof scale);
            r.x[i] = p.x[i] * scale;
        }
        return r;
    }

    // dst[c·ds + r] = src[r·ss + c] for r, c < W.
    static PMX_INLINE void transpose(const float *src, int64_t ss, float *dst, int64_t ds) {
        for (int r = 0; r < W; ++r)
            for (int c = 0; c < W; ++c) dst[c * ds + r] = src[r * ss + c];
    }
};

}  // namespace
}  // namespace pmx::simd
