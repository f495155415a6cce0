// Vector math written once on any SIMD traits type (common/simd_*.h), for
// every kernel: include it after the traits header of the translation unit.
#pragma once

#include "common/exp2_poly.h"
#include "common/inline.h"

namespace pmx::simd {

// e^x with a relative error below 2e-7 (test_simd_math) where the result is
// a normal float. NaN gives NaN, +inf (and anything from about 88.4) +inf, -inf (and
// anything below about -87.7) exactly 0. Cody-Waite: x = n·ln2 + r with n an
// integer and |r| <= ln2/2, then e^x = 2^(r·log2 e) · 2^n; kLn2Hi has few
// enough bits that n·kLn2Hi is exact, so r is accurate even where the
// traits' fmadd is not fused.
template <class T>
PMX_INLINE typename T::V exp(typename T::V x) {
    using V = typename T::V;
    constexpr float kLog2e = 1.44269504088896341f;
    constexpr float kLn2Hi = 0.693359375f;
    constexpr float kLn2Lo = -2.12194440e-4f;
    // Clamped so that inf never meets inf below; a NaN passes (min/max return
    // their second operand when one is NaN).
    x = T::min(T::set1(89.f), T::max(T::set1(-104.f), x));
    const V n = T::round(T::mul(x, T::set1(kLog2e)));
    V r = T::fmadd(n, T::set1(-kLn2Hi), x);
    r = T::fmadd(n, T::set1(-kLn2Lo), r);
    // 2^f on |f| <= 0.5 (one polynomial), then times 2^n from its bits.
    const V f = T::mul(r, T::set1(kLog2e));
    V p = T::set1(kExp2C6);
    p = T::fmadd(p, f, T::set1(kExp2C5));
    p = T::fmadd(p, f, T::set1(kExp2C4));
    p = T::fmadd(p, f, T::set1(kExp2C3));
    p = T::fmadd(p, f, T::set1(kExp2C2));
    p = T::fmadd(p, f, T::set1(kExp2C1));
    p = T::fmadd(p, f, T::set1(kExp2C0));
    return T::pow2_scale(p, n);
}

// tanh(x) with an absolute error below 3e-7 (test_simd_math): with
// e = e^(-2|x|) in (0, 1], tanh|x| = (1 - e) / (1 + e), sign restored. Used
// for softcapping scores, where the error that matters is absolute. NaN gives
// NaN, +-inf gives +-1.
template <class T>
PMX_INLINE typename T::V tanh(typename T::V x) {
    using V = typename T::V;
    const V ax = T::abs(x);
    const V e = exp<T>(T::mul(ax, T::set1(-2.f)));
    const V one = T::set1(1.f);
    const V t = T::div(T::sub(one, e), T::add(one, e));
    return T::copysign(t, x);
}

// x·sigmoid(x) = x · 1/(1 + e^(-x)) (SiLU, Swish; the reciprocal from the
// traits' recip, not a division), relative error below 1e-6
// (test_simd_math). e^(-x) overflows to +inf for x below about -88 and gives
// -0 there, as the float64 form rounds to; NaN gives NaN.
template <class T>
PMX_INLINE typename T::V silu(typename T::V x) {
    const typename T::V one = T::set1(1.f);
    return T::mul(x, T::recip(T::add(one, exp<T>(T::sub(T::zero(), x)))));
}

// softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^(-|x|)), relative error
// below 1e-6 (test_simd_math). log1p(e) for e in [0, 1] is e·P(e), P a
// degree-8 polynomial fitted to log1p(e)/e on [0, 1] (relative error 4e-8
// in exact arithmetic, 2e-7 evaluated in float): no division, and small e
// keep their relative accuracy. NaN gives NaN; +inf gives +inf.
template <class T>
PMX_INLINE typename T::V softplus(typename T::V x) {
    using V = typename T::V;
    const V e = exp<T>(T::sub(T::zero(), T::abs(x)));
    V p = T::set1(0.00538396742f);
    p = T::fmadd(p, e, T::set1(-0.0301105920f));
    p = T::fmadd(p, e, T::set1(0.0792101473f));
    p = T::fmadd(p, e, T::set1(-0.137465730f));
    p = T::fmadd(p, e, T::set1(0.191450939f));
    p = T::fmadd(p, e, T::set1(-0.248529404f));
    p = T::fmadd(p, e, T::set1(0.333203435f));
    p = T::fmadd(p, e, T::set1(-0.499995530f));
    p = T::fmadd(p, e, T::set1(1.f));
    // max(0, x) keeps a NaN x (max returns its second operand on NaN).
    return T::fmadd(e, p, T::max(T::zero(), x));
}

// erf(x) with an absolute error below 6e-7 (test_simd_math: 5.2e-7 at most,
// near |x| = 0.27): Abramowitz and Stegun 7.1.26 (1.5e-7 in exact
// arithmetic), erf|x| = 1 - t·P5(t)·e^(-x²) with t = 1/(1 + 0.3275911|x|),
// sign restored; the rest is float rounding in 1 - t·P5·e where the product
// is near 0.7. For the exact GELU, x·(1 + erf(x/√2))/2, whose relative error
// this keeps below about 6e-7. NaN gives NaN, +-inf gives +-1.
template <class T>
PMX_INLINE typename T::V erf(typename T::V x) {
    using V = typename T::V;
    // erf is 1 in float from about 4; 10 keeps t·e finite for +-inf. A NaN
    // passes (min returns its second operand when one is NaN).
    const V ax = T::min(T::set1(10.f), T::abs(x));
    const V one = T::set1(1.f);
    const V t = T::recip(T::fmadd(ax, T::set1(0.3275911f), one));
    V p = T::set1(1.061405429f);
    p = T::fmadd(p, t, T::set1(-1.453152027f));
    p = T::fmadd(p, t, T::set1(1.421413741f));
    p = T::fmadd(p, t, T::set1(-0.284496736f));
    p = T::fmadd(p, t, T::set1(0.254829592f));
    const V e = exp<T>(T::mul(T::sub(T::zero(), ax), ax));
    return T::copysign(T::sub(one, T::mul(T::mul(p, t), e)), x);
}

}  // namespace pmx::simd
