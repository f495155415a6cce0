// The FFT path of the S4 long convolution, written once against a SIMD
// traits type and instantiated per ISA (fft_conv_{avx512,avx2,portable}.cpp).
// Layout, packing and passes: ssm/fft_plan.h. One work item = 16 channels
// (one element lane each) of a range of sequences:
//   kernel taps (+ D at lag 0) transposed into Z, pass 1 into G, then
//   pass 2 turns G into the real spectrum H/(8N) of the padded kernel;
//   per sequence: pass 1 (u -> Z), pass 2 (row transforms, the product with
//   H, the inverse row transforms, all in place on Z), pass 3 (Z -> out).
// Folding D into the kernel makes D·u part of the same product.
#pragma once

#include <cstdint>
#include <cstring>

#include "common/inline.h"
#include "ssm/fft_conv_isa.h"
#include "ssm/fft_elem.h"
#include "ssm/fft_plan.h"
#include "ssm/fft_rows.h"

namespace pmx::ssm {

template <class T>
struct FftConvKernel {
    using V = typename T::V;
    using E = fft::Elem<T>;
    static constexpr int G = E::G;
    static constexpr int64_t kElem = fft::kElem, kLanes = fft::kLanes, kBatch = fft::kColumnBatch;

    struct Ctx {
        const fft::Plan &plan;
        fft::Twiddles tw;
        const float *tw1, *tw2;
        float *g, *z, *scratch;
    };

    // Pass 1: element m = j1 + n1·j2 holds tokens 2m (re) and 2m + 1 (im);
    // row(t, dst) loads token t < len. Columns are transformed in the
    // scratch, multiplied by ω_N^(j1·k2) and written to dst[k2·n1 + j1].
    template <class Row>
    static void pass1(const Ctx &c, const Row &row, int64_t len, float *dst) {
        const int64_t n1 = c.plan.n1, n2 = c.plan.n2;
        float *tmp = c.scratch + kBatch * n2 * kElem;
        for (int64_t j1a = 0; j1a < n1; j1a += kBatch) {
            const int64_t nb = n1 - j1a < kBatch ? n1 - j1a : kBatch;
            for (int64_t j2 = 0; j2 < n2; ++j2)
                for (int64_t cb = 0; cb < nb; ++cb) {
                    float *e = c.scratch + (cb * n2 + j2) * kElem;
                    const int64_t t = 2 * (j1a + cb + n1 * j2);
                    if (t < len) row(t, e);
                    else fft::zero_row(e);
                    if (t + 1 < len) row(t + 1, e + kLanes);
                    else fft::zero_row(e + kLanes);
                }
            for (int64_t cb = 0; cb < nb; ++cb) E::template transform<false>(c.scratch + cb * n2 * kElem, tmp, n2, c.tw2);
            // Row by row, the batch's columns side by side: nb·128 contiguous
            // bytes per row instead of one element at a time n1·128 bytes apart
            // (a power-of-two stride: every store in the same cache set).
            for (int64_t k2 = 0; k2 < n2; ++k2)
                for (int64_t cb = 0; cb < nb; ++cb) {
                    const int64_t j1 = j1a + cb;
                    const float *s = c.scratch + (cb * n2 + k2) * kElem;
                    float *d = dst + (k2 * n1 + j1) * kElem;
                    if (j1 == 0 || k2 == 0) {
                        std::memcpy(d, s, sizeof(float) * kElem);
                        continue;
                    }
                    float wr, wi;
                    c.tw.at(2 * j1 * k2, wr, wi);
                    twiddle(s, d, wr, wi);
                }
        }
    }

    // Pass 3: the inverse of pass 1; element m gives tokens 2m and 2m + 1,
    // stored by put(t, src16) for t < len.
    template <class Put>
    static void pass3(const Ctx &c, const float *src, int64_t len, const Put &put) {
        const int64_t n1 = c.plan.n1, n2 = c.plan.n2;
        float *tmp = c.scratch + kBatch * n2 * kElem;
        for (int64_t j1a = 0; j1a < n1 && 2 * j1a < len; j1a += kBatch) {
            const int64_t nb = n1 - j1a < kBatch ? n1 - j1a : kBatch;
            for (int64_t k2 = 0; k2 < n2; ++k2)
                for (int64_t cb = 0; cb < nb; ++cb) {
                    const int64_t j1 = j1a + cb;
                    const float *s = src + (k2 * n1 + j1) * kElem;
                    float *d = c.scratch + (cb * n2 + k2) * kElem;
                    if (j1 == 0 || k2 == 0) {
                        std::memcpy(d, s, sizeof(float) * kElem);
                        continue;
                    }
                    float wr, wi;
                    c.tw.at(2 * j1 * k2, wr, wi);
                    twiddle(s, d, wr, -wi);
                }
            for (int64_t cb = 0; cb < nb; ++cb) E::template transform<true>(c.scratch + cb * n2 * kElem, tmp, n2, c.tw2);
            for (int64_t j2 = 0; j2 < n2; ++j2)
                for (int64_t cb = 0; cb < nb; ++cb) {
                    const float *e = c.scratch + (cb * n2 + j2) * kElem;
                    const int64_t t = 2 * (j1a + cb + n1 * j2);
                    if (t < len) put(t, e);
                    if (t + 1 < len) put(t + 1, e + kLanes);
                }
        }
    }

