// AVX2 instantiation of the delta-rule and GLA engines (delta_impl.h,
// gla_impl.h). Compiled with -mavx2 -mfma (file name rule); reached only
// when pmx::cpu::active_isa() says AVX2.
#include "common/simd_avx2.h"

#include "linear/delta_impl.h"
#include "linear/gla_impl.h"
#include "linear/recurrence_isa.h"

namespace pmx::linear {

void delta_item_avx2(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws) {
    DeltaKernel<simd::Avx2>::item(p, b, hk, ws);
}
void delta_step_avx2(const RecurrenceProblem &p, int64_t b, int64_t hk) {
    DeltaKernel<simd::Avx2>::step(p, b, hk);
}

void gla_item_avx2(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws) {
    GlaKernel<simd::Avx2>::item(p, b, hk, ws);
}
void gla_step_avx2(const RecurrenceProblem &p, int64_t b, int64_t hk) {
    GlaKernel<simd::Avx2>::step(p, b, hk);
}

}  // namespace pmx::linear
