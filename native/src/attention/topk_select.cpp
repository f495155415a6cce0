// Top-k block selection: the work split, the pooling and scoring loops (their
// vector kernels are per ISA, topk_kernels.h) and the ranking of each row.
//
// A work item is (sequence b, kv head, group of that kv head's query heads,
// range of query blocks). It pools the key blocks once (transposed, so that
// scoring kQ rows of pooled queries against them is a small register-blocked
// GEMM), then per query head pools kScoreRows query blocks at a time, scores
// them and ranks each row. Heads, and then query blocks, are split into more
// items only when there would be too few to keep the threads busy: each split
// pools the keys again. Each row's scores are computed the same way whatever
// the split, so results do not depend on the thread count.
#include "attention/topk_select.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>

#include "attention/topk_kernels.h"
#include "common/isa_dispatch.h"
#include "common/parallel.h"

namespace pmx::attention {
namespace {

using topk::kScoreCols;
using topk::kScoreRows;

int64_t blocks_of(int64_t n, int64_t block) { return (n + block - 1) / block; }
int64_t round_up(int64_t n, int64_t m) { return blocks_of(n, m) * m; }

struct Kernels {
    topk::PoolFn pool;
    topk::ScoreFn score;
    topk::LaneMaxFn lane_max;
};

const Kernels &kernels() {
    static const Kernels k{
        cpu::pick_for_isa(&topk::pool_portable, &topk::pool_avx2, &topk::pool_avx512),
        cpu::pick_for_isa(&topk::score_portable, &topk::score_avx2, &topk::score_avx512),
        cpu::pick_for_isa(&topk::lane_max_portable, &topk::lane_max_avx2, &topk::lane_max_avx512)};
    return k;
}

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
using topk::kLanes;

// Up to this many best blocks are ranked through lane maxima (below); more,
// with nth_element on a copy.
constexpr int64_t kLaneLimit = 16;

// Inserts x into best[0 .. held), kept descending and at most n long.
void insert_best(float x, float *best, int64_t &held, int64_t n) {
    if (held == n && !(x > best[n - 1])) return;
    int64_t at = held < n ? held++ : n - 1;
    for (; at > 0 && best[at - 1] < x; --at) best[at] = best[at - 1];
    best[at] = x;
}

// Marks in row[0 .. e) the local block (-1: none) and the k best other
// eligible blocks, ties to the lower index. key: the scores (no NaN), with
// room for e rounded up to kLanes; changed here. buf: max(e, 3·kLanes +
// kLaneLimit) floats. The row is zero on entry.
//
// For small k the cut (the k-th best score) is found without sorting and
// with few unpredictable branches (they, not the arithmetic, cost the most
// here): view the keys as rows of kLanes and take each lane's maximum
// (vertical vector maxima), then split the lanes into k groups: the smallest
// group maximum is a floor of the cut (the k groups hold k keys at least
// that large). Only the few keys at or above the floor, all in lanes whose
// maximum is, are ranked one by one, and only lanes whose maximum reaches
// the cut hold chosen blocks.
void select_row(float *key, int64_t e, int64_t local, int64_t k, float *buf, uint8_t *row) {
    if (local >= 0) row[local] = 1;
    const int64_t others = e - (local >= 0 ? 1 : 0);
    const int64_t n = std::min(k, others);
    if (n <= 0) return;
    if (n == others) {
        std::memset(row, 1, size_t(e));
        return;
    }
    // -inf for the local block (and past e) leaves the n-th best of the
    // others as it is (there are more than n of them) and never beats it.
    if (local >= 0) key[local] = kMinusInf;
    if (n > kLaneLimit) {
        std::copy(key, key + e, buf);
        std::nth_element(buf, buf + n - 1, buf + e, std::greater<float>());
        const float cut = buf[n - 1];
        int64_t chosen = 0;
        for (int64_t j = 0; j < e; ++j) {
            const bool above = key[j] > cut;
            row[j] |= uint8_t(above);
            chosen += above;
        }
        for (int64_t j = 0; chosen < n; ++j) {  // ties at the cut: lower indices first
            if (j != local && key[j] == cut) {
                row[j] = 1;
                ++chosen;
            }
        }
        return;
    }
    const int64_t rows = blocks_of(e, kLanes);
    std::fill(key + e, key + rows * kLanes, kMinusInf);
    float *lane = buf, *best = buf + kLanes, *found = best + kLaneLimit;
    int32_t hit[kLanes];  // lanes whose maximum reaches a threshold
    kernels().lane_max(key, rows, lane);
    float group[kLaneLimit];
    std::copy(lane, lane + n, group);
    for (int64_t l0 = n; l0 < kLanes; l0 += n)
        for (int64_t g = 0; g < n && l0 + g < kLanes; ++g) group[g] = std::max(group[g], lane[l0 + g]);
    const float floor = *std::min_element(group, group + n);
    int64_t hits = 0;
    for (int64_t l = 0; l < kLanes; ++l) {
        hit[hits] = int32_t(l);
        hits += lane[l] >= floor;
    }
    int64_t count = 0;  // found[0 .. count): the keys >= floor, at most 2·kLanes kept
    for (int64_t i = 0; i < hits; ++i)
        for (int64_t r = 0; r < rows; ++r) {
            const float x = key[r * kLanes + hit[i]];
            found[std::min(count, 2 * kLanes - 1)] = x;
            count += x >= floor;
        }
    int64_t held = 0;
    if (count < 2 * kLanes) {
        for (int64_t i = 0; i < count; ++i) insert_best(found[i], best, held, n);
    } else {  // many keys equal at the floor: rank the hit lanes whole
        for (int64_t i = 0; i < hits; ++i)
            for (int64_t r = 0; r < rows; ++r) insert_best(key[r * kLanes + hit[i]], best, held, n);
    }
    const float cut = best[n - 1];
    // The keys above the cut are the best list's; the rest of the n are ties
    // at the cut, taken in index order: rows of lanes, lanes ascending.
    int64_t ties = n;
    while (ties > 0 && best[n - ties] > cut) --ties;
    hits = 0;
    for (int64_t l = 0; l < kLanes; ++l) {
        hit[hits] = int32_t(l);
        hits += lane[l] >= cut;
    }
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < hits; ++i) {
            const int64_t j = r * kLanes + hit[i];
            if (j >= e) break;  // lanes ascend: the rest of this row of lanes is past e
            const bool tie = ties > 0 && key[j] == cut && j != local;
            row[j] |= uint8_t((key[j] > cut) | tie);
            ties -= tie;
        }
}

// The items: B · Hkv · parts · chunks, chunk fastest.
struct Split {
    int64_t group = 1;     // query heads per kv head
    int64_t per_part = 1;  // query heads per item
    int64_t parts = 1;
    int64_t rows = 1;      // query blocks per item, a multiple of kScoreRows
    int64_t chunks = 1;
    int64_t total = 0;

