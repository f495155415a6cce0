// The RoPE CPU kernel's dispatch: the ISA path (common/isa_dispatch.h), picked
// once, and the work items (runs of whole rows) the shared parallel loop
// (common/parallel.h) hands out. The math is in rope_impl.h.
#include <cstdint>

#include "common/isa_dispatch.h"
#include "common/parallel.h"
#include "rope/rope_isa.h"
#include "rope/rope_problem.h"

namespace pmx::rope {
namespace {

// Elements per work item, at least one row: enough that the shared counter's
// cost vanishes beside the streaming, few enough to balance the threads.
constexpr int64_t kItemElements = 16384;

}  // namespace

void fill_table(const RopeSpec &s, int64_t pos0, int64_t count, float *cos, float *sin) {
    static const FillTableFn fn = cpu::pick_for_isa<FillTableFn>(&fill_table_portable, &fill_table_avx2,
                                                                 &fill_table_avx512);
    fn(s, pos0, count, cos, sin);
}

void rope_cpu(const RopeProblem &p, int threads) {
    static const RunRowsFn run_rows =
        cpu::pick_for_isa<RunRowsFn>(&run_rows_portable, &run_rows_avx2, &run_rows_avx512);
    const int64_t rows = p.batch * p.seq, row_elements = p.heads * p.head_dim;
    if (rows == 0 || row_elements == 0) return;
    const int64_t per_item = row_elements >= kItemElements ? 1 : kItemElements / row_elements;
    const int64_t items = (rows + per_item - 1) / per_item;
    parallel_items(items, threads, [&](int) {
        return [&](int64_t item) {
            const int64_t row0 = item * per_item;
            run_rows(p, row0, row0 + per_item < rows ? row0 + per_item : rows);
        };
    });
}

}  // namespace pmx::rope
