// Portable instantiation of the S4D kernel generator (s4d_impl.h); the file name
// gives its ISA flags (native/CMakeLists.txt).
#include "common/simd_portable.h"

#include "ssm/s4d_impl.h"
#include "ssm/s4d_isa.h"

namespace pmx::ssm {

void s4d_item_portable(const S4dProblem &p, const S4dItem &it, float *ws) { S4dKernel<simd::Portable>::item(p, it, ws); }

}  // namespace pmx::ssm
