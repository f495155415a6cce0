// AVX-512 instantiation of the causal conv1d kernel (conv1d_impl.h). Compiled
// with -mavx512f/bw/vl/dq -mfma (file name rule); reached only when
// pmx::cpu::active_isa() says AVX-512.
#include "common/simd_avx512.h"

#include "ssm/conv1d_impl.h"
#include "ssm/conv1d_isa.h"

namespace pmx::ssm {

void conv1d_item_avx512(const Conv1dProblem &p, const Conv1dPlan &plan, int64_t item) {
    Conv1dKernel<simd::Avx512>::run_item(p, plan, item);
}

}  // namespace pmx::ssm
