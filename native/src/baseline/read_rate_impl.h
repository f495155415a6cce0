// read_rate.h's per-thread loop, written once on a SIMD-traits type: four
// vector accumulators (the adds never wait on each other), unaligned loads.
#pragma once

#include <cstdint>

#include "common/inline.h"

namespace pmx::baseline {

template <class T>
double read_sum(const float *data, int64_t count) {
    using V = typename T::V;
    constexpr int W = T::W;
    V acc[4] = {T::zero(), T::zero(), T::zero(), T::zero()};
    int64_t i = 0;
    for (; i + 4 * W <= count; i += 4 * W)
        PMX_UNROLL for (int a = 0; a < 4; ++a) acc[a] = T::add(acc[a], T::loadu(data + i + a * W));
    alignas(64) float lanes[W];
    double sum = 0;
    for (int a = 0; a < 4; ++a) {
        T::store(lanes, acc[a]);
        for (int l = 0; l < W; ++l) sum += lanes[l];
    }
    for (; i < count; ++i) sum += data[i];
    return sum;
}

}  // namespace pmx::baseline
