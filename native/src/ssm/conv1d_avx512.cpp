// AVX-512 instantiation of the causal conv1d kernel (conv1d_impl.h). Compiled
// with -mavx512f/bw/vl/dq -mfma (file name rule); reached only when
// pmx::cpu::active_isa() says AVX-512.
#include "common/simd_avx512.h"

#include "ssm/conv1d_impl.h"
#include "ssm/conv1d_isa.h"

namespace pmx::ssm {
namespace {

struct Avx512Conv1d : simd::Avx512 {
    // A store that bypasses the caches (p 64-byte aligned), and the fence that orders such stores.
    static constexpr bool kHasStream = true;
    static PMX_INLINE void stream(float *p, V v) { _mm512_stream_ps(p, v); }
    static PMX_INLINE void fence() { _mm_sfence(); }
};

}  // namespace

void conv1d_item_avx512(const Conv1dProblem &p, const Conv1dPlan &plan, int64_t item) {
    Conv1dKernel<Avx512Conv1d>::run_item(p, plan, item);
}

}  // namespace pmx::ssm
