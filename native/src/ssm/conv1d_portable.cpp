// Portable (plain C++) instantiation of the causal conv1d kernel
// (conv1d_impl.h), for CPUs without AVX2 and as the reference path of the
// vector kernels.
#include "common/simd_portable.h"

#include "ssm/conv1d_impl.h"
#include "ssm/conv1d_isa.h"

namespace pmx::ssm {

void conv1d_item_portable(const Conv1dProblem &p, const Conv1dPlan &plan, int64_t item) {
    Conv1dKernel<simd::Portable>::run_item(p, plan, item);
}

}  // namespace pmx::ssm
