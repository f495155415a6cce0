// The decoding step of the chunk engine's operators (linear attention and
// the LINEAR / GATED rules), written once against a SIMD-traits type: one
// token of kv head g of sequence b and its query heads,
//   S = γ·S + φ(k)vᵀ,  Z = γ·Z + φ(k)   (γ = 1, or the GATED decay g)
//   out_h = φ(q_h)ᵀS [/ (φ(q_h)ᵀZ + eps)]
// O(F·Dv) per head, vectorised over Dv. The state is updated in one pass
// that also accumulates the first kBlock query heads' outputs in registers;
// further heads of a large group read the updated state again. Each state
// value is read before it is written, so state_out may be state_in.
// FAVOR: φ(k) in true scale (the state is), φ(q) stabilised by its row max
// as in the chunked form.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

#include "panamax/panamax.h"
#include "common/inline.h"
#include "common/vec_math.h"
#include "linear/gated_impl.h"
#include "linear/linear_isa.h"
#include "linear/linear_maps.h"

namespace pmx::linear {

template <class T>
struct ChunkStep {
    using V = typename T::V;
    static constexpr int W = T::W;
    using Loads = ChunkLoads<T>;
    static constexpr int kBlock = 4;
    static constexpr int64_t kPad = PMX_MAX_LINEAR_FEATURES + 16;

    // The features of one vector x (F floats into phi, zero to a multiple of
    // W). Returns the FAVOR query stabiliser (0 otherwise).
    static float features(const ChunkJob &j, const float *x, int64_t xs, bool query, float *phi) {
        if (j.favor()) return Loads::favor_vector(j, x, xs, query, phi);
        const int64_t fp = (j.features + W - 1) / W * W;
        Loads::stage_row(x, xs, j.dk, 1.f, phi);
        Loads::apply_map(j.feature_map, phi, fp);
        for (int64_t f = j.features; f < fp; ++f) phi[f] = 0.f;
        return 0.f;
    }

    struct Ctx {
        const ChunkJob &j;
        int64_t b, g;
        float gamma;
        const float *kf;  // φ(k) [F]
        const float *v;   // the token's value row (stride j.v.d)
        bool vec;         // unit strides along Dv everywhere
    };

    // Columns [v0, v0 + W) of NB heads' φ(q)ᵀS, updating S first when
    // `update` (the first block of heads). With few heads the sum over f
    // runs as CH interleaved partial sums, so that it is not one chain of
    // dependent FMAs. Pointers and strides are hoisted into locals: the
    // vector stores may alias anything, so the job's fields would be read
    // again at every row.
    template <int NB>
    static PMX_INLINE void columns(const Ctx &x, const float *const *qf, bool update, int64_t v0, float *acc_out) {
        const ChunkJob &j = x.j;
        constexpr int CH = NB >= 4 ? 1 : NB == 1 ? 4 : 2;
        const int64_t F = j.features;
        const float *si = j.state_in_data != nullptr ? j.state_in_data + j.state_in.at(x.b, x.g, 0, v0) : nullptr;
        float *so = j.state_out_data + j.state_out.at(x.b, x.g, 0, v0);
        const int64_t sfi = j.state_in.f, sfo = j.state_out.f;
        const float *kf = x.kf;
        const float *qv[NB];
        PMX_UNROLL for (int i = 0; i < NB; ++i) qv[i] = qf[i];
        V acc[CH][NB];
        PMX_UNROLL for (int c = 0; c < CH; ++c)
            PMX_UNROLL for (int i = 0; i < NB; ++i) acc[c][i] = T::zero();
        const V gv = T::set1(x.gamma), vv = T::loadu(x.v + v0);
        auto row = [&](int c, int64_t f) {
            V s;
            if (update) {
                const V s0 = si != nullptr ? T::loadu(si + f * sfi) : T::zero();
                s = T::fmadd(T::set1(kf[f]), vv, T::mul(gv, s0));
                T::storeu(so + f * sfo, s);
            } else {
                s = T::loadu(so + f * sfo);
            }
            PMX_UNROLL for (int i = 0; i < NB; ++i) acc[c][i] = T::fmadd(T::set1(qv[i][f]), s, acc[c][i]);
        };
        int64_t f = 0;
        for (; f + CH <= F; f += CH)
            PMX_UNROLL for (int c = 0; c < CH; ++c) row(c, f + c);
        for (; f < F; ++f) row(0, f);
        PMX_UNROLL for (int i = 0; i < NB; ++i) {
            V a = acc[0][i];
            PMX_UNROLL for (int c = 1; c < CH; ++c) a = T::add(a, acc[c][i]);
            T::storeu(acc_out + i * PMX_MAX_LINEAR_HEAD_DIM + v0, a);
        }
    }

