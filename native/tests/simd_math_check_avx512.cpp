// test_simd_math's checks for the avx512 traits (compiled with its flags).
#include "common/simd_avx512.h"

#include "simd_math_check.h"

int check_simd_math_avx512() { return pmx_test::check_simd_math<pmx::simd::Avx512>("avx512"); }