    Split(const FwdProblem &p, const TopkSpec &s, int threads) {
        group = p.heads / p.kv_heads;
        const int64_t base = p.batch * p.kv_heads;
        if (base == 0 || s.nbq == 0 || s.nbk == 0) return;
        const int64_t want = threads > 1 ? 2 * int64_t(threads) : 1;
        parts = std::min(group, blocks_of(want, base));
        per_part = blocks_of(group, parts);
        parts = blocks_of(group, per_part);
        chunks = std::min(s.nbq, blocks_of(want, base * parts));
        rows = round_up(blocks_of(s.nbq, chunks), kScoreRows);
        chunks = blocks_of(s.nbq, rows);
        total = base * parts * chunks;
    }
};

// Key blocks pooled at once before they are stored transposed: whole
// 64-byte runs of each transposed row.
constexpr int64_t kKeyBatch = 16;

// One thread's scratch, carved from its slice: pooled keys transposed
// [D][ldk], pooled queries [nbq rounded up to kScoreRows][D], scores
// [kScoreRows][ldk], ranking [ldk + 3·kLanes + kLaneLimit], pooled key rows
// [kKeyBatch][D]. ldk: nbk rounded up to kLanes.
struct Scratch {
    int64_t ldk;
    float *kt, *q, *score, *rank, *sum;

