// The checks of test_simd_math, written once on a SIMD traits type and
// compiled in one translation unit per ISA (simd_math_check_*.cpp, with that
// ISA's flags). Each returns its number of failures.
#pragma once

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "common/vec_math.h"

namespace pmx_test {

template <class T, class F>
std::vector<float> apply(const std::vector<float> &x, F f) {
    std::vector<float> y(x.size());
    alignas(64) float lanes[T::W];
    for (size_t i = 0; i < x.size(); i += T::W) {
        for (int l = 0; l < T::W; ++l) lanes[l] = i + l < x.size() ? x[i + l] : 0.f;
        T::store(lanes, f(T::load(lanes)));
        for (int l = 0; l < T::W && i + l < x.size(); ++l) y[i + l] = lanes[l];
    }
    return y;
}

// exp2 and exp against float64 std:: functions: relative error where the
// true result is a normal float, the documented results elsewhere.
template <class T>
int check_simd_math(const char *isa) {
    using V = typename T::V;
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    int failures = 0;
    auto expect = [&](bool ok, const char *what, float x, float got) {
        if (!ok) {
            std::printf("FAIL %s: %s at x = %.9g: got %.9g\n", isa, what, x, got);
            ++failures;
        }
    };

    std::vector<float> x;
    for (int i = -130000; i <= 130000; ++i) x.push_back(float(i) * 0.001f + 0.0003f);  // off the integers
    const std::vector<float> e2 = apply<T>(x, [](V v) { return T::exp2(v); });
    const std::vector<float> e = apply<T>(x, [](V v) { return pmx::simd::exp<T>(v); });
    double worst2 = 0, worst = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        const double want2 = std::exp2(double(x[i])), want = std::exp(double(x[i]));
        if (want2 >= 0x1p-125 && want2 <= 0x1p127) {
            const double rel = std::fabs(e2[i] - want2) / want2;
            worst2 = std::max(worst2, rel);
            expect(rel <= 1.5e-7, "exp2 relative error above 1.5e-7", x[i], e2[i]);
        }
        if (want >= 0x1p-125 && want <= 0x1p127) {
            const double rel = std::fabs(e[i] - want) / want;
            worst = std::max(worst, rel);
            expect(rel <= 2e-7, "exp relative error above 2e-7", x[i], e[i]);
        }
    }
    std::printf("%s: exp2 max rel err %.2e, exp max rel err %.2e over [-130, 130]\n", isa, worst2, worst);

    const std::vector<float> special = {nan, inf, -inf, 200.f, -200.f, 0.f, 1.f, -1.f};
    const std::vector<float> s2 = apply<T>(special, [](V v) { return T::exp2(v); });
    const std::vector<float> se = apply<T>(special, [](V v) { return pmx::simd::exp<T>(v); });
    expect(std::isnan(s2[0]), "exp2(NaN) is NaN", special[0], s2[0]);
    expect(std::isnan(se[0]), "exp(NaN) is NaN", special[0], se[0]);
    expect(s2[1] == inf && se[1] == inf, "exp2(+inf) and exp(+inf) are +inf", special[1], s2[1]);
    expect(s2[2] == 0.f && se[2] == 0.f, "exp2(-inf) and exp(-inf) are 0", special[2], s2[2]);
    expect(s2[3] == inf && se[3] == inf, "exp2(200) and exp(200) overflow to +inf", special[3], s2[3]);
    expect(s2[4] == 0.f && se[4] == 0.f, "exp2(-200) and exp(-200) are exactly 0", special[4], s2[4]);
    expect(s2[5] == 1.f && se[5] == 1.f, "exp2(0) and exp(0) are 1", special[5], s2[5]);
    expect(s2[6] == 2.f && s2[7] == 0.5f, "exp2 of +-1 is exact", special[6], s2[6]);

