// exp_rate_impl.h for the portable path (compile flags from the file name).
#include "common/simd_portable.h"

#include "baseline/exp_rate.h"
#include "baseline/exp_rate_impl.h"

namespace pmx::baseline {

double exp_sum_portable(int64_t count, uint64_t seed) { return exp_sum<simd::Portable>(count, seed); }

}  // namespace pmx::baseline