    Scratch(float *base, int64_t dims, int64_t nbq, int64_t nbk) : ldk(ldk_of(nbk)) {
        kt = base;
        q = kt + dims * ldk;
        score = q + round_up(nbq, kScoreRows) * dims;
        rank = score + kScoreRows * ldk;
        sum = rank + ldk + 3 * kLanes + kLaneLimit;
    }
    static int64_t ldk_of(int64_t nbk) { return round_up(nbk, kLanes); }
    static int64_t floats(int64_t dims, int64_t nbq, int64_t nbk) {
        return (dims + kScoreRows + 1) * ldk_of(nbk) + 3 * kLanes + kLaneLimit +
               (round_up(nbq, kScoreRows) + kKeyBatch) * dims;
    }
};

// Pooling streams through q and k (memory-bound); scoring and ranking work
// in cache. Each item pools first, then computes, so that the hardware
// prefetchers see long streams.
class Selector {
  public:
    Selector(const FwdProblem &p, const TopkSpec &s, const Split &split, uint8_t *layout, float *scratch)
        : p_(p), s_(s), split_(split), layout_(layout), ws_(scratch, p.head_dim, s.nbq, s.nbk) {}

    void run(int64_t item) {
        const int64_t chunk = item % split_.chunks;
        int64_t rest = item / split_.chunks;
        const int64_t part = rest % split_.parts;
        rest /= split_.parts;
        const int64_t kvh = rest % p_.kv_heads, b = rest / p_.kv_heads;
        const int64_t h0 = kvh * split_.group + part * split_.per_part;
        const int64_t h1 = std::min(h0 + split_.per_part, (kvh + 1) * split_.group);
        const int64_t qb0 = chunk * split_.rows, qb1 = std::min(qb0 + split_.rows, s_.nbq);
        for (int64_t h = h0; h < h1; ++h)
            for (int64_t qb = qb0; qb < qb1; ++qb) std::memset(row(b, h, qb), 0, size_t(s_.nbk));

        nq_ = p_.q_len(b);
        nk_ = p_.k_len(b);
        nbk_ = blocks_of(nk_, s_.block_k);
        const int64_t end = std::min(qb1, blocks_of(nq_, s_.block_q));  // rows from `end` on visit nothing
        if (qb0 >= end || nk_ == 0) return;
        const int64_t keys = eligible(end - 1);
        if (keys == 0) return;
        pool_keys(b, kvh, keys);
        for (int64_t h = h0; h < h1; ++h) {
            pool_queries(b, h, qb0, end);
            for (int64_t i0 = qb0; i0 < end; i0 += kScoreRows) score_rows(b, h, i0, qb0, end);
        }
    }

  private:
    uint8_t *row(int64_t b, int64_t h, int64_t qb) const {
        return layout_ + ((b * p_.heads + h) * s_.nbq + qb) * s_.nbk;
    }
    // The key i + off for the last valid query i of block qb (may be < 0).
    int64_t diagonal_key(int64_t qb) const { return std::min((qb + 1) * s_.block_q, nq_) - 1 + (nk_ - nq_); }
    // Key blocks [0, eligible) may be visited: a valid key, and not in the future when causal.
    int64_t eligible(int64_t qb) const {
        if (!p_.causal) return nbk_;
        const int64_t key = diagonal_key(qb);
        return key < 0 ? 0 : std::min(nbk_, key / s_.block_k + 1);
    }

