// Where each Mixture-of-Experts call keeps its scratch in the caller's
// workspace: byte offsets (64-byte aligned) from the workspace start. The
// experts' buffers are per thread; the split of the work (and so every
// result) depends on the shapes only, never on the thread count.
#pragma once

#include <cstdint>

#include "moe/moe_problem.h"

namespace pmx::moe {

constexpr int64_t kRouterBlock = 64;    // tokens per router item (and per loss partial sum)
constexpr int64_t kExpertChunk = 256;   // rows per expert work item (bounds the hidden buffers)

inline int64_t round64(int64_t bytes) { return (bytes + 63) / 64 * 64; }

struct RouterLayout {
    int64_t logits = 0;    // [T, E] floats (computed logits only)
    int64_t partials = 0;  // per block: E score sums, then the block's sum of lse², as doubles
    int64_t loads = 0;     // [E] int64: assignments per expert, before and within capacity
    int64_t bytes = 0;
    explicit RouterLayout(const RouterProblem &p) {
        const int64_t blocks = (p.tokens + kRouterBlock - 1) / kRouterBlock;
        int64_t at = 0;
        logits = at;
        if (p.computed) at += round64(p.tokens * p.experts * int64_t(sizeof(float)));
        partials = at;
        at += round64(blocks * (p.experts + 1) * int64_t(sizeof(double)));
        loads = at;
        at += round64(2 * p.experts * int64_t(sizeof(int64_t)));
        bytes = at;
    }
};

struct ExpertsLayout {
    int64_t offsets = 0;    // [E + 1] int32: the offsets as read and checked
    int64_t per_thread = 0; // from here, one slice a thread:
    int64_t slice = 0;      //   [chunk, h] floats (twice when gated), then b1 and b3 as [2, h]
    int64_t chunk = 0;      // rows per work item
    int64_t bytes = 0;
    ExpertsLayout(const ExpertsProblem &p, int threads) {
        chunk = p.rows < kExpertChunk ? (p.rows > 0 ? p.rows : 1) : kExpertChunk;
        offsets = 0;
        per_thread = round64((p.experts + 1) * int64_t(sizeof(int32_t)));
        slice = round64((chunk * (p.gated ? 2 : 1) + 2) * p.hidden * int64_t(sizeof(float)));
        bytes = per_thread + slice * int64_t(threads < 1 ? 1 : threads);
    }
};

// The fused call: the router's scratch, its outputs (when the caller gives
// none), the permutation, both sorted matrices, the experts' scratch.
struct MoeLayout {
    int64_t router = 0, indices = 0, weights = 0, dropped = 0, counts = 0, rows = 0, offsets = 0;
    int64_t x_sorted = 0, y_sorted = 0, experts = 0, bytes = 0;
    MoeLayout(const MoeProblem &p, int threads) {
        const int64_t tk = p.router.tokens * p.router.k, e = p.router.experts, d = p.router.dmodel;
        int64_t at = 0;
        auto take = [&](int64_t &field, int64_t size) {
            field = at;
            at += round64(size);
        };
        take(router, RouterLayout(p.router).bytes);
        take(indices, tk * int64_t(sizeof(int32_t)));
        take(weights, tk * int64_t(sizeof(float)));
        take(dropped, tk);
        take(counts, e * int64_t(sizeof(int32_t)));
        take(rows, tk * int64_t(sizeof(int32_t)));
        take(offsets, (e + 1) * int64_t(sizeof(int32_t)));
        take(x_sorted, tk * d * int64_t(sizeof(float)));
        take(y_sorted, tk * d * int64_t(sizeof(float)));
        ExpertsProblem ep = p.experts;
        ep.rows = tk;
        take(experts, ExpertsLayout(ep, threads).bytes);
        bytes = at;
    }
};

}  // namespace pmx::moe
