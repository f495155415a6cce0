// read_rate_impl.h for the avx2 path (compile flags from the file name).
#include "common/simd_avx2.h"

#include "baseline/read_rate.h"
#include "baseline/read_rate_impl.h"

namespace pmx::baseline {

double read_sum_avx2(const float *data, int64_t count) { return read_sum<simd::Avx2>(data, count); }

}  // namespace pmx::baseline
