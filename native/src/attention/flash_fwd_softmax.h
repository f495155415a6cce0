// The online-softmax step of the fused attention forward over one tile of
// Sᵀ (per ISA like the rest; flash_fwd_impl.h has the whole algorithm).
#pragma once

#include <cstdint>
#include <limits>

#include "attention/flash_fwd_layout.h"
#include "common/inline.h"
#include "common/vec_math.h"

namespace pmx::attention::flash {

// Which lanes of a tile's key rows are masked out.
struct TileMask {
    enum Kind { kNone, kCausal, kBits } kind = kNone;
    int64_t causal_base = 0;         // kCausal: lane i of row j masked iff i < causal_base + j
    const uint64_t *bits = nullptr;  // kBits: row j keeps lane i iff bit i of bits[j]
};

// Score transforms before the softmax, in the kernel's log2 units
// (S = s·log2 e): softcap S -> cap_out·tanh(S·cap_in) with cap_in =
// 1/(c·log2 e), cap_out = c·log2 e; then ALiBi S -= slope·log2 e·|i - t|,
// where t = center + j for key row j (or keys[j] - key_to_center when the
// rows were gathered from scattered keys).
struct ScoreMods {
    bool softcap = false;
    float cap_in = 0.f, cap_out = 0.f;
    bool alibi = false;
    float slope = 0.f;
    int64_t center = 0;
    const int32_t *keys = nullptr;
    int64_t key_to_center = 0;
    bool any() const { return softcap || alibi; }
};

template <class T>
struct SoftmaxTile {
    using V = typename T::V;
    static constexpr int W = T::W;
    static constexpr int QV = int(kBlockQ) / W;
    static constexpr int CH = QV < 4 ? QV : 4;  // vectors per chunk
    static_assert(QV % CH == 0, "softmax chunks must tile the query block");

    // Softcap then ALiBi on every lane of rows [0, jn) (masked lanes are
    // overwritten afterwards).
    static void apply_mods(float *st, int64_t jn, const ScoreMods &md) {
        alignas(64) float lane[kBlockQ];
        for (int64_t i = 0; i < kBlockQ; ++i) lane[i] = float(i);
        const V cap_in = T::set1(md.cap_in), cap_out = T::set1(md.cap_out), slope = T::set1(md.slope);
        float *row = st;
        for (int64_t j = 0; j < jn; ++j, row += kBlockQ) {
            const int64_t t = md.keys != nullptr ? md.keys[j] - md.key_to_center : md.center + j;
            const V center = T::set1(float(t));
            PMX_UNROLL for (int c = 0; c < QV; ++c) {
                V s = T::load(row + c * W);
                if (md.softcap) s = T::mul(cap_out, simd::tanh<T>(T::mul(s, cap_in)));
                if (md.alibi) s = T::sub(s, T::mul(slope, T::abs(T::sub(T::load(lane + c * W), center))));
                T::store(row + c * W, s);
            }
        }
    }

    // ---- online softmax over one tile -------------------------------------------
    // st: Sᵀ[jn][kBlockQ] in, Pᵀ out. m, l, alpha: [kBlockQ].
    static void softmax_tile(float *st, int64_t jn, float *m, float *l, float *alpha, const TileMask &mask) {
        const V neg_inf = T::set1(-std::numeric_limits<float>::infinity());
        constexpr uint32_t kLanes = W >= 32 ? ~0u : (1u << W) - 1u;
        for (int cc = 0; cc < QV; cc += CH) {
            V m_old[CH], mx[CH];
            PMX_UNROLL for (int c = 0; c < CH; ++c) {
                m_old[c] = T::load(m + (cc + c) * W);
                mx[c] = m_old[c];
            }
            float *row = st + cc * W;
            if (mask.kind == TileMask::kCausal) {
                for (int64_t j = 0; j < jn; ++j, row += kBlockQ) {
                    PMX_UNROLL for (int c = 0; c < CH; ++c) {
                        V s = T::mask_lanes_below(T::load(row + c * W), mask.causal_base + j - (cc + c) * W,
                                                  neg_inf);
                        T::store(row + c * W, s);
                        mx[c] = T::max(mx[c], s);
                    }
                }
            } else if (mask.kind == TileMask::kBits) {
                for (int64_t j = 0; j < jn; ++j, row += kBlockQ) {
                    const uint64_t bits = mask.bits[j];
                    PMX_UNROLL for (int c = 0; c < CH; ++c) {
                        V s = T::load(row + c * W);
                        const uint32_t keep = uint32_t(bits >> ((cc + c) * W)) & kLanes;
                        if (keep != kLanes) {
                            s = T::select_bits(s, keep, neg_inf);
                            T::store(row + c * W, s);
                        }
                        mx[c] = T::max(mx[c], s);
                    }
                }
            } else {
                for (int64_t j = 0; j < jn; ++j, row += kBlockQ) {
                    PMX_UNROLL for (int c = 0; c < CH; ++c) mx[c] = T::max(mx[c], T::load(row + c * W));
                }
            }
            // A lane that has seen no key keeps m = -inf; it subtracts 0 instead
            // so that -inf - -inf never makes a NaN (its P is exactly 0).
            V m_use[CH], sum[CH];
            PMX_UNROLL for (int c = 0; c < CH; ++c) {
                m_use[c] = T::zero_if_neg_inf(mx[c]);
                sum[c] = T::zero();
            }
            row = st + cc * W;
            for (int64_t j = 0; j < jn; ++j, row += kBlockQ) {
                PMX_UNROLL for (int c = 0; c < CH; ++c) {
                    const V pv = T::exp2(T::sub(T::load(row + c * W), m_use[c]));
                    sum[c] = T::add(sum[c], pv);
                    T::store(row + c * W, pv);
                }
            }
            PMX_UNROLL for (int c = 0; c < CH; ++c) {
                const V a = T::exp2(T::sub(m_old[c], m_use[c]));
                T::store(alpha + (cc + c) * W, a);
                T::store(l + (cc + c) * W, T::fmadd(T::load(l + (cc + c) * W), a, sum[c]));
                T::store(m + (cc + c) * W, mx[c]);
            }
        }
    }
};

}  // namespace pmx::attention::flash