    // exp2_finite (exp2 without the per-element clamps, for finite arguments):
    // the same accuracy up to 2^127, NaN gives NaN, 0 or +inf
    // far out, and 0 or within a subnormal step of the truth below 2^-126.
    {
        const std::vector<float> ef = apply<T>(x, [](V v) { return T::exp2_finite(v); });
        double worst_f = 0;
        for (size_t i = 0; i < x.size(); ++i) {
            const double want = std::exp2(double(x[i]));
            if (want >= 0x1p-126 && want <= 0x1p127) {
                const double rel = std::fabs(ef[i] - want) / want;
                worst_f = std::max(worst_f, rel);
                expect(rel <= 1.5e-7, "exp2_finite relative error above 1.5e-7", x[i], ef[i]);
            } else if (want < 0x1p-126) {
                expect(ef[i] == 0.f || std::fabs(ef[i] - want) <= 0x1p-149, "exp2_finite below 2^-126: 0 or within 2^-149",
                       x[i], ef[i]);
            } else {  // above 2^127: +inf (exp2 overflows from about 2^127.5) or accurate
                expect(ef[i] == inf || std::fabs(ef[i] - want) / want <= 1.5e-7, "exp2_finite above 2^127", x[i], ef[i]);
            }
        }
        std::printf("%s: exp2_finite max rel err %.2e over [-130, 130]\n", isa, worst_f);
        const std::vector<float> fs = {nan, 1e30f, -1e30f, 200.f, -200.f, 0.f, 1.f, -1.f, 3.f, -0.5f};
        const std::vector<float> f2 = apply<T>(fs, [](V v) { return T::exp2_finite(v); });
        expect(std::isnan(f2[0]), "exp2_finite(NaN) is NaN", fs[0], f2[0]);
        expect(f2[1] == inf && f2[3] == inf, "exp2_finite of 1e30 and 200 is +inf", fs[1], f2[1]);
        expect(f2[2] == 0.f && f2[4] == 0.f, "exp2_finite of -1e30 and -200 is 0", fs[2], f2[2]);
        expect(f2[5] == 1.f && f2[6] == 2.f && f2[7] == 0.5f && f2[8] == 8.f, "exp2_finite of 0, 1, -1, 3 is exact",
               fs[8], f2[8]);
        expect(std::fabs(f2[9] - 0.70710678118654752) <= 1e-7, "exp2_finite(-0.5)", fs[9], f2[9]);
    }

    // erf against float64 over [-6, 6] (absolute error) and its specials.
    {
        std::vector<float> ex;
        for (int i = -60000; i <= 60000; ++i) ex.push_back(float(i) * 0.0001f + 0.000037f);
        for (float v : {0.f, -0.f, 1e-30f, -1e-30f, 30.f, -30.f, inf, -inf, nan}) ex.push_back(v);
        const std::vector<float> er = apply<T>(ex, [](V v) { return pmx::simd::erf<T>(v); });
        double worst_e = 0;
        for (size_t i = 0; i < ex.size(); ++i) {
            if (std::isnan(ex[i])) {
                expect(std::isnan(er[i]), "erf(NaN) is NaN", ex[i], er[i]);
                continue;
            }
            const double err = std::fabs(double(er[i]) - std::erf(double(ex[i])));
            worst_e = std::max(worst_e, err);
            expect(err <= 6e-7, "erf absolute error above 6e-7", ex[i], er[i]);
        }
        std::printf("%s: erf max abs err %.2e over [-6, 6] and specials\n", isa, worst_e);
    }

