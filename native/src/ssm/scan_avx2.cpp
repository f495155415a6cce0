// AVX2 + FMA instantiation of the selective scan (scan_impl.h). Compiled with
// -mavx2 -mfma (file name rule); reached only when pmx::cpu::active_isa()
// says AVX2 or better.
#include "common/simd_avx2.h"

#include "ssm/scan_impl.h"
#include "ssm/scan_isa.h"

namespace pmx::ssm {

void scan_item_avx2(const ScanProblem &p, const ScanItem &it) { ScanKernel<simd::Avx2>::item(p, it); }

int scan_lanes_avx2() { return simd::Avx2::W; }

}  // namespace pmx::ssm
