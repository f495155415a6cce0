// Portable instantiation of the chunk engine (linear_impl.h, linear_step.h):
// plain C++ on 8-lane arrays, for CPUs without AVX2 and for PMX_ISA=portable.
#include "common/simd_portable.h"

#include "linear/linear_impl.h"
#include "linear/linear_isa.h"
#include "linear/linear_step.h"

namespace pmx::linear {

void chunk_item_portable(const ChunkJob &j, const float *favor_stage, int64_t b, int64_t g0, int64_t nh,
                         float *ws) {
    ChunkEngine<simd::Portable>::item(j, favor_stage, b, g0, nh, ws);
}

void chunk_step_portable(const ChunkJob &j, int64_t b, int64_t g) { ChunkStep<simd::Portable>::step(j, b, g); }

}  // namespace pmx::linear
