// The in-run exp ceiling of exp-bound kernels (the selective scan takes one
// exp per token, channel and state): `count` vectorised 2^x evaluations, the
// same primitive the scan uses (the SIMD traits' exp2_finite: on AVX-512 the
// table form without per-element clamps, about 20% faster than exp2), over
// arguments read from an L1-resident table and summed so that none is
// optimised away.
#pragma once

#include <cstdint>

namespace pmx::baseline {

// count exps on up to `threads` threads (equal shares); returns the sum of
// the results (a checksum for the caller).
double exp_rate(int64_t count, int threads);

// One thread's share, per ISA (exp_rate_{avx512,avx2,portable}.cpp).
double exp_sum_portable(int64_t count, uint64_t seed);
double exp_sum_avx2(int64_t count, uint64_t seed);
double exp_sum_avx512(int64_t count, uint64_t seed);

}  // namespace pmx::baseline
