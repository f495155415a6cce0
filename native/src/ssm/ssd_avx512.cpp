// AVX-512 instantiation of the Mamba-2 SSD (ssd_impl.h). Compiled with
// -mavx512f/bw/vl/dq -mfma (file name rule); reached only when
// pmx::cpu::active_isa() says AVX-512.
#include "common/simd_avx512.h"

#include "ssm/ssd_impl.h"
#include "ssm/ssd_isa.h"

namespace pmx::ssm {

void ssd_item_avx512(const SsdProblem &p, const SsdItem &it, float *ws) { SsdKernel<simd::Avx512>::item(p, it, ws); }

void ssd_step_avx512(const SsdProblem &p, int64_t b, int64_t h) { SsdKernel<simd::Avx512>::step(p, b, h); }

}  // namespace pmx::ssm
