// Portable (plain C++) instantiation of the causal conv1d kernel
// (conv1d_impl.h), for CPUs without AVX2 and as the reference path of the
// vector kernels.
#include "common/simd_portable.h"

#include "ssm/conv1d_impl.h"
#include "ssm/conv1d_isa.h"

namespace pmx::ssm {
namespace {

struct PortableConv1d : simd::Portable {
    // No cache-bypassing store in portable C++: plain stores only.
    static constexpr bool kHasStream = false;
    static PMX_INLINE void stream(float *p, const V &v) { store(p, v); }
    static PMX_INLINE void fence() {}
};

}  // namespace

void conv1d_item_portable(const Conv1dProblem &p, const Conv1dPlan &plan, int64_t item) {
    Conv1dKernel<PortableConv1d>::run_item(p, plan, item);
}

}  // namespace pmx::ssm
