// AVX-512 instantiation of the fused attention forward (flash_fwd_impl.h).
// Compiled with -mavx512f/bw/vl/dq -mfma (file name rule); reached only when
// pmx::cpu::active_isa() says AVX-512.
#include "common/simd_avx512.h"

#include "attention/flash_fwd_impl.h"

namespace pmx::attention::flash {
namespace {

// 6 x 4 zmm accumulators + 4 panel loads: 28 of the 32 zmm registers; the
// K/V broadcast folds into the FMA as an embedded {1to16} operand.
struct Avx512Tile : simd::Avx512 {
    static constexpr int NR = 4;
    static constexpr int MR = 6;
};

}  // namespace

void run_block_avx512(const FwdProblem &p, const BlockTask &t, float *ws) {
    FlashFwd<Avx512Tile>::run_block(p, t, ws);
}

}  // namespace pmx::attention::flash
