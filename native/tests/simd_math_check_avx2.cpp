// test_simd_math's checks for the avx2 traits (compiled with its flags).
#include "common/simd_avx2.h"

#include "simd_math_check.h"

int check_simd_math_avx2() { return pmx_test::check_simd_math<pmx::simd::Avx2>("avx2"); }
