// Portable (plain C++) instantiation of the fused attention forward
// (flash_fwd_impl.h): the same algorithm on an 8-lane array type, for CPUs
// without AVX2 and as the reference path of the vector kernels.
#include "common/simd_portable.h"

#include "attention/flash_fwd_impl.h"

namespace pmx::attention::flash {
namespace {

struct PortableTile : simd::Portable {
    static constexpr int NR = 1;
    static constexpr int MR = 4;
};

}  // namespace

void run_block_portable(const FwdProblem &p, const BlockTask &t, float *ws) {
    FlashFwd<PortableTile>::run_block(p, t, ws);
}

}  // namespace pmx::attention::flash
