#include "attention/bigbird_layout.h"

#include <algorithm>

#include "common/parallel.h"

namespace pmx::attention {
namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The words of one (seed, head, row): splitmix64 started from a mixed key.
class RowStream {
  public:
    RowStream(uint64_t seed, int64_t head, int64_t row)
        : state_(mix(mix(mix(seed + kGolden) + kGolden * uint64_t(head + 1)) + kGolden * uint64_t(row + 1))) {}

    // Uniform in [0, s) for s >= 1: Lemire's multiply-shift, rejecting the
    // low products that would make some results more likely than others.
    uint64_t bounded(uint64_t s) {
        unsigned __int128 m = static_cast<unsigned __int128>(next()) * s;
        uint64_t low = static_cast<uint64_t>(m);
        if (low < s) {
            const uint64_t threshold = (0 - s) % s;
            while (low < threshold) {
                m = static_cast<unsigned __int128>(next()) * s;
                low = static_cast<uint64_t>(m);
            }
        }
        return static_cast<uint64_t>(m >> 64);
    }

  private:
    uint64_t next() {
        state_ += kGolden;
        return mix(state_);
    }

    uint64_t state_;
};

// Which blocks of one row the rules give before the random draw. Blocks
// [0, end) are not in the future; the structural ones are the global columns
// [0, g) and the window [lo, hi] (empty when lo > hi), kept apart from
// [0, g) so that the candidates, [g, end) without [lo, hi], are found by
// arithmetic.
struct RowPlan {
    int64_t end = 0;
    int64_t g = 0;
    int64_t lo = 1, hi = 0;

    int64_t window_blocks() const { return hi >= lo ? hi - lo + 1 : 0; }
    int64_t candidates() const { return end - g - window_blocks(); }
    // The t-th candidate in increasing block order.
    int64_t candidate(int64_t t) const {
        const int64_t b = g + t;
        return window_blocks() > 0 && b >= lo ? b + window_blocks() : b;
    }
};

RowPlan plan_row(const BigBirdProblem &p, int64_t qb) {
    const int64_t last = std::min((qb + 1) * p.block, p.nq) - 1;  // the row's last query
    const int64_t diagonal_key = last + (p.nk - p.nq);
    RowPlan r;
    r.end = p.nbk;
    if (p.causal) r.end = diagonal_key < 0 ? 0 : std::min(p.nbk, diagonal_key / p.block + 1);
    r.g = std::min(p.global, r.end);
    if (diagonal_key >= 0) {  // else no block holds the diagonal: no window
        const int64_t d = diagonal_key / p.block;
        r.lo = std::max({d - p.window, int64_t(0), r.g});
        r.hi = std::min(d + p.window, r.end - 1);
    }
    return r;
}

void write_row(const BigBirdProblem &p, int64_t h, int64_t qb) {
    uint8_t *row = p.layout + h * p.s_h + qb * p.s_q;
    auto at = [&](int64_t kb) -> uint8_t & { return row[kb * p.s_k]; };
    const RowPlan r = plan_row(p, qb);
    for (int64_t kb = 0; kb < p.nbk; ++kb) at(kb) = 0;
    if (qb < p.global) {
        for (int64_t kb = 0; kb < r.end; ++kb) at(kb) = 1;
        return;
    }
    for (int64_t kb = 0; kb < r.g; ++kb) at(kb) = 1;
    for (int64_t kb = r.lo; kb <= r.hi; ++kb) at(kb) = 1;
    const int64_t m = r.candidates();
    const int64_t n = std::min(p.random, m);
    if (n == m) {  // every candidate: what the draw would give, without drawing
        for (int64_t t = 0; t < m; ++t) at(r.candidate(t)) = 1;
        return;
    }
    RowStream stream(p.seed, h, qb);
    for (int64_t j = m - n; j < m; ++j) {  // Floyd: each n-subset equally likely
        uint8_t &pick = at(r.candidate(static_cast<int64_t>(stream.bounded(uint64_t(j + 1)))));
        if (pick != 0) at(r.candidate(j)) = 1;
        else pick = 1;
    }
}

}  // namespace

void bigbird_layout_cpu(const BigBirdProblem &p, int threads) {
    if (p.nbk == 0) return;  // no elements (and heads·nbq need not fit in memory)
    const int64_t rows = p.heads * p.nbq;
    parallel_items(rows, threads, [&](int) {
        return [&](int64_t item) { write_row(p, item / p.nbq, item % p.nbq); };
    });
}

}  // namespace pmx::attention
