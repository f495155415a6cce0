// The S4D kernel generator's CPU driver: the ISA path (picked once) and the
// work items, (channel, span of kS4dSpanBlocks blocks of 64 lags). Each span
// restarts its Ā^(64q) chain from exp, so the split is part of the
// arithmetic: it depends on the shapes only, never on the thread count.
#include <cstdint>

#include "common/isa_dispatch.h"
#include "common/parallel.h"
#include "ssm/s4d_isa.h"
#include "ssm/s4d_problem.h"

namespace pmx::ssm {
namespace {

S4dItemFn isa_fn() {
    static const S4dItemFn fn = cpu::pick_for_isa<S4dItemFn>(&s4d_item_portable, &s4d_item_avx2, &s4d_item_avx512);
    return fn;
}

int64_t blocks(const S4dGeometry &g) { return (g.klen + kS4dBlock - 1) / kS4dBlock; }
int64_t spans(const S4dGeometry &g) { return (blocks(g) + kS4dSpanBlocks - 1) / kS4dSpanBlocks; }
int64_t items(const S4dGeometry &g) { return g.channels * spans(g); }

int team_size(const S4dGeometry &g, int threads) {
    const int64_t n = items(g);
    return int(n < threads ? (n < 1 ? 1 : n) : threads);
}

}  // namespace

int64_t s4d_workspace_floats(const S4dGeometry &g, int threads) {
    if (items(g) == 0) return 0;
    return int64_t(team_size(g, threads)) * s4d_slice(g.nstate).total;
}

void s4d_kernel_cpu(const S4dProblem &p, float *ws, int threads) {
    const int64_t n = items(p), ns = spans(p), nb = blocks(p), slice = s4d_slice(p.nstate).total;
    if (n == 0) return;
    const S4dItemFn fn = isa_fn();
    parallel_items(n, team_size(p, threads), [&](int thread) {
        float *mine = ws + int64_t(thread) * slice;
        return [&, mine](int64_t i) {
            S4dItem it;
            it.c = i / ns;
            it.q0 = i % ns * kS4dSpanBlocks;
            it.q1 = it.q0 + kS4dSpanBlocks < nb ? it.q0 + kS4dSpanBlocks : nb;
            fn(p, it, mine);
        };
    });
}

}  // namespace pmx::ssm
