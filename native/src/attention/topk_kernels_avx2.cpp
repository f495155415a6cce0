// AVX2 + FMA instantiation of the top-k selection's kernels (topk_kernels_impl.h),
// compiled with -mavx2 -mfma (file name rule, native/CMakeLists.txt).
#include "common/simd_avx2.h"

#include "attention/topk_kernels_impl.h"

namespace pmx::attention::topk {

void pool_avx2(const float *x, int64_t rows, int64_t row_stride, int64_t d_stride, int64_t dims, float scale,
               float *out) {
    TopkKernels<simd::Avx2>::pool(x, rows, row_stride, d_stride, dims, scale, out);
}

void score_avx2(const float *a, int64_t dims, const float *bt, int64_t ldb, int64_t cols, float *s, int64_t lds) {
    TopkKernels<simd::Avx2>::score(a, dims, bt, ldb, cols, s, lds);
}

void lane_max_avx2(const float *key, int64_t rows, float *out) { TopkKernels<simd::Avx2>::lane_max(key, rows, out); }

}  // namespace pmx::attention::topk
