// exp_rate_impl.h for the avx512 path (compile flags from the file name).
#include "common/simd_avx512.h"

#include "baseline/exp_rate.h"
#include "baseline/exp_rate_impl.h"

namespace pmx::baseline {

double exp_sum_avx512(int64_t count, uint64_t seed) { return exp_sum<simd::Avx512>(count, seed); }

}  // namespace pmx::baseline
