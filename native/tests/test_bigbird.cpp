// BigBird layouts (pmx_bigbird_layout) through the public API: every rule of
// the header checked element by element by a checker written here from the
// header's text; the random draw against this file's own implementation of
// the algorithm documented in attention/bigbird_layout.h, and against golden
// layouts checked in below (so every machine draws the same); identical for
// 1, 2 and 7 threads and on every ISA path (CTest runs this once per path);
// seeds that differ give different layouts; the draw is uniform (chi-square);
// bad arguments are refused with a message naming them.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "test_support.h"

namespace {

using pmx_test::expect;
using pmx_test::failures;

constexpr uint8_t kPoison = 0xCD;

struct Spec {
    int64_t nq, nk;
    int32_t heads, block, window, random, global, causal;
    uint64_t seed;

    int64_t nbq() const { return (nq + block - 1) / block; }
    int64_t nbk() const { return (nk + block - 1) / block; }
    std::string name() const {
        char buf[160];
        std::snprintf(buf, sizeof buf, "nq=%lld nk=%lld H=%d block=%d window=%d random=%d global=%d causal=%d seed=%llu",
                      (long long)nq, (long long)nk, heads, block, window, random, global, causal,
                      (unsigned long long)seed);
        return buf;
    }
};

// A layout [H][nbq][nbk], dense.
struct Layout {
    int64_t nbq = 0, nbk = 0;
    std::vector<uint8_t> v;
    uint8_t at(int64_t h, int64_t qb, int64_t kb) const { return v[size_t((h * nbq + qb) * nbk + kb)]; }
};

pmx_bigbird_params params_of(const Spec &s) {
    pmx_bigbird_params p{};
    p.struct_size = sizeof p;
    p.nq = s.nq;
    p.nk = s.nk;
    p.heads = s.heads;
    p.block = s.block;
    p.window_blocks = s.window;
    p.random_blocks = s.random;
    p.global_blocks = s.global;
    p.causal = s.causal;
    p.seed = s.seed;
    return p;
}

// Runs the library on `threads` threads into a poisoned buffer; `padded`
// gives every row and head a gap (strides larger than dense) and checks that
// the gaps stay untouched. Returns the layout, dense.
Layout run(const Spec &s, int threads, bool padded) {
    pmx_context *ctx = nullptr;
    pmx_context_create(&ctx);
    pmx_context_set_num_threads(ctx, threads);
    const int64_t nbq = s.nbq(), nbk = s.nbk();
    const int64_t sk = 1, sq = padded ? nbk + 3 : nbk, sh = padded ? nbq * sq + 5 : nbq * sq;
    std::vector<uint8_t> buf(size_t(s.heads * sh + 8), kPoison);
    pmx_bigbird_params p = params_of(s);
    p.layout = pmx_test::view(buf.data(), PMX_DTYPE_U8, {1, s.heads, nbq, nbk}, {s.heads * sh, sh, sq, sk},
                              int64_t(buf.size()));
    const pmx_status st = pmx_bigbird_layout(ctx, &p);
    expect(st == PMX_STATUS_SUCCESS, s.name() + ": status " + pmx_status_name(st) + " " + pmx_test::last_error(ctx));
    pmx_context_destroy(ctx);

    Layout out{nbq, nbk, std::vector<uint8_t>(size_t(s.heads * nbq * nbk))};
    std::vector<bool> inside(buf.size(), false);
    for (int64_t h = 0; h < s.heads; ++h)
        for (int64_t qb = 0; qb < nbq; ++qb)
            for (int64_t kb = 0; kb < nbk; ++kb) {
                const size_t at = size_t(h * sh + qb * sq + kb * sk);
                inside[at] = true;
                out.v[size_t((h * nbq + qb) * nbk + kb)] = buf[at];
            }
    for (size_t i = 0; i < buf.size(); ++i)
        if (!inside[i] && buf[i] != kPoison) {
            expect(false, s.name() + ": wrote outside the layout at byte " + std::to_string(i));
            break;
        }
    return out;
}

// ---- the rules, from the header's text -----------------------------------------------------

struct Cell {
    bool future;      // causal and first key > last query + nk - nq
    bool structural;  // global row or column, or within the window of the diagonal
};

Cell rule(const Spec &s, int64_t qb, int64_t kb) {
    const int64_t last = std::min((qb + 1) * s.block, s.nq) - 1;
    const int64_t diagonal_key = last + s.nk - s.nq;
    Cell c;
    c.future = s.causal == 1 && kb * s.block > diagonal_key;
    const bool in_window = diagonal_key >= 0 && std::llabs(kb - diagonal_key / s.block) <= s.window;
    c.structural = !c.future && (qb < s.global || kb < s.global || in_window);
    return c;
}

// Every element is 0 or 1; structural blocks 1, future blocks 0; each
// non-global row of each head has exactly min(random, candidates) more.
void check_rules(const Spec &s, const Layout &l) {
    int64_t bad = 0;
    for (int64_t h = 0; h < s.heads; ++h)
        for (int64_t qb = 0; qb < l.nbq; ++qb) {
            int64_t candidates = 0, drawn = 0;
            for (int64_t kb = 0; kb < l.nbk; ++kb) {
                const uint8_t x = l.at(h, qb, kb);
                const Cell c = rule(s, qb, kb);
                if (x > 1 || (c.structural && x != 1) || (c.future && x != 0)) {
                    if (bad++ < 5)
                        std::printf("  %s: head %lld block (%lld, %lld) is %d (future %d, structural %d)\n",
                                    s.name().c_str(), (long long)h, (long long)qb, (long long)kb, x, c.future,
                                    c.structural);
                }
                if (!c.structural && !c.future) {
                    ++candidates;
                    drawn += x;
                }
            }
            const int64_t want = std::min<int64_t>(s.random, candidates);
            if (drawn != want && bad++ < 5)
                std::printf("  %s: head %lld row %lld has %lld random blocks, expected %lld of %lld\n",
                            s.name().c_str(), (long long)h, (long long)qb, (long long)drawn, (long long)want,
                            (long long)candidates);
        }
    expect(bad == 0, s.name() + ": the layout breaks the rules in " + std::to_string(bad) + " place(s)");
}

// ---- the documented draw, written again here --------------------------------------------

constexpr uint64_t kG = 0x9E3779B97F4A7C15ull;

uint64_t finalise(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

struct Words {
    uint64_t key;
    uint64_t t = 0;
    uint64_t next() { return finalise(key + kG * ++t); }
    uint64_t below(uint64_t s) {  // uniform in [0, s)
        for (;;) {
            const unsigned __int128 m = static_cast<unsigned __int128>(next()) * s;
            if (static_cast<uint64_t>(m) >= (0 - s) % s) return static_cast<uint64_t>(m >> 64);
        }
    }
};

Layout expected_layout(const Spec &s) {
    Layout l{s.nbq(), s.nbk(), std::vector<uint8_t>(size_t(s.heads * s.nbq() * s.nbk()), 0)};
    for (int64_t h = 0; h < s.heads; ++h)
        for (int64_t qb = 0; qb < l.nbq; ++qb) {
            uint8_t *row = l.v.data() + (h * l.nbq + qb) * l.nbk;
            std::vector<int64_t> candidates;
            for (int64_t kb = 0; kb < l.nbk; ++kb) {
                const Cell c = rule(s, qb, kb);
                row[kb] = c.structural;
                if (!c.structural && !c.future) candidates.push_back(kb);
            }
            if (qb < s.global) continue;
            const int64_t m = int64_t(candidates.size()), n = std::min<int64_t>(s.random, m);
            Words w{finalise(finalise(finalise(s.seed + kG) + kG * uint64_t(h + 1)) + kG * uint64_t(qb + 1))};
            std::vector<bool> chosen(size_t(m), false);
            for (int64_t j = m - n; j < m; ++j) {
                const int64_t t = int64_t(w.below(uint64_t(j + 1)));
                chosen[size_t(chosen[size_t(t)] ? j : t)] = true;
            }
            for (int64_t i = 0; i < m; ++i)
                if (chosen[size_t(i)]) row[candidates[size_t(i)]] = 1;
        }
    return l;
}

// ---- checks -------------------------------------------------------------------------------

void check_spec(const Spec &s) {
    const Layout one = run(s, 1, false);
    check_rules(s, one);
    expect(one.v == expected_layout(s).v, s.name() + ": differs from the documented draw");
    for (int threads : {2, 7}) {
        expect(run(s, threads, false).v == one.v, s.name() + ": differs with " + std::to_string(threads) + " threads");
    }
    expect(run(s, 3, true).v == one.v, s.name() + ": a padded (strided) layout differs from the dense one");
}

std::vector<Spec> specs() {
    std::vector<Spec> v;
    for (int causal : {0, 1}) {
        v.push_back({1000, 1000, 3, 64, 1, 3, 2, causal, 7});  // partial last block (1000 = 15·64 + 40)
        v.push_back({700, 1000, 2, 64, 1, 3, 1, causal, 8});   // Nq < Nk
        v.push_back({1000, 300, 2, 64, 1, 3, 1, causal, 9});   // Nq > Nk: early rows have no diagonal
        v.push_back({100, 50, 2, 17, 0, 2, 1, causal, 10});    // block 17, partial blocks both ways
        v.push_back({640, 640, 2, 64, 1, 0, 2, causal, 11});   // no random blocks
        v.push_back({300, 300, 2, 64, 1, 2, 20, causal, 12});  // global >= blocks: everything visited
        v.push_back({300, 300, 2, 64, 100, 2, 0, causal, 13}); // window wider than the layout
        v.push_back({640, 640, 2, 64, 0, 50, 0, causal, 14});  // random >= candidates: all of them
        v.push_back({37, 37, 3, 1, 2, 2, 1, causal, 15});      // block 1
        v.push_back({37, 37, 2, 100, 1, 1, 0, causal, 16});    // one block
        v.push_back({0, 50, 2, 16, 1, 1, 1, causal, 17});      // no query rows
        v.push_back({50, 0, 2, 16, 1, 1, 1, causal, 18});      // no keys
        v.push_back({4096, 4096, 4, 16, 2, 5, 2, causal, 0xFFFFFFFFFFFFFFFFull});  // 256 x 256, seed 2^64 - 1
        v.push_back({1013, 997, 1, 8, 3, 4, 3, causal, 0});
    }
    return v;
}

// Golden layouts: drawn once and checked in, so that a change to the draw (or
// a machine that draws differently) fails here. One string per head, one
// character per block, rows separated by '|'.
struct Golden {
    Spec spec;
    std::vector<std::string> heads;
};

std::vector<Golden> goldens() {
    return {
        {{300, 260, 2, 32, 1, 2, 1, 0, 12345},
         {"111111111|110001010|111001010|111100110|101110101|111111000|100111110|101101110|100110111|110000111",
          "111111111|111100000|111000101|111100101|111110001|100111011|110011110|101101110|101001111|100001111"}},
        {{260, 300, 2, 32, 1, 2, 1, 1, 2026},
         {"1110000000|1111000000|1111100000|1110110000|1010111000|1011001100|1001100110|1000001111|1001100011",
          "1110000000|1111000000|1111100000|1101110000|1011011000|1010101100|1100100110|1001000111|1000011011"}},
    };
}

std::string render(const Layout &l, int64_t h) {
    std::string s;
    for (int64_t qb = 0; qb < l.nbq; ++qb) {
        if (qb > 0) s += '|';
        for (int64_t kb = 0; kb < l.nbk; ++kb) s += char('0' + l.at(h, qb, kb));
    }
    return s;
}

void check_goldens() {
    for (const Golden &g : goldens()) {
        const Layout l = run(g.spec, 2, false);
        for (int64_t h = 0; h < g.spec.heads; ++h) {
            const std::string got = render(l, h);
            expect(got == g.heads[size_t(h)], g.spec.name() + ": head " + std::to_string(h) + " is " + got +
                                                  ", the golden layout is " + g.heads[size_t(h)]);
        }
    }
}

void check_seeds_differ() {
    Spec a{1000, 1000, 3, 64, 1, 3, 2, 0, 41};
    Spec b = a;
    b.seed = 42;
    const Layout la = run(a, 2, false), lb = run(b, 2, false);
    expect(la.v != lb.v, "seeds 41 and 42 give the same layout");
    // Heads draw apart too: no two heads of one layout agree on every row.
    int64_t same_rows = 0;
    for (int64_t qb = a.global; qb < la.nbq; ++qb)
        same_rows += std::equal(&la.v[size_t(qb * la.nbk)], &la.v[size_t((qb + 1) * la.nbk)],
                                &la.v[size_t((la.nbq + qb) * la.nbk)]);
    expect(same_rows < (la.nbq - a.global) / 2, "heads 0 and 1 agree on " + std::to_string(same_rows) + " rows");
}

// Over many seeds, each candidate of a row is drawn equally often: with 12
// blocks, no window beyond the diagonal, no globals and 3 random blocks, each
// row has 11 candidates. Chi-square over all rows (12·10 degrees of freedom)
// must lie within 6 standard deviations of its mean, from above (a biased
// draw) and from below (a draw too regular to be random).
void check_uniform() {
    const int kSeeds = 400, kHeads = 4, kBlocks = 12, kRandom = 3;
    std::vector<int64_t> count(size_t(kBlocks * kBlocks), 0);
    for (int seed = 0; seed < kSeeds; ++seed) {
        const Spec s{kBlocks * 8, kBlocks * 8, kHeads, 8, 0, kRandom, 0, 0, uint64_t(seed) * 1000003u};
        const Layout l = run(s, 2, false);
        for (int64_t h = 0; h < kHeads; ++h)
            for (int64_t qb = 0; qb < kBlocks; ++qb)
                for (int64_t kb = 0; kb < kBlocks; ++kb) count[size_t(qb * kBlocks + kb)] += l.at(h, qb, kb);
    }
    const double expected = double(kSeeds) * kHeads * kRandom / (kBlocks - 1);
    double chi2 = 0;
    for (int64_t qb = 0; qb < kBlocks; ++qb)
        for (int64_t kb = 0; kb < kBlocks; ++kb) {
            if (kb == qb) continue;
            const double d = double(count[size_t(qb * kBlocks + kb)]) - expected;
            chi2 += d * d / expected;
        }
    const double df = kBlocks * (kBlocks - 2), sd = std::sqrt(2 * df);
    std::printf("uniformity: chi-square %.1f with %.0f degrees of freedom (accepted %.1f .. %.1f)\n", chi2, df,
                df - 6 * sd, df + 6 * sd);
    expect(chi2 > df - 6 * sd && chi2 < df + 6 * sd, "the random blocks are not drawn uniformly");
}

// ---- bad arguments ----------------------------------------------------------------------------

void check_rejects(pmx_context *ctx, const char *label, const std::function<void(pmx_bigbird_params &)> &mutate,
                   const char *prefix) {
    const Spec s{300, 200, 2, 64, 1, 2, 1, 0, 1};
    std::vector<uint8_t> buf(size_t(2 * 5 * 4), kPoison);
    pmx_bigbird_params p = params_of(s);
    p.layout = pmx_test::dense(buf.data(), PMX_DTYPE_U8, {1, 2, 5, 4}, 1);
    mutate(p);
    const pmx_status st = pmx_bigbird_layout(ctx, &p);
    const std::string msg = pmx_test::last_error(ctx);
    std::printf("%-32s -> %-28s \"%s\"\n", label, pmx_status_name(st), msg.c_str());
    expect(st == PMX_STATUS_INVALID_ARGUMENT && msg.rfind(prefix, 0) == 0,
           std::string(label) + ": expected INVALID_ARGUMENT with a message starting '" + prefix + "'");
    expect(std::all_of(buf.begin(), buf.end(), [](uint8_t x) { return x == kPoison; }),
           std::string(label) + ": a refused call wrote the layout");
}

void check_validation() {
    pmx_context *ctx = nullptr;
    pmx_context_create(&ctx);
    using P = pmx_bigbird_params;
    expect(pmx_bigbird_layout(nullptr, nullptr) == PMX_STATUS_INVALID_ARGUMENT, "NULL context");
    expect(pmx_bigbird_layout(ctx, nullptr) == PMX_STATUS_INVALID_ARGUMENT &&
               pmx_test::last_error(ctx) == "params: must not be NULL",
           "NULL params");
    check_rejects(ctx, "struct_size 0", [](P &p) { p.struct_size = 0; }, "params: struct_size 0");
    check_rejects(ctx, "block 0", [](P &p) { p.block = 0; }, "block: must be >= 1, got 0");
    check_rejects(ctx, "nq -1", [](P &p) { p.nq = -1; }, "nq: must be >= 0, got -1");
    check_rejects(ctx, "nk -5", [](P &p) { p.nk = -5; }, "nk: must be >= 0, got -5");
    check_rejects(ctx, "heads 0", [](P &p) { p.heads = 0; }, "heads: must be >= 1, got 0");
    check_rejects(ctx, "window_blocks -1", [](P &p) { p.window_blocks = -1; }, "window_blocks: must be >= 0, got -1");
    check_rejects(ctx, "random_blocks -2", [](P &p) { p.random_blocks = -2; }, "random_blocks: must be >= 0, got -2");
    check_rejects(ctx, "global_blocks -3", [](P &p) { p.global_blocks = -3; }, "global_blocks: must be >= 0, got -3");
    check_rejects(ctx, "causal 2", [](P &p) { p.causal = 2; }, "causal: must be 0 or 1, got 2");
    check_rejects(ctx, "layout f32", [](P &p) { p.layout.dtype = PMX_DTYPE_F32; }, "layout: dtype f32");
    check_rejects(ctx, "layout rank 3", [](P &p) { p.layout.ndim = 3; }, "layout: expected 4 dimensions");
    check_rejects(ctx, "layout batch 0", [](P &p) { p.layout.shape[0] = 0; }, "layout: shape[0]");
    check_rejects(ctx, "layout heads 1", [](P &p) { p.layout.shape[1] = 1; }, "layout: shape[1] (H)");
    check_rejects(ctx, "layout nbq 4", [](P &p) { p.layout.shape[2] = 4; }, "layout: shape[2] (ceil(nq/block))");
    check_rejects(ctx, "layout nbk 3", [](P &p) { p.layout.shape[3] = 3; }, "layout: shape[3] (ceil(nk/block))");
    check_rejects(ctx, "block 100 (layout now too big)", [](P &p) { p.block = 100; }, "layout: shape[2]");
    check_rejects(ctx, "layout NULL", [](P &p) { p.layout.data = nullptr; }, "layout: data is NULL");
    check_rejects(ctx, "layout byte_size short", [](P &p) { p.layout.byte_size -= 1; }, "layout: the view needs");
    check_rejects(ctx, "layout zero stride", [](P &p) { p.layout.stride[3] = 0; },
                  "layout: strides make elements overlap");
    check_rejects(ctx, "layout on CUDA", [](P &p) { p.layout.device = PMX_DEVICE_CUDA; }, "layout: tensor is on CUDA");
    pmx_context_destroy(ctx);
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    for (const Spec &s : specs()) check_spec(s);
    check_goldens();
    check_seeds_differ();
    check_uniform();
    check_validation();
    std::printf("%s: %d failure(s)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
