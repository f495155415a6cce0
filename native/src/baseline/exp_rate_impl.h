// exp_rate.h's per-thread loop, written once on a SIMD-traits type.
#pragma once

#include <cstdint>

#include "common/inline.h"

namespace pmx::baseline {

template <class T>
double exp_sum(int64_t count, uint64_t seed) {
    using V = typename T::V;
    constexpr int W = T::W, kTable = 1024, kAcc = 8;
    // Arguments in [-24, 0): decays and softmax scores live there.
    alignas(64) float x[kTable];
    uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
    for (int i = 0; i < kTable; ++i) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = -24.f * float(s >> 40) / float(1 << 24);
    }
    V acc[kAcc];
    for (int a = 0; a < kAcc; ++a) acc[a] = T::zero();
    int64_t done = 0;
    while (done < count) {  // whole tables: count rounded up to 1024
        for (int i = 0; i < kTable; i += kAcc * W) {
            PMX_UNROLL for (int a = 0; a < kAcc; ++a) acc[a] = T::add(acc[a], T::exp2_finite(T::load(x + i + a * W)));
        }
        done += kTable;
    }
    alignas(64) float lanes[W];
    double sum = 0;
    for (int a = 0; a < kAcc; ++a) {
        T::store(lanes, acc[a]);
        for (int l = 0; l < W; ++l) sum += lanes[l];
    }
    return sum;
}

}  // namespace pmx::baseline
