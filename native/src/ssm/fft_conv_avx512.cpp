// AVX-512 instantiation of the S4 long convolution (fft_conv_impl.h,
// conv_direct_impl.h). Compiled with -mavx512f/bw/vl/dq -mfma (file name
// rule); reached only when pmx::cpu::active_isa() says AVX-512.
#include "common/simd_avx512.h"

#include "ssm/conv_direct_impl.h"
#include "ssm/fft_conv_impl.h"
#include "ssm/fft_conv_isa.h"

namespace pmx::ssm {

void fft_conv_item_avx512(const FftConvProblem &p, const fft::Plan &plan, const float *shared, const FftConvItem &it,
                        float *ws) {
    FftConvKernel<simd::Avx512>::item(p, plan, shared, it, ws);
}

void direct_conv_item_avx512(const FftConvProblem &p, const DirectConvItem &it, float *ws) {
    DirectConvKernel<simd::Avx512>::item(p, it, ws);
}

void element_fft_avx512(float *x, float *y, int64_t M, const float *tw, bool inverse) {
    FftConvKernel<simd::Avx512>::element_fft(x, y, M, tw, inverse);
}

}  // namespace pmx::ssm
