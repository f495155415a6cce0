// The fused CPU attention forward: workspace plan, ISA dispatch
// (common/isa_dispatch.h) and the order of the work items, which the shared
// parallel loop (common/parallel.h) hands out. The tile math is in
// flash_fwd_impl.h, instantiated per ISA in flash_fwd_{avx512,avx2,portable}.cpp.
#include <cstdint>

#include "attention/attention_problem.h"
#include "attention/flash_fwd_layout.h"
#include "attention/topk_select.h"
#include "common/isa_dispatch.h"
#include "common/parallel.h"

namespace pmx::attention {
namespace {

using flash::BlockTask;

using BlockFn = void (*)(const FwdProblem &, const BlockTask &, float *);

// Work items are (sequence, head, group of query blocks). A group shares each
// packed K/V tile among its blocks (flash_fwd_layout.h); its size changes only
// speed, never results (each block's arithmetic depends on kBlockQ/kBlockK
// alone), so it is cut down when there would be too few items to balance the
// threads. Items are handed out one at a time from a shared counter:
//  - dense causal: group-major, the last (most expensive, under the
//    bottom-right mask) groups first, across all heads: longest processing
//    time first, so the items left at the end are the cheapest ones;
//  - dense non-causal (all items cost the same): head-major, so that
//    consecutive items read the same K/V rows and the threads share them
//    through L2/L3;
//  - varlen: sequence major, then head, then the sequence's groups last-first.
//    A thread's next item never lies before its previous one, so the decode
//    walks the sequences with a cursor instead of a search.
// Which thread runs an item does not change its result: each row is written
// by exactly one item, computed in a fixed order.
struct ItemOrder {
    const FwdProblem &p;
    int64_t group = 1;  // query blocks per item
    int64_t rows = 0;   // query rows per item
    int64_t total = 0;
    int64_t nqb_dense = 0;

    int64_t blocks_of(int64_t n, int64_t r) const { return (n + r - 1) / r; }

    ItemOrder(const FwdProblem &prob, int threads) : p(prob) {
        int64_t blocks = 0;
        for (int64_t b = 0; b < p.batch; ++b) blocks += p.heads * blocks_of(p.q_len(b), flash::kBlockQ);
        // Causal items differ in cost: keep more of them per thread.
        const int64_t per_thread = p.causal ? 16 : 8;
        group = flash::group_blocks(p.head_dim);
        while (group > 1 && blocks < per_thread * threads * group) group /= 2;
        rows = group * flash::kBlockQ;
        if (!p.varlen()) {
            nqb_dense = blocks_of(p.nq, rows);
            total = p.batch * p.heads * nqb_dense;
        } else {
            for (int64_t b = 0; b < p.batch; ++b) total += p.heads * blocks_of(p.q_len(b), rows);
        }
    }

    // Cursor for the varlen decode: first item index of sequence `b`.
    struct Cursor {
        int64_t b = 0;
        int64_t first = 0;
    };

