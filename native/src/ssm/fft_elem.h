// The channel-batched complex FFT on "elements" (ssm/fft_plan.h: 32 floats,
// re[16] then im[16], one channel per lane), written once against a SIMD
// traits type (common/simd_*.h). Every operation is lane-wise: 16 channels
// are transformed at once, W lanes per vector, 16/W vectors per half.
//
// Stockham autosort, radix 4 (one radix-2 stage last when log2 M is odd):
// natural order in and out, no bit reversal, each stage reading one buffer
// and writing the other. Stage twiddles are read from a table of ω_M^k
// (computed in float64), never built by repeated products.
#pragma once

#include <cstdint>
#include <cstring>

#include "common/inline.h"
#include "ssm/fft_plan.h"

namespace pmx::ssm::fft {

template <class T>
struct Elem {
    using V = typename T::V;
    static constexpr int W = T::W;
    static constexpr int G = int(kLanes) / W;  // vectors per half element
    static_assert(kLanes % W == 0, "16 channels per element must be whole vectors");

    static PMX_INLINE V re(const float *e, int g) { return T::load(e + g * W); }
    static PMX_INLINE V im(const float *e, int g) { return T::load(e + kLanes + g * W); }
    static PMX_INLINE void put(float *e, int g, V r, V i) {
        T::store(e + g * W, r);
        T::store(e + kLanes + g * W, i);
    }

    // (xr + i·xi)·(wr + i·wi) with a scalar (broadcast) w.
    static PMX_INLINE void cmul(V &xr, V &xi, V wr, V wi, V nwi) {
        const V r = T::fmadd(xr, wr, T::mul(xi, nwi));
        xi = T::fmadd(xr, wi, T::mul(xi, wr));
        xr = r;
    }

    // One radix-4 Stockham stage: current length n (a multiple of 4), stride
    // s (n·s = M). Output 4p + r of each q takes ω_M^(r·p·s) (conjugated for
    // the inverse).
    template <bool Inv>
    static void radix4(const float *x, float *y, int64_t n, int64_t s, const float *tw) {
        const int64_t n4 = n / 4;
        for (int64_t p = 0; p < n4; ++p) {
            const float sgn = Inv ? -1.f : 1.f;
            const float *t1 = tw + 2 * (p * s), *t2 = tw + 2 * (2 * p * s), *t3 = tw + 2 * (3 * p * s);
            const V w1r = T::set1(t1[0]), w1i = T::set1(sgn * t1[1]), n1i = T::set1(-sgn * t1[1]);
            const V w2r = T::set1(t2[0]), w2i = T::set1(sgn * t2[1]), n2i = T::set1(-sgn * t2[1]);
            const V w3r = T::set1(t3[0]), w3i = T::set1(sgn * t3[1]), n3i = T::set1(-sgn * t3[1]);
            for (int64_t q = 0; q < s; ++q) {
                const float *a = x + kElem * (q + s * p), *b = a + kElem * s * n4;
                const float *c = b + kElem * s * n4, *d = c + kElem * s * n4;
                float *y0 = y + kElem * (q + s * 4 * p), *y1 = y0 + kElem * s;
                float *y2 = y1 + kElem * s, *y3 = y2 + kElem * s;
                PMX_UNROLL
                for (int g = 0; g < G; ++g) {
                    const V apcr = T::add(re(a, g), re(c, g)), apci = T::add(im(a, g), im(c, g));
                    const V amcr = T::sub(re(a, g), re(c, g)), amci = T::sub(im(a, g), im(c, g));
                    const V bpdr = T::add(re(b, g), re(d, g)), bpdi = T::add(im(b, g), im(d, g));
                    // i·(b - d), or -i·(b - d) for the inverse
                    const V bmdr = T::sub(re(b, g), re(d, g)), bmdi = T::sub(im(b, g), im(d, g));
                    const V jr = Inv ? bmdi : T::sub(T::zero(), bmdi), ji = Inv ? T::sub(T::zero(), bmdr) : bmdr;
                    put(y0, g, T::add(apcr, bpdr), T::add(apci, bpdi));
                    V r1 = T::sub(amcr, jr), i1 = T::sub(amci, ji);
                    V r2 = T::sub(apcr, bpdr), i2 = T::sub(apci, bpdi);
                    V r3 = T::add(amcr, jr), i3 = T::add(amci, ji);
                    if (p != 0) {
                        cmul(r1, i1, w1r, w1i, n1i);
                        cmul(r2, i2, w2r, w2i, n2i);
                        cmul(r3, i3, w3r, w3i, n3i);
                    }
                    put(y1, g, r1, i1);
                    put(y2, g, r2, i2);
                    put(y3, g, r3, i3);
                }
            }
        }
    }

    // The last stage when log2 M is odd: length 2, stride s = M/2.
    static void radix2(const float *x, float *y, int64_t s) {
        for (int64_t q = 0; q < s; ++q) {
            const float *a = x + kElem * q, *b = a + kElem * s;
            float *y0 = y + kElem * q, *y1 = y0 + kElem * s;
            PMX_UNROLL
            for (int g = 0; g < G; ++g) {
                put(y0, g, T::add(re(a, g), re(b, g)), T::add(im(a, g), im(b, g)));
                put(y1, g, T::sub(re(a, g), re(b, g)), T::sub(im(a, g), im(b, g)));
            }
        }
    }

    // The M-point transform (M a power of two) of x, in natural order, with
    // y (M elements) as the other buffer; tw = ω_M^k, k < M. Forward:
    // X[k] = sum_m x[m]·ω_M^(mk); inverse: conjugate twiddles, unscaled.
    // The result ends in x.
    template <bool Inv>
    static void transform(float *x, float *y, int64_t M, const float *tw) {
        float *src = x, *dst = y;
        int64_t n = M, s = 1;
        for (; n >= 4; n /= 4, s *= 4) {
            radix4<Inv>(src, dst, n, s, tw);
            float *t = src;
            src = dst;
            dst = t;
        }
        if (n == 2) {
            radix2(src, dst, s);
            float *t = src;
            src = dst;
            dst = t;
        }
        if (src != x) std::memcpy(x, src, sizeof(float) * size_t(M * kElem));
    }
};

}  // namespace pmx::ssm::fft
