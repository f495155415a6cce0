// Portable instantiation of the S4 long convolution (fft_conv_impl.h,
// conv_direct_impl.h): plain C++ on 8-lane arrays.
#include "common/simd_portable.h"

#include "ssm/conv_direct_impl.h"
#include "ssm/fft_conv_impl.h"
#include "ssm/fft_conv_isa.h"

namespace pmx::ssm {

void fft_conv_item_portable(const FftConvProblem &p, const fft::Plan &plan, const float *shared, const FftConvItem &it,
                        float *ws) {
    FftConvKernel<simd::Portable>::item(p, plan, shared, it, ws);
}

void direct_conv_item_portable(const FftConvProblem &p, const DirectConvItem &it, float *ws) {
    DirectConvKernel<simd::Portable>::item(p, it, ws);
}

void element_fft_portable(float *x, float *y, int64_t M, const float *tw, bool inverse) {
    FftConvKernel<simd::Portable>::element_fft(x, y, M, tw, inverse);
}

}  // namespace pmx::ssm
