// AVX2 instantiation of the Mamba-2 SSD (ssd_impl.h). Compiled with -mavx2
// -mfma (file name rule); reached only when pmx::cpu::active_isa() says AVX2.
#include "common/simd_avx2.h"

#include "ssm/ssd_impl.h"
#include "ssm/ssd_isa.h"

namespace pmx::ssm {

void ssd_item_avx2(const SsdProblem &p, const SsdItem &it, float *ws) { SsdKernel<simd::Avx2>::item(p, it, ws); }

void ssd_step_avx2(const SsdProblem &p, int64_t b, int64_t h) { SsdKernel<simd::Avx2>::step(p, b, h); }

}  // namespace pmx::ssm
