// AVX-512 instantiation of the chunk engine (linear_impl.h, linear_step.h).
// Compiled with -mavx512f/bw/vl/dq -mfma (file name rule); reached only when
// pmx::cpu::active_isa() says AVX-512.
#include "common/simd_avx512.h"

#include "linear/linear_impl.h"
#include "linear/linear_isa.h"
#include "linear/linear_step.h"

namespace pmx::linear {

void chunk_item_avx512(const ChunkJob &j, const float *favor_stage, int64_t b, int64_t g0, int64_t nh,
                       float *ws) {
    ChunkEngine<simd::Avx512>::item(j, favor_stage, b, g0, nh, ws);
}

void chunk_step_avx512(const ChunkJob &j, int64_t b, int64_t g) { ChunkStep<simd::Avx512>::step(j, b, g); }

}  // namespace pmx::linear
