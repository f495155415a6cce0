// AVX-512 instantiation of the RoPE kernel (rope_impl.h). Compiled with
// -mavx512f/bw/vl/dq -mfma (file name rule); reached only when
// pmx::cpu::active_isa() says AVX-512.
#include "common/simd_avx512.h"

#include "rope/rope_impl.h"
#include "rope/rope_isa.h"

namespace pmx::rope {
namespace {

struct Avx512Rope : simd::Avx512 {
    // (x0, x1, x2, x3, ..) -> (x1, x0, x3, x2, ..)
    // A store that bypasses the caches (p 64-byte aligned), and the fence that orders such stores.
    static PMX_INLINE void stream(float *p, V v) { _mm512_stream_ps(p, v); }
    static PMX_INLINE void fence() { _mm_sfence(); }
    static PMX_INLINE V swap_pairs(V v) { return _mm512_permute_ps(v, 0xB1); }
};

}  // namespace

void fill_table_avx512(const RopeSpec &s, int64_t pos0, int64_t count, float *cos, float *sin) {
    RopeKernel<Avx512Rope>::fill_table(s, pos0, count, cos, sin);
}

void run_rows_avx512(const RopeProblem &p, int64_t row0, int64_t row1) {
    RopeKernel<Avx512Rope>::run_rows(p, row0, row1);
}

}  // namespace pmx::rope
