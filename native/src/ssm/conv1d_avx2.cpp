// AVX2 + FMA instantiation of the causal conv1d kernel (conv1d_impl.h).
// Compiled with -mavx2 -mfma (file name rule); reached only when
// pmx::cpu::active_isa() says AVX2 or better.
#include "common/simd_avx2.h"

#include "ssm/conv1d_impl.h"
#include "ssm/conv1d_isa.h"

namespace pmx::ssm {

void conv1d_item_avx2(const Conv1dProblem &p, const Conv1dPlan &plan, int64_t item) {
    Conv1dKernel<simd::Avx2>::run_item(p, plan, item);
}

}  // namespace pmx::ssm
