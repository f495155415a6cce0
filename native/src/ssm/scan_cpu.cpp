// The selective scan's CPU driver: the plan (channel blocks, and chunks
// along L when those are too few), the ISA path (picked once), and the work
// items the shared parallel loop hands out. The math is in scan_impl.h.
//
// Channels are independent, so W-channel blocks of every sequence are the
// natural items: no extra work. Only when there are too few of them for the
// cores (one long sequence, few channels) are sequences also cut into
// chunks, at the price of a second pass:
//   pass 1: each chunk but the last scans from a zero state, keeping its
//           final state h_c and its dt sum per channel (no outputs);
//   combine: S_0 = state_in, S_{c+1} = exp(A·Σdt_c) ⊙ S_c + h_c (the decay
//           over a chunk is a product of exps, so one exp of the sum);
//   pass 2: each chunk scans from S_c and writes its outputs.
#include <cmath>
#include <cstdint>

#include "common/isa_dispatch.h"
#include "common/parallel.h"
#include "ssm/scan_isa.h"
#include "ssm/scan_problem.h"

namespace pmx::ssm {
namespace {

// Planning uses a fixed channel block (not the ISA's width) and a fixed item
// target (not the thread count): the plan, and so the results, are the same
// on every machine and for every thread count.
constexpr int64_t kPlanBlock = 16;
constexpr int64_t kTargetItems = 32;
constexpr int64_t kMinChunk = 2048;
// Below this many (token, channel, state) elements, one thread (about 50 us).
constexpr double kMinParallelWork = 262144;
// Items per thread the channel grouping aims at, and its widest group.
constexpr int64_t kItemsPerThread = 4;
constexpr int64_t kMaxGroupVectors = 8;

struct IsaFns {
    ScanItemFn item;
    int lanes;
};

const IsaFns &isa_fns() {
    static const IsaFns fns = [] {
        const ScanItemFn item = cpu::pick_for_isa<ScanItemFn>(&scan_item_portable, &scan_item_avx2, &scan_item_avx512);
        using LanesFn = int (*)();
        const LanesFn lanes = cpu::pick_for_isa<LanesFn>(&scan_lanes_portable, &scan_lanes_avx2, &scan_lanes_avx512);
        return IsaFns{item, lanes()};
    }();
    return fns;
}

int64_t max_length(const ScanGeometry &g) {
    int64_t m = 0;
    for (int64_t b = 0; b < g.batch; ++b)
        if (g.length(b) > m) m = g.length(b);
    return m;
}

int64_t chunks_of(int64_t len, int64_t chunk) { return len <= 0 ? 1 : (len + chunk - 1) / chunk; }

}  // namespace

ScanPlan plan_scan(const ScanGeometry &g) {
    ScanPlan plan;
    const int64_t longest = max_length(g);
    if (g.step || longest <= 1) return plan;
    int64_t chunk = g.chunk;
    if (chunk == 0) {
        const int64_t items = g.batch * ((g.dm + kPlanBlock - 1) / kPlanBlock);
        if (items >= kTargetItems) return plan;
        const int64_t per_seq = (kTargetItems + items - 1) / (items > 0 ? items : 1);
        chunk = (longest + per_seq - 1) / per_seq;
        if (chunk < kMinChunk) chunk = kMinChunk;
    }
    if (chunk >= longest) return plan;
    plan.chunk = chunk;
    plan.chunks = chunks_of(longest, chunk);
    return plan;
}

int64_t scan_workspace_floats(const ScanGeometry &g, const ScanPlan &plan) {
    if (plan.chunk == 0) return 0;
    return g.batch * plan.chunks * g.dm * (g.ns + 1);
}

void selective_scan_cpu(const ScanProblem &p, const ScanPlan &plan, float *ws, int threads) {
    const IsaFns &fns = isa_fns();
    if (p.batch == 0 || p.dm == 0) return;
    // Small calls (decode steps) on the calling thread alone: waking the pool
    // costs more than they do. Which thread runs an item never changes results.
    int64_t tokens = 0;
    for (int64_t b = 0; b < p.batch; ++b) tokens += p.length(b);
    if (double(tokens) * double(p.dm) * double(p.ns) < kMinParallelWork) threads = 1;
    // Channel groups of whole vectors: wide enough that an item's rows share
    // pages and lines, narrow enough for about kItemsPerThread items per
    // thread. Grouping never changes a channel's arithmetic.
    const int64_t vecs = (p.dm + fns.lanes - 1) / fns.lanes;
    int64_t per_group = p.batch * vecs / (int64_t(threads) * kItemsPerThread);
    per_group = per_group < 1 ? 1 : per_group > kMaxGroupVectors ? kMaxGroupVectors : per_group;
    const int64_t width = per_group * fns.lanes;
    const int64_t blocks = (p.dm + width - 1) / width;
    auto block_item = [&](int64_t b, int64_t blk) {
        ScanItem it;
        it.b = b;
        it.d0 = blk * width;
        it.d1 = it.d0 + width < p.dm ? it.d0 + width : p.dm;
        return it;
    };

    if (plan.chunk == 0) {
        parallel_items(p.batch * blocks, threads, [&](int) {
            return [&](int64_t i) {
                ScanItem it = block_item(i / blocks, i % blocks);
                it.t1 = p.length(it.b);
                it.init = ScanItem::kFromStateIn;
                it.to_state_out = true;
                fns.item(p, it);
            };
        });
        return;
    }

    const int64_t nc = plan.chunks, chunk = plan.chunk, slot = p.dm * (p.ns + 1);
    auto slot_of = [&](int64_t b, int64_t c) { return ws + (b * nc + c) * slot; };
    const int64_t items = p.batch * nc * blocks;
    // Pass 1: the chunks before each sequence's last, from a zero state.
    parallel_items(items, threads, [&](int) {
        return [&](int64_t i) {
            const int64_t b = i / (nc * blocks), c = i / blocks % nc;
            const int64_t len = p.length(b);
            if (c + 1 >= chunks_of(len, chunk)) return;
            ScanItem it = block_item(b, i % blocks);
            it.t0 = c * chunk;
            it.t1 = it.t0 + chunk;
            it.init = ScanItem::kZero;
            it.write = false;
            it.final_slot = slot_of(b, c);
            fns.item(p, it);
        };
    });
    // Combine, per (sequence, channel): slot c becomes the state before chunk c + 1.
    parallel_items(p.batch * blocks, threads, [&](int) {
        return [&](int64_t i) {
            const ScanItem it = block_item(i / blocks, i % blocks);
            const int64_t b = it.b, d0 = it.d0, d1 = it.d1;
            const int64_t last = chunks_of(p.length(b), chunk) - 1;
            for (int64_t d = d0; d < d1; ++d) {
                for (int64_t c = 0; c < last; ++c) {
                    float *h = slot_of(b, c) + d * (p.ns + 1);
                    const float *prev = c > 0 ? slot_of(b, c - 1) + d * (p.ns + 1) : nullptr;
                    const double dt_sum = h[p.ns];
                    for (int64_t n = 0; n < p.ns; ++n) {
                        double s = 0.0;
                        if (prev != nullptr) s = prev[n];
                        else if (p.has_state_in) s = p.state_in_data[p.state_in.at(b, d, n)];
                        const double decay = std::exp(dt_sum * double(p.a_data[d * p.a_sd + n * p.a_sn]));
                        h[n] = float(decay * s + double(h[n]));
                    }
                }
            }
        };
    });
    // Pass 2: every chunk from its true initial state, writing outputs.
    parallel_items(items, threads, [&](int) {
        return [&](int64_t i) {
            const int64_t b = i / (nc * blocks), c = i / blocks % nc;
            const int64_t len = p.length(b), last = chunks_of(len, chunk) - 1;
            if (c > last) return;
            ScanItem it = block_item(b, i % blocks);
            it.t0 = c * chunk;
            it.t1 = c == last ? len : it.t0 + chunk;
            if (c == 0) {
                it.init = ScanItem::kFromStateIn;
            } else {
                it.init = ScanItem::kFromSlot;
                it.init_slot = slot_of(b, c - 1);
            }
            it.to_state_out = c == last;
            fns.item(p, it);
        };
    });
}

}  // namespace pmx::ssm
