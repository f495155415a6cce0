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

// The decode path (moe_cpu.cpp): taken when the call has at most
// kSkinnyRows sorted rows and no expert more than kSkinnyExpertRows; the
// weights are then cut into slabs of about kSlabBytes of whole memory rows,
// one work item each, so that even one expert keeps every thread reading.
constexpr int64_t kSkinnyRows = 64;
constexpr int64_t kSkinnyExpertRows = 16;
constexpr int64_t kSlabBytes = int64_t(2) << 20;

// Slabs of a [k, n] weight whose memory rows run along n (the 'N' layout;
// the transposed layout never needs more): the partial sums' planes.
inline int64_t slab_rows(int64_t rows, int64_t row_floats) {
    const int64_t r = kSlabBytes / (4 * (row_floats > 0 ? row_floats : 1));
    return r < 1 ? 1 : (r > rows ? (rows > 0 ? rows : 1) : r);
}
inline int64_t slab_count(int64_t rows, int64_t row_floats) {
    const int64_t r = slab_rows(rows, row_floats);
    return (rows + r - 1) / r;
}

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
    int64_t per_thread = 0; // GEMM path, from here one slice a thread:
    int64_t slice = 0;      //   [chunk, h] floats (twice when gated), then b1 and b3 as [2, h]
    int64_t chunk = 0;      // rows per work item
    // Decode path (skinny > 0), from per_thread instead: x rows [R, d];
    // the first product's partial sums [planes1][R, h] (twice when gated;
    // plane 0 ends as the activation); the second's [planes2][R, d].
    int64_t skinny = 0, planes1 = 0, planes2 = 0, xs = 0, p1 = 0, p3 = 0, p2 = 0;
    int64_t bytes = 0;
    ExpertsLayout(const ExpertsProblem &p, int threads) {
        const int64_t f = int64_t(sizeof(float)), d = p.dmodel, h = p.hidden;
        chunk = p.rows < kExpertChunk ? (p.rows > 0 ? p.rows : 1) : kExpertChunk;
        offsets = 0;
        per_thread = round64((p.experts + 1) * int64_t(sizeof(int32_t)));
        slice = round64((chunk * (p.gated ? 2 : 1) + 2) * h * f);
        const int64_t gemm_bytes = slice * int64_t(threads < 1 ? 1 : threads);
        int64_t skinny_bytes = 0;
        if (p.rows > 0 && p.rows <= kSkinnyRows) {
            skinny = p.rows;
            planes1 = slab_count(d, h);
            planes2 = slab_count(h, d);
            int64_t at = per_thread;
            auto take = [&](int64_t &field, int64_t size) {
                field = at;
                at += round64(size);
            };
            take(xs, skinny * d * f);
            take(p1, planes1 * skinny * h * f);
            if (p.gated) take(p3, planes1 * skinny * h * f);
            take(p2, planes2 * skinny * d * f);
            skinny_bytes = at - per_thread;
        }
        bytes = per_thread + (gemm_bytes > skinny_bytes ? gemm_bytes : skinny_bytes);
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