    // Lane masks: lanes below t take the other operand.
    for (int t = -1; t <= T::W + 1; ++t) {
        alignas(64) float a[T::W], out[T::W];
        for (int l = 0; l < T::W; ++l) a[l] = float(l + 1);
        T::store(out, T::fmadd_lanes_from(T::load(a), T::set1(2.f), T::set1(0.5f), t));
        for (int l = 0; l < T::W; ++l)
            expect(out[l] == (l < t ? 0.5f : 2.f * float(l + 1) + 0.5f), "fmadd_lanes_from", float(t), out[l]);
        T::store(out, T::mask_lanes_below(T::load(a), t, T::set1(-inf)));
        for (int l = 0; l < T::W; ++l)
            expect(out[l] == (l < t ? -inf : float(l + 1)), "mask_lanes_below", float(t), out[l]);
    }
    // Bit-selected lanes (bit l = lane l) and tanh.
    for (uint32_t bits : {0u, 1u, 0x5u, 0xA5u, (1u << T::W) - 1u, 0x8001u & ((1u << T::W) - 1u)}) {
        alignas(64) float a[T::W], out[T::W];
        for (int l = 0; l < T::W; ++l) a[l] = float(l + 1);
        T::store(out, T::select_bits(T::load(a), bits, T::set1(-inf)));
        for (int l = 0; l < T::W; ++l)
            expect(out[l] == ((bits >> l) & 1u ? float(l + 1) : -inf), "select_bits", float(bits), out[l]);
        T::store(out, T::fmadd_bits(T::load(a), T::set1(2.f), T::set1(0.5f), bits));
        for (int l = 0; l < T::W; ++l)
            expect(out[l] == ((bits >> l) & 1u ? 2.f * float(l + 1) + 0.5f : 0.5f), "fmadd_bits", float(bits), out[l]);
    }
    std::vector<float> tx;
    for (int i = -40000; i <= 40000; ++i) tx.push_back(float(i) * 0.0005f + 0.00003f);
    for (float s : {0.f, -0.f, 1e-30f, -1e-30f, 1e-8f, 88.f, -88.f, 1e30f, -1e30f, inf, -inf, nan}) tx.push_back(s);
    const std::vector<float> th = apply<T>(tx, [](V v) { return pmx::simd::tanh<T>(v); });
    double worst_t = 0;
    for (size_t i = 0; i < tx.size(); ++i) {
        if (std::isnan(tx[i])) {
            expect(std::isnan(th[i]), "tanh(NaN) is NaN", tx[i], th[i]);
            continue;
        }
        const double err = std::fabs(double(th[i]) - std::tanh(double(tx[i])));
        worst_t = std::max(worst_t, err);
        expect(err <= 3e-7, "tanh absolute error above 3e-7", tx[i], th[i]);
        expect(std::signbit(th[i]) == std::signbit(tx[i]) || th[i] == 0.f, "tanh keeps the sign", tx[i], th[i]);
    }
    std::printf("%s: tanh max abs err %.2e over [-20, 20] and specials\n", isa, worst_t);
    // silu and softplus against float64 over [-100, 100] and specials:
    // relative error (softplus is never below e^-100 there; silu from -87 on,
    // and about 0 below, where e^-x overflows).
    {
        std::vector<float> sx;
        for (int i = -100000; i <= 100000; ++i) sx.push_back(float(i) * 0.001f + 0.00031f);
        for (float v : {0.f, -0.f, 1e-30f, -1e-30f, 1e-7f, -1e-7f}) sx.push_back(v);
        const std::vector<float> si = apply<T>(sx, [](V v) { return pmx::simd::silu<T>(v); });
        const std::vector<float> sp = apply<T>(sx, [](V v) { return pmx::simd::softplus<T>(v); });
        double worst_si = 0, worst_sp = 0;
        for (size_t i = 0; i < sx.size(); ++i) {
            const double x = sx[i];
            const double want_si = x / (1.0 + std::exp(-x));
            const double want_sp = x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
            if (want_si == 0.0) {
                expect(si[i] == 0.f, "silu(0) is 0", sx[i], si[i]);
            } else if (x >= -87.0) {
                const double rel = std::fabs(si[i] - want_si) / std::fabs(want_si);
                worst_si = std::max(worst_si, rel);
                expect(rel <= 1e-6, "silu relative error above 1e-6", sx[i], si[i]);
            } else {
                // Where e^-x overflows the result is -0 (documented); |true| < 1e-35.
                const double rel = std::fabs(si[i] - want_si) / std::fabs(want_si);
                expect((si[i] == 0.f && std::fabs(want_si) < 1e-35) || rel <= 1e-6,
                       "silu below -87: -0 or within 1e-6", sx[i], si[i]);
            }
            if (want_sp >= 0x1p-125) {
                const double rel = std::fabs(sp[i] - want_sp) / want_sp;
                worst_sp = std::max(worst_sp, rel);
                expect(rel <= 1e-6, "softplus relative error above 1e-6", sx[i], sp[i]);
            }
        }
        const std::vector<float> specials = {nan, inf, -inf};
        const std::vector<float> si_s = apply<T>(specials, [](V v) { return pmx::simd::silu<T>(v); });
        const std::vector<float> sp_s = apply<T>(specials, [](V v) { return pmx::simd::softplus<T>(v); });
        expect(std::isnan(si_s[0]), "silu(NaN) is NaN", nan, si_s[0]);
        expect(std::isnan(sp_s[0]), "softplus(NaN) is NaN", nan, sp_s[0]);
        expect(sp_s[1] == inf, "softplus(inf) is inf", inf, sp_s[1]);
        expect(sp_s[2] == 0.f, "softplus(-inf) is 0", -inf, sp_s[2]);
        std::printf("%s: silu max rel err %.2e, softplus max rel err %.2e over [-100, 100]\n", isa, worst_si, worst_sp);
    }
    // transpose: a W x W tile between strided, unaligned rows; the elements
    // around the destination tile stay untouched.
    {
        constexpr int W = T::W;
        const int64_t ss = W + 3, ds = W + 5;
        std::vector<float> src(size_t(W * ss + 1)), dst(size_t(W * ds + 2), -7.f);
        for (size_t i = 0; i < src.size(); ++i) src[i] = float(i) * 0.25f - 3.f;
        T::transpose(src.data() + 1, ss, dst.data() + 1, ds);
        for (int64_t r = 0; r < W; ++r)
            for (int64_t c = 0; c < ds; ++c) {
                const float got = dst[size_t(1 + r * ds + c)];
                const float want = c < W ? src[size_t(1 + c * ss + r)] : -7.f;
                expect(got == want, "transpose", float(r * 100 + c), got);
            }
        expect(dst[0] == -7.f && dst.back() == -7.f, "transpose writes outside its tile", 0.f, dst[0]);
    }
    return failures;
}

}  // namespace pmx_test
