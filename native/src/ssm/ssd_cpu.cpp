// The Mamba-2 SSD's CPU driver: the ISA path (picked once), the work items
// (a few heads of one group of one sequence each) and the step. The math is
// in ssd_impl.h.
//
// Heads are independent, so (sequence, head block) items need no second
// pass. A head block shares one C·Bᵀ per chunk among its heads (the
// product depends on the group only): blocks are as wide as the group
// allows (up to kMaxHeadBlock heads) while leaving every thread about
// kItemsPerThread items. The block width changes which thread computes
// what, never the arithmetic of a head, so results do not depend on it or
// on the thread count.
#include <cstdint>

#include "common/isa_dispatch.h"
#include "common/parallel.h"
#include "ssm/ssd_isa.h"
#include "ssm/ssd_problem.h"

namespace pmx::ssm {
namespace {

constexpr int64_t kMaxHeadBlock = 4;
constexpr int64_t kItemsPerThread = 2;
// Steps below this many state values run on the calling thread (waking the
// pool costs more).
constexpr double kMinParallelStep = 262144;

struct IsaFns {
    SsdItemFn item;
    SsdStepFn step;
};

const IsaFns &isa_fns() {
    static const IsaFns fns{cpu::pick_for_isa<SsdItemFn>(&ssd_item_portable, &ssd_item_avx2, &ssd_item_avx512),
                            cpu::pick_for_isa<SsdStepFn>(&ssd_step_portable, &ssd_step_avx2, &ssd_step_avx512)};
    return fns;
}

// Heads per item: the widest divisor of the group's head count, up to
// kMaxHeadBlock, that still leaves kItemsPerThread items per thread.
int64_t head_block(const SsdGeometry &g, int threads) {
    const int64_t hpg = g.heads_per_group();
    int64_t best = 1;
    for (int64_t hb = 2; hb <= kMaxHeadBlock && hb <= hpg; ++hb)
        if (hpg % hb == 0 && g.batch * (g.heads / hb) >= kItemsPerThread * threads) best = hb;
    return best;
}

int team_size(const SsdGeometry &g, int threads) {
    const int64_t items = g.batch * (g.heads / head_block(g, threads));
    return int(items < threads ? (items < 1 ? 1 : items) : threads);
}

}  // namespace

int64_t ssd_workspace_floats(const SsdGeometry &g, int threads) {
    if (g.step || g.batch == 0 || g.heads == 0) return 0;
    return int64_t(team_size(g, threads)) * ssd_slice(g, head_block(g, threads)).total;
}

void ssd_cpu(const SsdProblem &p, float *ws, int threads) {
    if (p.batch == 0 || p.heads == 0) return;
    const IsaFns &fns = isa_fns();
    const int64_t hb = head_block(p, threads), blocks = p.heads / hb;
    const int team = team_size(p, threads);
    const int64_t slice = ssd_slice(p, hb).total;
    parallel_items(p.batch * blocks, team, [&](int thread) {
        float *mine = ws + int64_t(thread) * slice;
        return [&, mine](int64_t i) {
            SsdItem it;
            it.b = i / blocks;
            it.h0 = i % blocks * hb;
            it.nh = hb;
            fns.item(p, it, mine);
        };
    });
}

void ssd_step_cpu(const SsdProblem &p, int threads) {
    const IsaFns &fns = isa_fns();
    const int64_t items = p.batch * p.heads;
    if (double(items) * double(p.hdim) * double(p.nstate) < kMinParallelStep) threads = 1;
    parallel_items(items, threads, [&](int) {
        return [&](int64_t i) { fns.step(p, i / p.heads, i % p.heads); };
    });
}

}  // namespace pmx::ssm
