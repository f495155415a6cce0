// AVX-512 instantiation of the top-k selection's kernels (topk_kernels_impl.h),
// compiled with the AVX-512 flags (file name rule, native/CMakeLists.txt).
#include "common/simd_avx512.h"

#include "attention/topk_kernels_impl.h"

namespace pmx::attention::topk {

void pool_avx512(const float *x, int64_t rows, int64_t row_stride, int64_t d_stride, int64_t dims, float scale,
                 float *out) {
    TopkKernels<simd::Avx512>::pool(x, rows, row_stride, d_stride, dims, scale, out);
}

void score_avx512(const float *a, int64_t dims, const float *bt, int64_t ldb, int64_t cols, float *s, int64_t lds) {
    TopkKernels<simd::Avx512>::score(a, dims, bt, ldb, cols, s, lds);
}

void lane_max_avx512(const float *key, int64_t rows, float *out) { TopkKernels<simd::Avx512>::lane_max(key, rows, out); }

}  // namespace pmx::attention::topk
