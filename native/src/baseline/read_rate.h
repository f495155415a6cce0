// The in-run read-bandwidth ceiling of operators bound by reading memory
// (an MoE decode step reads its experts' weights once): the floats of a
// caller buffer summed on the context's threads, one equal slice each.
#pragma once

#include <cstdint>

namespace pmx::baseline {

// The sum of data[0 .. count) on up to `threads` threads.
double read_rate(const float *data, int64_t count, int threads);

// One slice, per ISA (read_rate_{avx512,avx2,portable}.cpp).
double read_sum_portable(const float *data, int64_t count);
double read_sum_avx2(const float *data, int64_t count);
double read_sum_avx512(const float *data, int64_t count);

}  // namespace pmx::baseline