    template <int NB>
    static void block(const Ctx &x, const float *const *qf, bool update, float *acc) {
        const ChunkJob &j = x.j;
        int64_t v0 = 0;
        if (x.vec)
            for (; v0 + W <= j.dv; v0 += W) columns<NB>(x, qf, update, v0, acc);
        // The rest (a tail of Dv, or every column of strided tensors), element by element.
        for (int64_t v = v0; v < j.dv; ++v) {
            float a[NB] = {};
            for (int64_t f = 0; f < j.features; ++f) {
                float *so = j.state_out_data + j.state_out.at(x.b, x.g, f, v);
                float s;
                if (update) {
                    const float s0 = j.state_in_data != nullptr ? j.state_in_data[j.state_in.at(x.b, x.g, f, v)] : 0.f;
                    s = x.gamma * s0 + x.kf[f] * x.v[v * j.v.d];
                    *so = s;
                } else {
                    s = *so;
                }
                for (int i = 0; i < NB; ++i) a[i] += qf[i][f] * s;
            }
            for (int i = 0; i < NB; ++i) acc[i * PMX_MAX_LINEAR_HEAD_DIM + v] = a[i];
        }
    }

    static void step(const ChunkJob &j, int64_t b, int64_t g) {
        const int64_t F = j.features, Dv = j.dv, G = j.group();
        alignas(64) float kf[kPad], zf[kPad];
        alignas(64) float qf[kBlock][kPad];
        alignas(64) float acc[kBlock * PMX_MAX_LINEAR_HEAD_DIM];
        float mq[kBlock];
        Ctx x{j, b, g, ChunkDecay<T>::step(j, b, g), kf, j.v_data + j.v.at(b, 0, g, 0), false};
        x.vec = j.v.d == 1 && j.state_out.v == 1 && (j.state_in_data == nullptr || j.state_in.v == 1);
        features(j, j.k_data + j.k.at(b, 0, g, 0), j.k.d, false, kf);
        // The normaliser first (a vector of F), so that each block knows its denominators.
        if (j.carry_norm)
            for (int64_t f = 0; f < F; ++f) {
                const float z0 = j.norm_in_data != nullptr ? j.norm_in_data[j.norm_in.at(b, g, f, 0)] : 0.f;
                zf[f] = x.gamma * z0 + kf[f];
                if (j.norm_out_data != nullptr) j.norm_out_data[j.norm_out.at(b, g, f, 0)] = zf[f];
            }
        for (int64_t h0 = 0; h0 < G; h0 += kBlock) {
            const int nb = int(G - h0 < kBlock ? G - h0 : kBlock);
            const float *qp[kBlock];
            for (int i = 0; i < nb; ++i) {
                const int64_t h = g * G + h0 + i;
                mq[i] = features(j, j.q_data + j.q.at(b, 0, h, 0), j.q.d, true, qf[i]);
                qp[i] = qf[i];
            }
            const bool update = h0 == 0;
            switch (nb) {
                case 1: block<1>(x, qp, update, acc); break;
                case 2: block<2>(x, qp, update, acc); break;
                case 3: block<3>(x, qp, update, acc); break;
                default: block<4>(x, qp, update, acc); break;
            }
            for (int i = 0; i < nb; ++i) {
                float scale = 1.f;
                if (j.normalize) {
                    float den = 0.f;
                    for (int64_t f = 0; f < F; ++f) den += qf[i][f] * zf[f];
                    double e = j.eps;
                    if (j.favor()) e = std::fmin(e * std::exp(-double(mq[i])), double(FLT_MAX));
                    scale = 1.f / (den + float(e));
                } else if (j.favor()) {
                    scale = float(std::fmin(std::exp(double(mq[i])), double(FLT_MAX)));
                }
                float *o = j.out_data + j.out.at(b, 0, g * G + h0 + i, 0);
                const float *a = acc + i * PMX_MAX_LINEAR_HEAD_DIM;
                for (int64_t v = 0; v < Dv; ++v) o[v * j.out.d] = a[v] * scale;
            }
        }
    }
};

}  // namespace pmx::linear
