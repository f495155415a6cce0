// AVX2 + FMA instantiation of the fused attention forward (flash_fwd_impl.h).
// Compiled with -mavx2 -mfma (file name rule); reached only when
// pmx::cpu::active_isa() says AVX2 or better.
#include "common/simd_avx2.h"

#include "attention/flash_fwd_impl.h"

namespace pmx::attention::flash {
namespace {

// 6 x 2 ymm accumulators + 2 panel loads + 1 broadcast: 15 of 16 ymm.
struct Avx2Tile : simd::Avx2 {
    static constexpr int NR = 2;
    static constexpr int MR = 6;
};

}  // namespace

void run_block_avx2(const FwdProblem &p, const BlockTask &t, float *ws) { FlashFwd<Avx2Tile>::run_block(p, t, ws); }

}  // namespace pmx::attention::flash
