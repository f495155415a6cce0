// exp_rate_impl.h for the avx2 path (compile flags from the file name).
#include "common/simd_avx2.h"

#include "baseline/exp_rate.h"
#include "baseline/exp_rate_impl.h"

namespace pmx::baseline {

double exp_sum_avx2(int64_t count, uint64_t seed) { return exp_sum<simd::Avx2>(count, seed); }

}  // namespace pmx::baseline
