#include "baseline/exp_rate.h"

#include <cstddef>
#include <vector>

#include "common/isa_dispatch.h"
#include "common/parallel.h"

namespace pmx::baseline {

double exp_rate(int64_t count, int threads) {
    using Fn = double (*)(int64_t, uint64_t);
    static const Fn fn = cpu::pick_for_isa<Fn>(&exp_sum_portable, &exp_sum_avx2, &exp_sum_avx512);
    if (count <= 0) return 0.0;
    const int parts = threads < 1 ? 1 : threads;
    std::vector<double> sums(size_t(parts), 0.0);
    const int64_t share = (count + parts - 1) / parts;
    parallel_items(parts, parts, [&](int) {
        return [&](int64_t i) {
            const int64_t n = count - i * share < share ? count - i * share : share;
            sums[size_t(i)] = fn(n, uint64_t(i) + 1);
        };
    });
    double sum = 0;
    for (double v : sums) sum += v;
    return sum;
}

}  // namespace pmx::baseline
