#include "baseline/read_rate.h"

#include <cstddef>
#include <vector>

#include "common/isa_dispatch.h"
#include "common/parallel.h"

namespace pmx::baseline {

double read_rate(const float *data, int64_t count, int threads) {
    using Fn = double (*)(const float *, int64_t);
    static const Fn fn = cpu::pick_for_isa<Fn>(&read_sum_portable, &read_sum_avx2, &read_sum_avx512);
    if (count <= 0) return 0.0;
    const int parts = threads < 1 ? 1 : threads;
    std::vector<double> sums(size_t(parts), 0.0);
    // Slices of whole 64-byte lines.
    const int64_t share = ((count + parts - 1) / parts + 15) / 16 * 16;
    parallel_items(parts, parts, [&](int) {
        return [&](int64_t i) {
            const int64_t from = i * share < count ? i * share : count;
            const int64_t n = count - from < share ? count - from : share;
            sums[size_t(i)] = fn(data + from, n);
        };
    });
    double sum = 0;
    for (double v : sums) sum += v;
    return sum;
}

}  // namespace pmx::baseline
