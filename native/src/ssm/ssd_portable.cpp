// Portable instantiation of the Mamba-2 SSD (ssd_impl.h): plain C++ on
// 8-lane arrays, for CPUs without AVX2 and for PMX_ISA=portable.
#include "common/simd_portable.h"

#include "ssm/ssd_impl.h"
#include "ssm/ssd_isa.h"

namespace pmx::ssm {

void ssd_item_portable(const SsdProblem &p, const SsdItem &it, float *ws) { SsdKernel<simd::Portable>::item(p, it, ws); }

void ssd_step_portable(const SsdProblem &p, int64_t b, int64_t h) { SsdKernel<simd::Portable>::step(p, b, h); }

}  // namespace pmx::ssm
