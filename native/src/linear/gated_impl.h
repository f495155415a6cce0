// The per-head decay of the GATED rule inside the chunk engine
// (linear_impl.h), written once against a SIMD-traits type: the SSD's
// structure (ssm/ssd_impl.h) with g_t in place of e^(dt·A).
//
// Per chunk, with the decay from token j to token i (j <= i) the product of
// g over (j, i]:
//   A[i][j] *= decay(j → i)                 (the masked scores)
//   Qf row i *= decay(chunk start → i)      (the state entering the chunk)
//   S = decay(start → last)·S + (φ(K) ⊙ decay(j → last))ᵀ·V
//
// A gate of exactly 0 resets the state. Its log is −inf, which a running sum
// cannot carry (inf − inf), and a clamped log (−200, say) would make the
// running sum large, so that the float differences of two later tokens lose
// their low bits. Instead each zero starts a new segment: run_t is the sum of
// log g since the chunk start or the last zero (in double, stored as float),
// seg_t the number of zeros up to t, and
//   decay(j → i) = e^(run_i − run_j) if seg_i == seg_j, else exactly 0,
// computed without a branch as e^((run_i − run_j) − 1e30·(seg_i − seg_j)):
// segments only grow along the chunk, so a different segment puts −1e30 (or
// less) into the exp, which gives 0, and the same one adds exactly 0.
// run is kept as two floats, hi + lo (hi = float(run), lo the rest): a run
// of small gates takes run far from 0 (a chunk of 256 gates of 0.05 sums to
// about −767, where a float's ulp is 6e-5), and the difference of two such
// floats would carry that ulp into every decay after the run. (hi_i − hi_j)
// + (lo_i − lo_j) is exact to the rounding of the difference itself.
#pragma once

#include <cmath>
#include <cstdint>

#include "common/inline.h"
#include "common/vec_math.h"
#include "linear/linear_isa.h"

namespace pmx::linear {

template <class T>
struct ChunkDecay {
    using V = typename T::V;
    static constexpr int W = T::W;
    static constexpr float kApart = 1e30f;

    // e^((run_i − run_j) − 1e30·(seg_i − seg_j)), lanes j, run = hi + lo.
    static PMX_INLINE V between(V hi_i, V lo_i, V seg_i, V hi_j, V lo_j, V seg_j) {
        const V d = T::add(T::sub(hi_i, hi_j), T::sub(lo_i, lo_j));
        return simd::exp<T>(T::fmadd(T::sub(seg_i, seg_j), T::set1(-kApart), d));
    }

    // The chunk's decays for kv head g, tokens c0 .. c0 + ql - 1: run (hi,
    // lo) and seg [cp], rowf[i] = decay(start → i), colw[j] = decay(j → last) (0
    // past ql). Returns decay(start → last), the state's factor.
    static float chunk(const ChunkJob &j, const ChunkSlice &L, int64_t b, int64_t g, int64_t c0, int64_t ql,
                       float *run, float *rlo, float *seg, float *rowf, float *colw) {
        double r = 0.0;
        float s = 0.f;
        for (int64_t t = 0; t < ql; ++t) {
            const float gv = j.decay_data[j.decay.at(b, c0 + t, g, 0)];
            if (gv > 0.f) {
                r += std::log(double(gv));
            } else {  // 0 (the call layer admits [0, 1] only): a new segment
                r = 0.0;
                s += 1.f;
            }
            run[t] = float(r);
            rlo[t] = float(r - double(run[t]));
            seg[t] = s;
        }
        for (int64_t t = ql; t < L.cp; ++t) run[t] = run[ql - 1], rlo[t] = rlo[ql - 1], seg[t] = s;
        const V zero = T::zero(), hl = T::set1(run[ql - 1]), ll = T::set1(rlo[ql - 1]), sl = T::set1(s);
        for (int64_t t = 0; t < L.cp; t += W) {
            const V ht = T::load(run + t), lt = T::load(rlo + t), st = T::load(seg + t);
            T::store(rowf + t, between(ht, lt, st, zero, zero, zero));
            T::store(colw + t, between(hl, ll, sl, ht, lt, st));
        }
        for (int64_t t = ql; t < L.cp; ++t) colw[t] = 0.f;
        return rowf[ql - 1];
    }

    // Row i of the scores, lanes [0, vis): A[i][j] *= decay(j → i) (the
    // lanes above the diagonal are zeroed by the caller afterwards).
    static PMX_INLINE void scores_row(float *a, int64_t vis, const float *run, const float *rlo, const float *seg,
                                      int64_t i) {
        const V hi = T::set1(run[i]), li = T::set1(rlo[i]), si = T::set1(seg[i]);
        for (int64_t s = 0; s < vis; s += W) {
            const V e = between(hi, li, si, T::load(run + s), T::load(rlo + s), T::load(seg + s));
            T::store(a + s, T::mul(T::load(a + s), e));
        }
    }

    // φ(K)ᵀ [F][cp] weighted by colw for the state update.
    static void weigh_keys(int64_t F, int64_t cp, const float *colw, float *kt) {
        for (int64_t f = 0; f < F; ++f)
            for (int64_t t = 0; t < cp; t += W) T::store(kt + f * cp + t, T::mul(T::load(kt + f * cp + t), T::load(colw + t)));
    }

    // The step's factor: g itself (0 resets).
    static float step(const ChunkJob &j, int64_t b, int64_t g) {
        return j.decay_data != nullptr ? j.decay_data[j.decay.at(b, 0, g, 0)] : 1.f;
    }
};

}  // namespace pmx::linear
