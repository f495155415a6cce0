// Moving 16-channel rows between the caller's strided tensors and the FFT's
// lane-major buffers (plain C++: a full row with channel stride 1 is one
// 64-byte copy, anything else goes lane by lane).
#pragma once

#include <cstdint>
#include <cstring>

#include "ssm/fft_plan.h"

namespace pmx::ssm::fft {

// The 16 floats of channels c0 .. c0 + nc - 1 at `src` (channel stride cs),
// zero-filled past nc.
inline void load_row(const float *src, int64_t cs, int64_t nc, float *dst) {
    if (cs == 1 && nc == kLanes) {
        std::memcpy(dst, src, sizeof(float) * kLanes);
        return;
    }
    for (int64_t i = 0; i < nc; ++i) dst[i] = src[i * cs];
    for (int64_t i = nc; i < kLanes; ++i) dst[i] = 0.f;
}

inline void zero_row(float *dst) { std::memset(dst, 0, sizeof(float) * kLanes); }

// The first nc of 16 floats to `dst` (channel stride cs).
inline void store_row(const float *src, float *dst, int64_t cs, int64_t nc) {
    if (cs == 1 && nc == kLanes) {
        std::memcpy(dst, src, sizeof(float) * kLanes);
        return;
    }
    for (int64_t i = 0; i < nc; ++i) dst[i * cs] = src[i];
}

// kernel[c0 .. c0 + nc - 1, 0 .. taps - 1] transposed to rows of 16 lanes,
// dst[j·16 + i] = kernel[c0 + i, j] (zeros past nc), plus `d[i]` added at
// lag 0 when d is given; lane by lane, in tiles of 128 lags.
inline void load_kernel_rows(const float *k, int64_t sc, int64_t sl, int64_t c0, int64_t nc, int64_t taps,
                             const float *d, int64_t ds, float *dst) {
    constexpr int64_t kTile = 128;
    for (int64_t j0 = 0; j0 < taps; j0 += kTile) {
        const int64_t nj = taps - j0 < kTile ? taps - j0 : kTile;
        for (int64_t i = 0; i < nc; ++i) {
            const float *row = k + (c0 + i) * sc + j0 * sl;
            for (int64_t j = 0; j < nj; ++j) dst[(j0 + j) * kLanes + i] = row[j * sl];
        }
        for (int64_t j = 0; j < nj; ++j)
            for (int64_t i = nc; i < kLanes; ++i) dst[(j0 + j) * kLanes + i] = 0.f;
    }
    if (d != nullptr && taps > 0)
        for (int64_t i = 0; i < nc; ++i) dst[i] += d[(c0 + i) * ds];
}

// The same with W x W register transposes (traits T) wherever all 16
// channels are there and the lags have stride 1: a tile reads one line of
// each of 16 channels and writes 16 whole lag rows, keeping nothing in L1
// in between. Kernel rows are often a power of two apart, so their lines
// share cache sets; the lane-by-lane copy, which rewrites each destination
// line 16 times, ran 5-10x slower.
template <class T>
inline void stage_kernel_rows(const float *k, int64_t sc, int64_t sl, int64_t c0, int64_t nc, int64_t taps,
                              const float *d, int64_t ds, float *dst) {
    const int64_t full = sl == 1 && nc == kLanes ? taps / kLanes * kLanes : 0;
    const float *k0 = k + c0 * sc;
    for (int64_t j0 = 0; j0 < full; j0 += kLanes)
        for (int64_t r0 = 0; r0 < kLanes; r0 += T::W)
            for (int64_t q0 = 0; q0 < kLanes; q0 += T::W)
                T::transpose(k0 + r0 * sc + j0 + q0, sc, dst + (j0 + q0) * kLanes + r0, kLanes);
    load_kernel_rows(k + full * sl, sc, sl, c0, nc, taps - full, nullptr, 0, dst + full * kLanes);
    if (d != nullptr && taps > 0)
        for (int64_t i = 0; i < nc; ++i) dst[i] += d[(c0 + i) * ds];
}

}  // namespace pmx::ssm::fft
