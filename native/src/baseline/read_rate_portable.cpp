// read_rate_impl.h for the portable path (compile flags from the file name).
#include "common/simd_portable.h"

#include "baseline/read_rate.h"
#include "baseline/read_rate_impl.h"

namespace pmx::baseline {

double read_sum_portable(const float *data, int64_t count) { return read_sum<simd::Portable>(data, count); }

}  // namespace pmx::baseline
