// AVX2 instantiation of the S4 long convolution (fft_conv_impl.h,
// conv_direct_impl.h). Compiled with -mavx2 -mfma (file name rule).
#include "common/simd_avx2.h"

#include "ssm/conv_direct_impl.h"
#include "ssm/fft_conv_impl.h"
#include "ssm/fft_conv_isa.h"

namespace pmx::ssm {

void fft_conv_item_avx2(const FftConvProblem &p, const fft::Plan &plan, const float *shared, const FftConvItem &it,
                        float *ws) {
    FftConvKernel<simd::Avx2>::item(p, plan, shared, it, ws);
}

void direct_conv_item_avx2(const FftConvProblem &p, const DirectConvItem &it, float *ws) {
    DirectConvKernel<simd::Avx2>::item(p, it, ws);
}

void element_fft_avx2(float *x, float *y, int64_t M, const float *tw, bool inverse) {
    FftConvKernel<simd::Avx2>::element_fft(x, y, M, tw, inverse);
}

}  // namespace pmx::ssm