    static PMX_INLINE void twiddle(const float *s, float *d, float wr, float wi) {
        const V vr = T::set1(wr), vi = T::set1(wi), nvi = T::set1(-wi);
        PMX_UNROLL
        for (int g = 0; g < G; ++g) {
            V r = E::re(s, g), i = E::im(s, g);
            E::cmul(r, i, vr, vi, nvi);
            E::put(d, g, r, i);
        }
    }

    // Real-spectrum bins k and N - k from the packed transform's bins a = Z[k]
    // and b = Z[N - k]: with b̄ = conj(b), w = ω_n^k,
    //   X̃_k = (a + b̄) + w·(-i)·(a - b̄) = 2·X[k],   X̃_{N-k} = conj((a + b̄) - w·(-i)·(a - b̄)).
    static PMX_INLINE void unpack(V ar, V ai, V br, V bi, V wr, V wi, V &xr, V &xi, V &mr, V &mi) {
        const V sr = T::add(ar, br), si = T::sub(ai, bi);
        const V dr = T::sub(ar, br), di = T::add(ai, bi);
        const V pr = T::fmadd(wr, di, T::mul(wi, dr));
        const V pi = T::fmadd(wi, di, T::mul(T::sub(T::zero(), wr), dr));
        xr = T::add(sr, pr);
        xi = T::add(si, pi);
        mr = T::sub(sr, pr);
        mi = T::sub(pi, si);
    }

    // Kernel bins: H = X̃/(8N) (the 1/2s of the unpacking and repacking and
    // the inverse's 1/N, folded in once).
    static PMX_INLINE void kernel_pair(float *a, float *b, float wr_, float wi_, float scale) {
        const V wr = T::set1(wr_), wi = T::set1(wi_), sc = T::set1(scale);
        PMX_UNROLL
        for (int g = 0; g < G; ++g) {
            V xr, xi, mr, mi;
            unpack(E::re(a, g), E::im(a, g), E::re(b, g), E::im(b, g), wr, wi, xr, xi, mr, mi);
            E::put(b, g, T::mul(mr, sc), T::mul(mi, sc));
            E::put(a, g, T::mul(xr, sc), T::mul(xi, sc));
        }
    }

    static PMX_INLINE void cmulv(V ar, V ai, V br, V bi, V &r, V &i) {
        r = T::fmadd(ar, br, T::mul(T::sub(T::zero(), ai), bi));
        i = T::fmadd(ar, bi, T::mul(ai, br));
    }

    // Signal bins: Y = X̃·H for k and N - k, then repacked for the inverse:
    // W̃_k = S + i·Q, W̃_{N-k} = conj(S) + i·conj(Q), S = Y_k + conj(Y_{N-k}),
    // Q = (Y_k - conj(Y_{N-k}))·conj(w).
    static PMX_INLINE void conv_pair(float *a, float *b, const float *ha, const float *hb, float wr_, float wi_) {
        const V wr = T::set1(wr_), wi = T::set1(wi_);
        PMX_UNROLL
        for (int g = 0; g < G; ++g) {
            V xr, xi, mr, mi, ykr, yki, ymr, ymi;
            unpack(E::re(a, g), E::im(a, g), E::re(b, g), E::im(b, g), wr, wi, xr, xi, mr, mi);
            cmulv(xr, xi, E::re(ha, g), E::im(ha, g), ykr, yki);
            cmulv(mr, mi, E::re(hb, g), E::im(hb, g), ymr, ymi);
            const V sr = T::add(ykr, ymr), si = T::sub(yki, ymi);
            const V dr = T::sub(ykr, ymr), di = T::add(yki, ymi);
            const V qr = T::fmadd(dr, wr, T::mul(di, wi));
            const V qi = T::fmadd(di, wr, T::mul(T::sub(T::zero(), dr), wi));
            E::put(b, g, T::add(sr, qi), T::sub(qr, si));
            E::put(a, g, T::sub(sr, qi), T::add(si, qr));
        }
    }

