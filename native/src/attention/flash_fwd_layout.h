// Tile sizes and the per-thread workspace layout of the fused CPU attention
// forward, shared by the dispatcher (attention_cpu.cpp) and the per-ISA
// kernels (flash_fwd_*.cpp). Why these sizes: TUNING.md beside this file.
#pragma once

#include <cstddef>
#include <cstdint>

#include "attention/attention_problem.h"

namespace pmx::attention::flash {

// Query rows per block. Queries run along the SIMD lanes in every tile
// (scores are kept as Sᵀ[key][query]), so the block is a multiple of every
// ISA's vector width; 64 = 4 zmm = 8 ymm.
constexpr int64_t kBlockQ = 64;
// Keys per tile: the online-softmax step (max, exp, rescale of O) runs once
// per tile, so a larger tile amortises it, while Sᵀ (kBlockK x kBlockQ) plus
// the Qᵀ panel should stay near L1.
constexpr int64_t kBlockK = 128;

// Query blocks per work item. Every block of an item reuses each packed K/V
// tile, which divides the K/V traffic from L3/DRAM and the packing work by
// the group size. The group's Qᵀ and Oᵀ panels (2·d·kBlockQ floats a block)
// should stay in L2 (512 KiB on Zen 3): at most ~256 KiB of them.
constexpr int64_t kMaxGroup = 8;
constexpr int64_t group_blocks(int64_t d) {
    const int64_t per_block = 2 * (d < 1 ? 1 : d) * kBlockQ * 4;  // bytes
    int64_t g = (256 * 1024) / per_block;
    return g < 1 ? 1 : g > kMaxGroup ? kMaxGroup : g;
}

// Each slice starts on a 64-byte boundary.
constexpr size_t round_up_floats(size_t n) { return (n + 15) / 16 * 16; }

// Row stride (floats) of the packed K and V tiles. Rows start on cache lines;
// the stride in lines is kept off multiples of 8 so that the kBlockK rows of
// one column strip spread over at least 16 of the 64 L1 sets instead of
// thrashing a few (a 2 KiB stride, e.g. D = 512 or an unpacked [N, 8, 64]
// layout, puts every row in the same 2 sets).
constexpr int64_t packed_ld(int64_t d) {
    int64_t lines = ((d < 1 ? 1 : d) + 15) / 16;
    if (lines % 8 == 0) ++lines;
    return lines * 16;
}

// Per-thread workspace, in floats, for head dimension `d`.
struct ThreadSlices {
    int64_t groups = 1;
    size_t qt = 0;     // Qᵀ  [groups][d][kBlockQ], pre-scaled by scale·log2(e)
    size_t ot = 0;     // Oᵀ  [groups][d][kBlockQ], unnormalised accumulator
    size_t panel = 0;  // floats between the groups' Qᵀ (and Oᵀ) panels
    size_t stats = 0;  // m, l, alpha [groups][3][kBlockQ]
    size_t st = 0;     // Sᵀ / Pᵀ [kBlockK][kBlockQ]
    size_t kp = 0;     // K tile packed [kBlockK][packed_ld(d)]
    size_t vp = 0;     // V tile packed [kBlockK][packed_ld(d)]
    size_t mask = 0;   // lane masks of a tile's key rows: uint64_t [kBlockK]
    size_t gathered = 0;  // key indices of a gathered tile: int32_t [kBlockK]
    size_t total = 0;

    explicit ThreadSlices(int64_t d) {
        const size_t du = d < 1 ? 1 : size_t(d);
        groups = group_blocks(d);
        panel = round_up_floats(du * kBlockQ);
        size_t at = 0;
        qt = at; at += size_t(groups) * panel;
        ot = at; at += size_t(groups) * panel;
        stats = at; at += size_t(groups) * 3 * kBlockQ;
        st = at; at += size_t(kBlockK * kBlockQ);
        kp = at; at += size_t(kBlockK * packed_ld(d));
        vp = at; at += size_t(kBlockK * packed_ld(d));
        mask = at; at += round_up_floats(size_t(kBlockK) * 2);
        gathered = at; at += round_up_floats(size_t(kBlockK));
        total = at;
    }
};

// One work item: query blocks [q0, q0 + blocks·kBlockQ) ∩ [0, nq) of
// sequence b, head h; 1 <= blocks <= group_blocks(d).
struct BlockTask {
    int64_t b = 0;
    int64_t h = 0;
    int64_t q0 = 0;
    int64_t blocks = 1;
};

// The per-ISA kernels: run one work item with the thread's workspace slice
// (64-byte aligned, ThreadSlices(p.head_dim).total floats).
void run_block_portable(const FwdProblem &p, const BlockTask &t, float *ws);
void run_block_avx2(const FwdProblem &p, const BlockTask &t, float *ws);
void run_block_avx512(const FwdProblem &p, const BlockTask &t, float *ws);

}  // namespace pmx::attention::flash