    // Key blocks [0, n) pooled into kt; columns up to the next kScoreCols zeroed.
    void pool_keys(int64_t b, int64_t kvh, int64_t n) {
        const float *k = p_.k + p_.k_base(b) + kvh * p_.k_sh;
        const int64_t dims = p_.head_dim;
        for (int64_t kb0 = 0; kb0 < n; kb0 += kKeyBatch) {
            const int64_t batch = std::min(kKeyBatch, n - kb0);
            for (int64_t i = 0; i < batch; ++i) {
                const int64_t first = (kb0 + i) * s_.block_k, rows = std::min(s_.block_k, nk_ - first);
                kernels().pool(k + first * p_.k_sn, rows, p_.k_sn, p_.k_sd, dims, 1.f / float(rows),
                               ws_.sum + i * dims);
            }
            for (int64_t d = 0; d < dims; ++d)
                for (int64_t i = 0; i < batch; ++i) ws_.kt[d * ws_.ldk + kb0 + i] = ws_.sum[i * dims + d];
        }
        const int64_t padded = round_up(n, kScoreCols);
        for (int64_t d = 0; d < dims; ++d) std::fill(ws_.kt + d * ws_.ldk + n, ws_.kt + d * ws_.ldk + padded, 0.f);
    }

    // Query blocks [qb0, end) of head h pooled into q (row qb - qb0), rows up
    // to the next kScoreRows zeroed.
    void pool_queries(int64_t b, int64_t h, int64_t qb0, int64_t end) {
        const float *q = p_.q + p_.q_base(b) + h * p_.q_sh;
        const int64_t dims = p_.head_dim;
        for (int64_t qb = qb0; qb < end; ++qb) {
            const int64_t first = qb * s_.block_q, rows = std::min(s_.block_q, nq_ - first);
            kernels().pool(q + first * p_.q_sn, rows, p_.q_sn, p_.q_sd, dims, 1.f / float(rows),
                           ws_.q + (qb - qb0) * dims);
        }
        std::fill(ws_.q + (end - qb0) * dims, ws_.q + round_up(end - qb0, kScoreRows) * dims, 0.f);
    }

    // Query blocks i0 .. i0 + kScoreRows (those below end) of head h: scored and ranked.
    void score_rows(int64_t b, int64_t h, int64_t i0, int64_t qb0, int64_t end) {
        const int64_t rows = std::min(kScoreRows, end - i0);
        const int64_t cols = eligible(i0 + rows - 1);  // the most any of these rows may visit
        if (cols == 0) return;
        kernels().score(ws_.q + (i0 - qb0) * p_.head_dim, p_.head_dim, ws_.kt, ws_.ldk, round_up(cols, kScoreCols),
                        ws_.score, ws_.ldk);
        for (int64_t m = 0; m < rows; ++m) {
            const int64_t key = diagonal_key(i0 + m);
            select_row(ws_.score + m * ws_.ldk, eligible(i0 + m), key < 0 ? -1 : key / s_.block_k, s_.k, ws_.rank,
                       row(b, h, i0 + m));
        }
    }

    const FwdProblem &p_;
    const TopkSpec &s_;
    const Split &split_;
    uint8_t *layout_;
    Scratch ws_;
    int64_t nq_ = 0, nk_ = 0, nbk_ = 0;  // the current sequence's
};

}  // namespace

size_t topk_scratch_floats(const FwdProblem &p, const TopkSpec &s) {
    return size_t(round_up(Scratch::floats(p.head_dim, s.nbq, s.nbk), 16));
}

void select_topk(const FwdProblem &p, const TopkSpec &s, uint8_t *layout, float *scratch, int threads) {
    const Split split(p, s, threads);
    const size_t slice = topk_scratch_floats(p, s);
    parallel_items(split.total, threads, [&](int t) {
        return [&, selector = Selector(p, s, split, layout, scratch + size_t(t) * slice)](int64_t item) mutable {
            selector.run(item);
        };
    });
}

}  // namespace pmx::attention