    // Bin 0 holds X[0] and X[N], both real: X̃_0 = 2(re + im), X̃_N = 2(re - im).
    static PMX_INLINE void kernel_dc(float *a, float scale) {
        const V two = T::set1(2.f * scale);
        PMX_UNROLL
        for (int g = 0; g < G; ++g) {
            const V r = E::re(a, g), i = E::im(a, g);
            E::put(a, g, T::mul(two, T::add(r, i)), T::mul(two, T::sub(r, i)));
        }
    }

    static PMX_INLINE void conv_dc(float *a, const float *h) {
        const V two = T::set1(2.f);
        PMX_UNROLL
        for (int g = 0; g < G; ++g) {
            const V r = E::re(a, g), i = E::im(a, g);
            const V y0 = T::mul(T::mul(two, T::add(r, i)), E::re(h, g));
            const V yn = T::mul(T::mul(two, T::sub(r, i)), E::im(h, g));
            E::put(a, g, T::add(y0, yn), T::sub(y0, yn));
        }
    }

    // Pass 2 over the row pairs (k2, n2 - k2): forward row transforms, then
    // per bin pair either the kernel's spectrum (h == nullptr: in place) or
    // the product with h and the inverse row transforms.
    static void pass2(const Ctx &c, float *data, const float *h) {
        const fft::Plan &p = c.plan;
        const int64_t n1 = p.n1, n2 = p.n2;
        const float scale = float(1.0 / (8.0 * double(p.N)));
        float *tmp = c.scratch;
        for (int64_t k2 = 0; k2 <= n2 / 2; ++k2) {
            const int64_t r2 = (n2 - k2) % n2;
            float *row1 = data + k2 * n1 * kElem, *row2 = data + r2 * n1 * kElem;
            E::template transform<false>(row1, tmp, n1, c.tw1);
            if (r2 != k2) E::template transform<false>(row2, tmp, n1, c.tw1);
            auto pair = [&](int64_t k1, int64_t m1, int64_t k) {
                float *a = row1 + k1 * kElem, *b = row2 + m1 * kElem;
                float wr, wi;
                c.tw.at(k, wr, wi);
                if (h == nullptr) kernel_pair(a, b, wr, wi, scale);
                else conv_pair(a, b, h + (a - data), h + (b - data), wr, wi);
            };
            if (k2 == 0) {
                // Row 0: bin n2·k1 pairs with n2·(n1 - k1); k1 = n1/2 with itself.
                if (h == nullptr) kernel_dc(row1, scale);
                else conv_dc(row1, h);
                for (int64_t k1 = 1; k1 <= n1 / 2; ++k1) pair(k1, n1 - k1, n2 * k1);
            } else {
                // Bin k2 + n2·k1 pairs with (n2 - k2) + n2·(n1 - 1 - k1).
                const int64_t end = r2 == k2 ? n1 / 2 : n1;
                for (int64_t k1 = 0; k1 < end; ++k1) pair(k1, n1 - 1 - k1, k2 + n2 * k1);
            }
            if (h != nullptr) {
                E::template transform<true>(row1, tmp, n1, c.tw1);
                if (r2 != k2) E::template transform<true>(row2, tmp, n1, c.tw1);
            }
        }
    }

    static void item(const FftConvProblem &p, const fft::Plan &plan, const float *shared, const FftConvItem &it,
                     float *ws) {
        Ctx c{plan, fft::Twiddles(plan, shared), shared + plan.tw1_off, shared + plan.tw2_off,
              ws + plan.g_off, ws + plan.z_off, ws + plan.scratch_off};
        const int64_t taps = p.taps(), nc = it.nc;

        // The kernel's taps (lag-major, D folded in at lag 0) staged in Z.
        fft::stage_kernel_rows<T>(p.k_data, p.k_sc, p.k_sl, it.c0, nc, taps, p.has_d ? p.d_data : nullptr, p.d_s, c.z);
        const float *staged = c.z;
        pass1(c, [&](int64_t t, float *dst) { std::memcpy(dst, staged + t * kLanes, sizeof(float) * kLanes); },
              taps, c.g);
        pass2(c, c.g, nullptr);

        for (int64_t b = it.b0; b < it.b1; ++b) {
            const float *u = p.u_data + b * p.u.b + it.c0 * p.u.d;
            float *out = p.out_data + b * p.out.b + it.c0 * p.out.d;
            pass1(c, [&](int64_t t, float *dst) { fft::load_row(u + t * p.u.t, p.u.d, nc, dst); }, p.seq, c.z);
            pass2(c, c.z, c.g);
            pass3(c, c.z, p.seq, [&](int64_t t, const float *src) { fft::store_row(src, out + t * p.out.t, p.out.d, nc); });
        }
    }

    static void element_fft(float *x, float *y, int64_t M, const float *tw, bool inverse) {
        if (inverse) E::template transform<true>(x, y, M, tw);
        else E::template transform<false>(x, y, M, tw);
    }
};

}  // namespace pmx::ssm
