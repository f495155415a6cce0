// AVX-512 instantiation of the delta-rule and GLA engines (delta_impl.h,
// gla_impl.h). Compiled with -mavx512f/bw/vl/dq -mfma (file name rule);
// reached only when pmx::cpu::active_isa() says AVX-512.
#include "common/simd_avx512.h"

#include "linear/delta_impl.h"
#include "linear/gla_impl.h"
#include "linear/recurrence_isa.h"

namespace pmx::linear {

void delta_item_avx512(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws) {
    DeltaKernel<simd::Avx512>::item(p, b, hk, ws);
}
void delta_step_avx512(const RecurrenceProblem &p, int64_t b, int64_t hk) {
    DeltaKernel<simd::Avx512>::step(p, b, hk);
}

void gla_item_avx512(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws) {
    GlaKernel<simd::Avx512>::item(p, b, hk, ws);
}
void gla_step_avx512(const RecurrenceProblem &p, int64_t b, int64_t hk) {
    GlaKernel<simd::Avx512>::step(p, b, hk);
}

}  // namespace pmx::linear
