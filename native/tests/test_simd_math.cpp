// The shared SIMD traits (common/simd_*.h) and vector math (common/vec_math.h)
// on the ISA path this process runs (CTest runs it once per PMX_ISA value):
// exp2 and exp against float64, their NaN / inf / underflow results, and the
// lane masks the kernels build on.
#include <cstdio>

#include "test_support.h"

int check_simd_math_portable();
int check_simd_math_avx2();
int check_simd_math_avx512();

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    int32_t isa = PMX_ISA_PORTABLE;
    pmx_cpu_isa(&isa);
    const int failures = isa == PMX_ISA_AVX512 ? check_simd_math_avx512()
                         : isa == PMX_ISA_AVX2 ? check_simd_math_avx2()
                                               : check_simd_math_portable();
    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
