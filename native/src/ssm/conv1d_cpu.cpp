// The causal conv1d CPU kernel's dispatch: the ISA path (common/isa_dispatch.h),
// picked once, and the work items (chunks of rows x channel ranges,
// conv1d_isa.h) the shared parallel loop (common/parallel.h) hands out. The
// math is in conv1d_impl.h.
#include <algorithm>
#include <cstdint>

#include "common/isa_dispatch.h"
#include "common/parallel.h"
#include "ssm/conv1d_isa.h"
#include "ssm/conv1d_problem.h"

namespace pmx::ssm {
namespace {

// Input floats per work item at most (rows x range channels): large items
// measured faster (fewer window and weight set-ups, longer runs for the
// prefetchers; TUNING.md).
constexpr int64_t kMaxItemFloats = 262144;
// Rows per chunk at least (one pass of the kernel, conv1d_impl.h), when the
// threads want smaller chunks.
constexpr int64_t kMinChunkRows = 64;
// Floats of work below which another thread is not worth waking.
constexpr int64_t kFloatsPerThread = 16384;

// The work split may depend on the thread count: every output is computed
// the same way whichever item holds it, so results do not.
Conv1dPlan plan_conv1d(const Conv1dGeometry &g, int threads) {
    Conv1dPlan plan;
    plan.rows = g.rows();
    plan.ranges = (g.channels + kConv1dRangeChannels - 1) / kConv1dRangeChannels;
    const int64_t range_channels = std::max<int64_t>(1, std::min(g.channels, kConv1dRangeChannels));
    plan.chunk_rows = std::max<int64_t>(1, kMaxItemFloats / range_channels);
    // At least 4 items per thread where the rows allow, so the threads balance.
    if (plan.ranges > 0 && plan.rows > 0) {
        const int64_t want_chunks = (4 * int64_t(threads) + plan.ranges - 1) / plan.ranges;
        const int64_t rows_each = (plan.rows + want_chunks - 1) / want_chunks;
        plan.chunk_rows = std::min(plan.chunk_rows, std::max(kMinChunkRows, rows_each));
    }
    plan.chunks = plan.rows == 0 ? 1 : (plan.rows + plan.chunk_rows - 1) / plan.chunk_rows;
    return plan;
}

}  // namespace

void causal_conv1d_cpu(const Conv1dProblem &p, int threads) {
    static const RunItemFn run_item =
        cpu::pick_for_isa<RunItemFn>(&conv1d_item_portable, &conv1d_item_avx2, &conv1d_item_avx512);
    if (p.batch == 0 || p.channels == 0) return;
    // In double: with L = 0 and no state_out, B is not bounded by any output.
    const double work = (double(p.rows()) + double(p.batch) * double(p.width - 1)) * double(p.channels);
    const int team = int(std::max(1.0, std::min(double(threads), work / double(kFloatsPerThread))));
    const Conv1dPlan plan = plan_conv1d(p, team);
    parallel_items(plan.items(), team, [&](int) {
        return [&](int64_t item) { run_item(p, plan, item); };
    });
}

}  // namespace pmx::ssm
