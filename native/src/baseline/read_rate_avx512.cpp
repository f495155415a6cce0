// read_rate_impl.h for the avx512 path (compile flags from the file name).
#include "common/simd_avx512.h"

#include "baseline/read_rate.h"
#include "baseline/read_rate_impl.h"

namespace pmx::baseline {

double read_sum_avx512(const float *data, int64_t count) { return read_sum<simd::Avx512>(data, count); }

}  // namespace pmx::baseline