    BlockTask decode(int64_t item, Cursor &cur) const {
        BlockTask t;
        t.blocks = group;
        if (!p.varlen()) {
            int64_t bh, qg;
            if (p.causal) {
                bh = item % (p.batch * p.heads);
                qg = nqb_dense - 1 - item / (p.batch * p.heads);
            } else {
                bh = item / nqb_dense;
                qg = nqb_dense - 1 - item % nqb_dense;
            }
            t.b = bh / p.heads;
            t.h = bh % p.heads;
            t.q0 = qg * rows;
            return t;
        }
        for (;;) {
            const int64_t nqb = blocks_of(p.q_len(cur.b), rows);
            const int64_t count = p.heads * nqb;
            if (item < cur.first + count) {
                const int64_t r = item - cur.first;
                t.b = cur.b;
                t.h = r / nqb;
                t.q0 = (nqb - 1 - r % nqb) * rows;
                return t;
            }
            cur.first += count;
            ++cur.b;
        }
    }
};

// Bytes of one of the RoPE table's halves (cos or sin), rounded up to 64.
size_t rope_half_bytes(const FwdProblem &p) {
    return (size_t(p.rope_count) * size_t(p.rope.rotary_dim / 2) * sizeof(float) + 63) / 64 * 64;
}

// cos/sin of every position the call rotates, once, with all threads.
void fill_rope_table(const FwdProblem &p, float *cos, float *sin, int threads) {
    constexpr int64_t kChunk = 256;
    const int64_t half = p.rope.rotary_dim / 2;
    parallel_items((p.rope_count + kChunk - 1) / kChunk, threads, [&](int) {
        return [&](int64_t c) {
            const int64_t r0 = c * kChunk;
            const int64_t n = p.rope_count - r0 < kChunk ? p.rope_count - r0 : kChunk;
            rope::fill_table(p.rope, p.rope_first + r0, n, cos + r0 * half, sin + r0 * half);
        };
    });
}

TopkSpec topk_spec(const FwdProblem &p) { return TopkSpec{p.block_q, p.block_k, p.topk, p.nbq, p.nbk}; }

size_t topk_layout_bytes(const FwdProblem &p) { return (size_t(p.batch * p.heads * p.nbq * p.nbk) + 63) / 64 * 64; }

// The selection, from the workspace into the caller's layout_out.
void copy_layout_out(const FwdProblem &p) {
    for (int64_t b = 0; b < p.batch; ++b)
        for (int64_t h = 0; h < p.heads; ++h)
            for (int64_t qb = 0; qb < p.nbq; ++qb) {
                const uint8_t *src = p.layout + b * p.lay_sb + h * p.lay_sh + qb * p.lay_sq;
                uint8_t *dst = p.layout_out + b * p.out_sb + h * p.out_sh + qb * p.out_sq;
                for (int64_t kb = 0; kb < p.nbk; ++kb) dst[kb * p.out_sk] = src[kb];
            }
}

}  // namespace

FwdCpuPlan plan_fwd_cpu(const FwdProblem &p, int context_threads) {
    // Threads beyond the work items would idle but still cost a workspace
    // slice each. Items hold >= 1 query block, so blocks bound them; for
    // packed rows Σ_b ⌈len_b / kBlockQ⌉ <= ⌊(total_q + B·(kBlockQ - 1)) / kBlockQ⌋
    // (shapes only: the size query and the call agree whatever cu_seqlens hold).
    const int64_t blocks = p.varlen() ? p.heads * ((p.total_q + p.batch * (flash::kBlockQ - 1)) / flash::kBlockQ)
                                      : p.batch * p.heads * ((p.nq + flash::kBlockQ - 1) / flash::kBlockQ);
    FwdCpuPlan plan;
    plan.threads = int(blocks < context_threads ? blocks : context_threads);
    if (plan.threads < 1) plan.threads = 1;
    plan.cu_bytes = p.varlen() ? (size_t(2 * (p.batch + 1)) * sizeof(int32_t) + 63) / 64 * 64 : 0;
    plan.global_bytes = (size_t(p.n_global) * sizeof(int32_t) + 63) / 64 * 64;
    plan.rope_bytes = p.rope.enabled ? rope_half_bytes(p) * 2 : 0;
    if (p.topk > 0)
        plan.topk_bytes = topk_layout_bytes(p) + topk_scratch_floats(p, topk_spec(p)) * sizeof(float) * size_t(plan.threads);
    plan.slice_bytes = flash::ThreadSlices(p.head_dim).total * sizeof(float);
    plan.total_bytes = plan.cu_bytes + plan.global_bytes + plan.rope_bytes + plan.topk_bytes +
                       plan.slice_bytes * size_t(plan.threads);
    return plan;
}

int32_t *cu_seqlens_copy(void *workspace) { return static_cast<int32_t *>(workspace); }

int32_t *global_tokens_copy(void *workspace, const FwdCpuPlan &plan) {
    return reinterpret_cast<int32_t *>(static_cast<char *>(workspace) + plan.cu_bytes);
}

void fwd_cpu(const FwdProblem &problem, const FwdCpuPlan &plan, void *workspace) {
    static const BlockFn kernel =
        cpu::pick_for_isa<BlockFn>(&flash::run_block_portable, &flash::run_block_avx2, &flash::run_block_avx512);
    char *at = static_cast<char *>(workspace) + plan.cu_bytes + plan.global_bytes;
    FwdProblem p = problem;
    if (p.rope.enabled) {
        float *cos = reinterpret_cast<float *>(at);
        float *sin = reinterpret_cast<float *>(at + rope_half_bytes(p));
        fill_rope_table(p, cos, sin, plan.threads);
        p.rope_cos = cos;
        p.rope_sin = sin;
        at += plan.rope_bytes;
    }
    if (p.topk > 0) {
        uint8_t *layout = reinterpret_cast<uint8_t *>(at);
        select_topk(p, topk_spec(p), layout, reinterpret_cast<float *>(at + topk_layout_bytes(p)), plan.threads);
        p.layout = layout;
        p.lay_sk = 1;
        p.lay_sq = p.nbk;
        p.lay_sh = p.nbq * p.nbk;
        p.lay_sb = p.heads * p.lay_sh;
        if (p.layout_out != nullptr) copy_layout_out(p);
        at += plan.topk_bytes;
    }
    const ItemOrder order(p, plan.threads);
    const size_t slice = plan.slice_bytes / sizeof(float);
    float *const ws = reinterpret_cast<float *>(at);
    parallel_items(order.total, plan.threads, [&](int thread) {
        return [&p, &order, mine = ws + size_t(thread) * slice, cur = ItemOrder::Cursor{}](int64_t i) mutable {
            kernel(p, order.decode(i, cur), mine);
        };
    });
}

}  // namespace pmx::attention
