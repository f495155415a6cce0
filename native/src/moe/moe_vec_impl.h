// The Mixture-of-Experts vector kernels, written once against a SIMD-traits
// type (common/simd_*.h) and instantiated once per ISA (moe_vec_avx512.cpp,
// moe_vec_avx2.cpp, moe_vec_portable.cpp): a router row's scores, the
// experts' activation, a combined output row.
#pragma once

#include <cmath>
#include <cstdint>

#include "common/inline.h"
#include "common/vec_math.h"
#include "moe/moe_skinny_impl.h"
#include "moe/moe_vec.h"
#include "panamax/panamax.h"

namespace pmx::moe {

template <class T>
struct MoeVec {
    using V = typename T::V;
    static constexpr int W = T::W;

    // n <= W floats at p as a vector (the rest `fill`), and back.
    static PMX_INLINE V load_n(const float *p, int64_t n, float fill) {
        if (n == W) return T::loadu(p);
        alignas(64) float buf[W];
        for (int l = 0; l < W; ++l) buf[l] = l < n ? p[l] : fill;
        return T::load(buf);
    }
    static PMX_INLINE void store_n(float *p, int64_t n, V v) {
        if (n == W) return T::storeu(p, v);
        alignas(64) float buf[W];
        T::store(buf, v);
        for (int64_t l = 0; l < n; ++l) p[l] = buf[l];
    }
    static PMX_INLINE float hmax(V v) {
        alignas(64) float buf[W];
        T::store(buf, v);
        float m = buf[0];
        for (int l = 1; l < W; ++l) m = buf[l] > m ? buf[l] : m;
        return m;
    }
    static PMX_INLINE double hsum(V v) {
        alignas(64) float buf[W];
        T::store(buf, v);
        double s = 0;
        for (int l = 0; l < W; ++l) s += buf[l];
        return s;
    }

    // scores = softmax(logits) or sigmoid(logits) over E contiguous logits;
    // returns logsumexp(logits) (the z-loss term) in double.
    static double score_row(const float *logits, int64_t e, int32_t scoring, float *scores) {
        V mv = T::set1(-INFINITY);
        for (int64_t i = 0; i < e; i += W) mv = T::max(mv, load_n(logits + i, e - i < W ? e - i : W, -INFINITY));
        const float m = hmax(mv);
        const V mb = T::set1(m);
        V sum = T::zero();
        for (int64_t i = 0; i < e; i += W) {
            const int64_t n = e - i < W ? e - i : W;
            const V ex = simd::exp<T>(T::sub(load_n(logits + i, n, -INFINITY), mb));
            sum = T::add(sum, ex);
            if (scoring == PMX_MOE_SOFTMAX) store_n(scores + i, n, ex);
        }
        const double total = hsum(sum);
        if (scoring == PMX_MOE_SOFTMAX) {
            const V inv = T::set1(float(1.0 / total));
            for (int64_t i = 0; i < e; i += W) {
                const int64_t n = e - i < W ? e - i : W;
                store_n(scores + i, n, T::mul(load_n(scores + i, n, 0.f), inv));
            }
        } else {
            const V one = T::set1(1.f);
            for (int64_t i = 0; i < e; i += W) {
                const int64_t n = e - i < W ? e - i : W;
                const V l = load_n(logits + i, n, 0.f);
                store_n(scores + i, n, T::div(one, T::add(one, simd::exp<T>(T::sub(T::zero(), l)))));
            }
        }
        return double(m) + std::log(total);
    }

    static PMX_INLINE V act(V a, int32_t kind) {
        switch (kind) {
            case PMX_MOE_SILU: return simd::silu<T>(a);
            case PMX_MOE_GELU:
                return T::mul(T::mul(a, T::set1(0.5f)),
                              T::add(T::set1(1.f), simd::erf<T>(T::mul(a, T::set1(0.70710678118654752f)))));
            case PMX_MOE_GELU_TANH: {
                const V inner = T::mul(T::set1(0.7978845608028654f),
                                       T::fmadd(T::mul(T::mul(a, a), a), T::set1(0.044715f), a));
                return T::mul(T::mul(a, T::set1(0.5f)), T::add(T::set1(1.f), simd::tanh<T>(inner)));
            }
            default: return T::max(T::zero(), a);  // relu; keeps a NaN
        }
    }

    // h1 = act(h1 + b1) [⊙ (h3 + b3)] over `rows` rows of h (row stride ld);
    // b1, b3 contiguous [h] or null; h3 null when ungated.
    static void activate(float *h1, const float *h3, int64_t rows, int64_t h, int64_t ld, const float *b1,
                         const float *b3, int32_t kind) {
        for (int64_t r = 0; r < rows; ++r) {
            float *a = h1 + r * ld;
            const float *g = h3 != nullptr ? h3 + r * ld : nullptr;
            for (int64_t i = 0; i < h; i += W) {
                const int64_t n = h - i < W ? h - i : W;
                V v = load_n(a + i, n, 0.f);
                if (b1 != nullptr) v = T::add(v, load_n(b1 + i, n, 0.f));
                v = act(v, kind);
                if (g != nullptr) {
                    V gv = load_n(g + i, n, 0.f);
                    if (b3 != nullptr) gv = T::add(gv, load_n(b3 + i, n, 0.f));
                    v = T::mul(v, gv);
                }
                store_n(a + i, n, v);
            }
        }
    }

    // out[0 .. d) = Σ_i w[i]·y[i][0 .. d), i in order (0 when n = 0).
    static void combine_row(float *out, int64_t d, const float *const *y, const float *w, int n) {
        for (int64_t j = 0; j < d; j += W) {
            const int64_t m = d - j < W ? d - j : W;
            V acc = T::zero();
            for (int i = 0; i < n; ++i) acc = T::fmadd(T::set1(w[i]), load_n(y[i] + j, m, 0.f), acc);
            store_n(out + j, m, acc);
        }
    }
};

template <class T>
MoeVecFns moe_vec_fns() {
    return MoeVecFns{&MoeVec<T>::score_row, &MoeVec<T>::activate, &MoeVec<T>::combine_row, &MoeSkinny<T>::rows_axpy,
                     &MoeSkinny<T>::rows_dot};
}

}  // namespace pmx::moe
