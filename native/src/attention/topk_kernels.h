// The vector kernels of the top-k selection (topk_select.cpp), one set per
// ISA path (topk_kernels_{avx512,avx2,portable}.cpp from topk_kernels_impl.h).
#pragma once

#include <cstdint>

namespace pmx::attention::topk {

// Rows a score call takes at once, and the column multiple it needs.
constexpr int64_t kScoreRows = 4;
constexpr int64_t kScoreCols = 32;
// Columns of a lane_max call.
constexpr int64_t kLanes = 64;

// out[d] = scale · Σ_r x[r·row_stride + d·d_stride] for d < dims, summed over
// r = 0 .. rows - 1 in order (the same float results on every path).
using PoolFn = void (*)(const float *x, int64_t rows, int64_t row_stride, int64_t d_stride, int64_t dims,
                        float scale, float *out);

// s[m·lds + j] = Σ_d a[m·dims + d] · bt[d·ldb + j] for m < kScoreRows and
// j < cols (a multiple of kScoreCols); a NaN result is written as -inf, so
// that it ranks below every number and the ranking compares plain floats.
using ScoreFn = void (*)(const float *a, int64_t dims, const float *bt, int64_t ldb, int64_t cols, float *s,
                         int64_t lds);

// out[l] = max over r < rows of key[r·kLanes + l], for l < kLanes (no NaN in key).
using LaneMaxFn = void (*)(const float *key, int64_t rows, float *out);

void pool_portable(const float *, int64_t, int64_t, int64_t, int64_t, float, float *);
void pool_avx2(const float *, int64_t, int64_t, int64_t, int64_t, float, float *);
void pool_avx512(const float *, int64_t, int64_t, int64_t, int64_t, float, float *);
void score_portable(const float *, int64_t, const float *, int64_t, int64_t, float *, int64_t);
void score_avx2(const float *, int64_t, const float *, int64_t, int64_t, float *, int64_t);
void score_avx512(const float *, int64_t, const float *, int64_t, int64_t, float *, int64_t);
void lane_max_portable(const float *, int64_t, float *);
void lane_max_avx2(const float *, int64_t, float *);
void lane_max_avx512(const float *, int64_t, float *);

}  // namespace pmx::attention::topk
