// test_simd_math's checks for the portable traits (compiled with its flags).
#include "common/simd_portable.h"

#include "simd_math_check.h"

int check_simd_math_portable() { return pmx_test::check_simd_math<pmx::simd::Portable>("portable"); }
