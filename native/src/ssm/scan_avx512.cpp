// AVX-512 instantiation of the selective scan (scan_impl.h). Compiled with
// -mavx512f/bw/vl/dq -mfma (file name rule); reached only when
// pmx::cpu::active_isa() says AVX-512.
#include "common/simd_avx512.h"

#include "ssm/scan_impl.h"
#include "ssm/scan_isa.h"

namespace pmx::ssm {

void scan_item_avx512(const ScanProblem &p, const ScanItem &it) { ScanKernel<simd::Avx512>::item(p, it); }

int scan_lanes_avx512() { return simd::Avx512::W; }

}  // namespace pmx::ssm
