// Dynamic top-k block selection (MoBA / NSA style) for the block-sparse
// attention path: per sequence b, query head h and query block qb, each key
// block kb is scored by mean(valid q rows of qb) · mean(valid k rows of kb)
// (q and k as given, before any RoPE; kv head h / (H / Hkv)); the block
// visits its local key block (the one holding key i + off for its last valid
// row i, off = Nk_b - Nq_b; none when i + off < 0) plus the k best other
// eligible blocks (ties: lower index; all of them when fewer). Eligible: a
// key block with a valid key that, when causal, does not start after
// i + off. A query block with no valid row visits nothing. A NaN score ranks
// below every number.
#pragma once

#include <cstddef>
#include <cstdint>

#include "attention/attention_problem.h"

namespace pmx::attention {

struct TopkSpec {
    int64_t block_q, block_k, k;
    int64_t nbq, nbk;  // the layout's dims (>= each sequence's ceil(len / block))
};

// Scratch floats one thread needs (pooled k, pooled q, scores, ranking), from
// shapes only; a multiple of 16, so 64-byte aligned scratch keeps every
// thread's slice aligned.
size_t topk_scratch_floats(const FwdProblem &p, const TopkSpec &s);

// layout: dense U8 [B][H][nbq][nbk]; every entry written (1 = visit, 0 =
// skip; rows and columns past a sequence's blocks 0). Parallel over (b, kv
// head, group of query heads, range of query blocks) with parallel_items;
// results do not depend on the thread count. scratch: threads ·
// topk_scratch_floats floats. Never throws.
void select_topk(const FwdProblem &p, const TopkSpec &s, uint8_t *layout, float *scratch, int threads);

}  // namespace pmx::attention
