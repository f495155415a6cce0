// Portable (plain C++) instantiation of the selective scan (scan_impl.h), for
// CPUs without AVX2 and as the reference path of the vector kernels.
#include "common/simd_portable.h"

#include "ssm/scan_impl.h"
#include "ssm/scan_isa.h"

namespace pmx::ssm {

void scan_item_portable(const ScanProblem &p, const ScanItem &it) { ScanKernel<simd::Portable>::item(p, it); }

int scan_lanes_portable() { return simd::Portable::W; }

}  // namespace pmx::ssm
