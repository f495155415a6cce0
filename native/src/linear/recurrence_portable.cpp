// Portable instantiation of the delta-rule and GLA engines (delta_impl.h,
// gla_impl.h): plain C++ on 8-lane arrays, for CPUs without AVX2 and for
// PMX_ISA=portable.
#include "common/simd_portable.h"

#include "linear/delta_impl.h"
#include "linear/gla_impl.h"
#include "linear/recurrence_isa.h"

namespace pmx::linear {

void delta_item_portable(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws) {
    DeltaKernel<simd::Portable>::item(p, b, hk, ws);
}
void delta_step_portable(const RecurrenceProblem &p, int64_t b, int64_t hk) {
    DeltaKernel<simd::Portable>::step(p, b, hk);
}

void gla_item_portable(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws) {
    GlaKernel<simd::Portable>::item(p, b, hk, ws);
}
void gla_step_portable(const RecurrenceProblem &p, int64_t b, int64_t hk) {
    GlaKernel<simd::Portable>::step(p, b, hk);
}

}  // namespace pmx::linear
