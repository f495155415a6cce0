// Dynamic top-k block selection (attention/topk_select.h), driven directly
// (the attention call wires it in): against a brute-force float64 selection
// written here, on random inputs. Rows whose float64 ranking has a clear gap
// at the cut must match it exactly; in rows with a near-tie at the cut every
// chosen block's float64 score must be at least every unchosen eligible
// block's, less a rounding tolerance. Causal and not, Nq != Nk both ways,
// varlen with empty sequences, GQA, partial blocks, block sizes 1, 17, 64,
// 100, head dims 1 .. 200, strided q/k, k larger than the eligible blocks, a
// NaN query row, and 1, 2, 3, 7 threads giving identical layouts. The layout
// and the scratch are poisoned first; every layout element is checked.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "attention/topk_select.h"
#include "test_support.h"

namespace {

using pmx::attention::FwdProblem;
using pmx::attention::TopkSpec;

using pmx_test::expect;
using pmx_test::failures;

constexpr uint8_t kPoison = 0xCD;

struct Case {
    std::string name;
    std::vector<int32_t> q_lens, k_lens;  // one per sequence
    bool varlen = false;                  // packed (cu_seqlens) instead of dense [B, N, H, D]
    int64_t heads = 4, kv_heads = 2, dims = 64;
    int64_t block_q = 64, block_k = 64, k = 2;
    bool causal = false;
    int64_t extra_q = 0, extra_k = 0;  // layout dims beyond the longest sequence's blocks
    int64_t d_stride = 1;              // element stride of q and k along D
    bool nan_row = false;              // one query row of NaN
    int64_t twin = 0;                  // > 0: key block kb + twin a copy of block kb (exact ties)
    bool equal_keys = false;           // every key row the same: every score ties
};

int64_t blocks_of(int64_t n, int64_t b) { return (n + b - 1) / b; }

// Inputs and the problem over them (q and k as [rows][heads][D·d_stride + 3]:
// padded heads, so the head and row strides are not the dense ones).
struct Inputs {
    std::vector<float> q, k;
    std::vector<int32_t> cu_q, cu_k;
    FwdProblem p;
    TopkSpec s;
};

Inputs make_inputs(const Case &c, std::mt19937_64 &rng) {
    Inputs in;
    const int64_t B = int64_t(c.q_lens.size());
    const int64_t nq_max = *std::max_element(c.q_lens.begin(), c.q_lens.end());
    const int64_t nk_max = *std::max_element(c.k_lens.begin(), c.k_lens.end());
    in.cu_q.push_back(0);
    in.cu_k.push_back(0);
    for (int64_t b = 0; b < B; ++b) {
        in.cu_q.push_back(in.cu_q.back() + c.q_lens[size_t(b)]);
        in.cu_k.push_back(in.cu_k.back() + c.k_lens[size_t(b)]);
    }
    const int64_t rows_q = c.varlen ? in.cu_q.back() : B * nq_max;
    const int64_t rows_k = c.varlen ? in.cu_k.back() : B * nk_max;
    const int64_t head_stride = c.dims * c.d_stride + 3;
    in.q = pmx_test::random_floats(size_t(std::max<int64_t>(1, rows_q * c.heads * head_stride)), rng);
    in.k = pmx_test::random_floats(size_t(std::max<int64_t>(1, rows_k * c.kv_heads * head_stride)), rng);
    // Dense: whole rows (every head) of block kb copied into block kb + twin,
    // for kb in [0, twin), [2·twin, 3·twin) ...
    for (int64_t b = 0; c.twin > 0 && b < B; ++b)
        for (int64_t kb = 0; (kb + c.twin + 1) * c.block_k <= nk_max; kb += (kb + 1) % c.twin == 0 ? c.twin + 1 : 1)
            std::copy_n(&in.k[size_t((b * nk_max + kb * c.block_k) * c.kv_heads * head_stride)],
                        c.block_k * c.kv_heads * head_stride,
                        &in.k[size_t((b * nk_max + (kb + c.twin) * c.block_k) * c.kv_heads * head_stride)]);
    if (c.equal_keys)
        for (int64_t r = 1; r < rows_k; ++r)
            std::copy_n(in.k.begin(), c.kv_heads * head_stride, in.k.begin() + r * c.kv_heads * head_stride);
    if (c.nan_row && rows_q > 1)
        for (int64_t d = 0; d < c.dims; ++d) in.q[size_t((rows_q / 2 * c.heads + 1) * head_stride + d * c.d_stride)] = NAN;

    FwdProblem &p = in.p;
    p.batch = B;
    p.heads = c.heads;
    p.kv_heads = c.kv_heads;
    p.head_dim = c.dims;
    p.causal = c.causal;
    p.packed = c.varlen;
    p.q_sh = head_stride;
    p.q_sn = c.heads * head_stride;
    p.q_sd = c.d_stride;
    p.k_sh = head_stride;
    p.k_sn = c.kv_heads * head_stride;
    p.k_sd = c.d_stride;
    if (c.varlen) {
        p.total_q = rows_q;
        p.cu_q = in.cu_q.data();
        p.cu_k = in.cu_k.data();
    } else {
        p.nq = nq_max;
        p.nk = nk_max;
        p.q_sb = nq_max * p.q_sn;
        p.k_sb = nk_max * p.k_sn;
    }
    p.q = in.q.data();
    p.k = in.k.data();
    in.s = {c.block_q, c.block_k, c.k, blocks_of(nq_max, c.block_q) + c.extra_q,
            blocks_of(nk_max, c.block_k) + c.extra_k};
    return in;
}

// Dense cases take the batch's common lengths.
int64_t q_len(const Case &c, const FwdProblem &p, int64_t b) { return c.varlen ? c.q_lens[size_t(b)] : p.nq; }
int64_t k_len(const Case &c, const FwdProblem &p, int64_t b) { return c.varlen ? c.k_lens[size_t(b)] : p.nk; }

std::vector<uint8_t> run(const Inputs &in, int threads) {
    const size_t slice = pmx::attention::topk_scratch_floats(in.p, in.s);
    std::vector<float> scratch(slice * size_t(threads) + 16, NAN);
    float *aligned = reinterpret_cast<float *>((reinterpret_cast<uintptr_t>(scratch.data()) + 63) & ~uintptr_t(63));
    std::vector<uint8_t> layout(size_t(in.p.batch * in.p.heads * in.s.nbq * in.s.nbk), kPoison);
    pmx::attention::select_topk(in.p, in.s, layout.data(), aligned, threads);
    return layout;
}

// ---- the float64 brute force ----------------------------------------------------------------

struct RowCheck {
    int64_t exact = 0, tolerant = 0, bad = 0;
};

double rank_key(double x) { return std::isnan(x) ? -std::numeric_limits<double>::infinity() : x; }

void check_layout(const Case &c, const Inputs &in, const std::vector<uint8_t> &got, RowCheck &rc) {
    const FwdProblem &p = in.p;
    const TopkSpec &s = in.s;
    const int64_t D = c.dims, group = c.heads / c.kv_heads;
    auto report = [&](int64_t b, int64_t h, int64_t qb, const char *what) {
        if (rc.bad++ < 8)
            std::printf("  %s: sequence %lld head %lld query block %lld: %s\n", c.name.c_str(), (long long)b,
                        (long long)h, (long long)qb, what);
    };
    for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t nq = q_len(c, p, b), nk = k_len(c, p, b), off = nk - nq;
        const int64_t q0 = c.varlen ? in.cu_q[size_t(b)] : b * p.nq;
        const int64_t k0 = c.varlen ? in.cu_k[size_t(b)] : b * p.nk;
        for (int64_t h = 0; h < c.heads; ++h) {
            const int64_t kvh = h / group;
            // The mean of rows row0 .. row0 + rows of one head (head_at: its offset in a row).
            auto mean = [&](const std::vector<float> &x, int64_t row0, int64_t rows, int64_t row_stride,
                            int64_t head_at) {
                std::vector<double> m(size_t(D), 0.0);
                for (int64_t r = 0; r < rows; ++r)
                    for (int64_t d = 0; d < D; ++d)
                        m[size_t(d)] += x[size_t((row0 + r) * row_stride + head_at + d * c.d_stride)];
                for (double &v : m) v /= double(rows);
                return m;
            };
            for (int64_t qb = 0; qb < s.nbq; ++qb) {
                const uint8_t *row = &got[size_t(((b * c.heads + h) * s.nbq + qb) * s.nbk)];
                std::vector<uint8_t> want(size_t(s.nbk), 0);
                std::vector<double> key(size_t(s.nbk), 0.0), bound(size_t(s.nbk), 0.0);
                std::vector<int64_t> others;  // eligible, not local
                int64_t local = -1, n = 0;
                if (qb * c.block_q < nq) {
                    const int64_t first = qb * c.block_q, last = std::min(first + c.block_q, nq) - 1;
                    const std::vector<double> pq = mean(in.q, q0 + first, last - first + 1, p.q_sn, h * p.q_sh);
                    if (last + off >= 0) local = (last + off) / c.block_k;
                    for (int64_t kb = 0; kb * c.block_k < nk; ++kb) {
                        if (c.causal && kb * c.block_k > last + off) break;
                        const int64_t kf = kb * c.block_k, kn = std::min(c.block_k, nk - kf);
                        const std::vector<double> pk = mean(in.k, k0 + kf, kn, p.k_sn, kvh * p.k_sh);
                        double dot = 0, mag = 0;
                        for (int64_t d = 0; d < D; ++d) {
                            dot += pq[size_t(d)] * pk[size_t(d)];
                            mag += std::fabs(pq[size_t(d)] * pk[size_t(d)]);
                        }
                        key[size_t(kb)] = rank_key(dot);
                        // float32 pooling (block rows) and dot (D terms) rounding, generously.
                        bound[size_t(kb)] = 4e-7 * double(c.block_q + c.block_k + D) * mag;
                        if (kb != local) others.push_back(kb);
                    }
                    std::stable_sort(others.begin(), others.end(),
                                     [&](int64_t a, int64_t z) { return key[size_t(a)] > key[size_t(z)]; });
                    n = std::min<int64_t>(c.k, int64_t(others.size()));
                    if (local >= 0) want[size_t(local)] = 1;
                    for (int64_t i = 0; i < n; ++i) want[size_t(others[size_t(i)])] = 1;
                }
                bool binary = true;
                for (int64_t kb = 0; kb < s.nbk; ++kb) binary &= row[kb] <= 1;
                if (!binary) {
                    report(b, h, qb, "an element is neither 0 nor 1 (not written?)");
                    continue;
                }
                if (std::equal(want.begin(), want.end(), row)) {
                    ++rc.exact;
                    continue;
                }
                // A different choice is right only at a near-tie of the cut:
                // the same count, the local block, nothing ineligible, and no
                // unchosen block clearly better than a chosen one.
                const int64_t cut = n - 1;
                const bool tie = cut >= 0 && cut + 1 < int64_t(others.size()) &&
                                 std::fabs(key[size_t(others[size_t(cut)])] - key[size_t(others[size_t(cut + 1)])]) <=
                                     bound[size_t(others[size_t(cut)])] + bound[size_t(others[size_t(cut + 1)])];
                int64_t count = 0;
                bool ok = tie && (local < 0 || row[local] == 1);
                double worst_chosen = std::numeric_limits<double>::infinity();
                double best_unchosen = -std::numeric_limits<double>::infinity();
                std::vector<bool> eligible(size_t(s.nbk), false);
                for (int64_t kb : others) eligible[size_t(kb)] = true;
                for (int64_t kb = 0; kb < s.nbk; ++kb) {
                    if (kb == local) continue;
                    count += row[kb];
                    if (row[kb] && !eligible[size_t(kb)]) ok = false;
                    if (!eligible[size_t(kb)]) continue;
                    const double lo = key[size_t(kb)] + bound[size_t(kb)], hi = key[size_t(kb)] - bound[size_t(kb)];
                    if (row[kb]) worst_chosen = std::min(worst_chosen, lo);
                    else best_unchosen = std::max(best_unchosen, hi);
                }
                ok = ok && count == n && worst_chosen >= best_unchosen;
                if (ok) ++rc.tolerant;
                else report(b, h, qb, "the chosen blocks differ from the float64 top-k beyond rounding");
            }
        }
    }
}

void check_case(const Case &c, std::mt19937_64 &rng) {
    const Inputs in = make_inputs(c, rng);
    const std::vector<uint8_t> one = run(in, 1);
    RowCheck rc;
    check_layout(c, in, one, rc);
    std::printf("%-44s %6lld rows exact, %3lld within rounding of a tie, %lld wrong\n", c.name.c_str(),
                (long long)rc.exact, (long long)rc.tolerant, (long long)rc.bad);
    expect(rc.bad == 0, c.name + ": rows differ from the float64 selection");
    expect(rc.tolerant * 20 <= rc.exact, c.name + ": too few rows checked exactly");
    for (int threads : {2, 3, 7})
        expect(run(in, threads) == one, c.name + ": differs with " + std::to_string(threads) + " threads");
}

std::vector<Case> cases() {
    std::vector<Case> v;
    for (bool causal : {false, true}) {
        const std::string tag = causal ? " causal" : "";
        Case base;
        base.causal = causal;

        Case c = base;
        c.name = "dense B=2 N=300 H=4 Hkv=2" + tag;
        c.q_lens = c.k_lens = {300, 300};
        v.push_back(c);

        c = base;
        c.name = "dense Nq=100 < Nk=333 k=3" + tag;
        c.q_lens = {100, 100};
        c.k_lens = {333, 333};
        c.k = 3;
        c.block_q = 17;
        c.block_k = 17;
        v.push_back(c);

        c = base;
        c.name = "dense Nq=333 > Nk=100 (rows without keys)" + tag;
        c.q_lens = {333};
        c.k_lens = {100};
        c.block_q = 17;
        c.block_k = 17;
        v.push_back(c);

        c = base;
        c.name = "varlen with empty sequences, GQA 6/2" + tag;
        c.varlen = true;
        c.q_lens = {0, 150, 20, 230, 64};
        c.k_lens = {40, 0, 260, 220, 64};
        c.heads = 6;
        c.extra_q = 1;
        c.extra_k = 2;
        v.push_back(c);

        c = base;
        c.name = "block_q=1 block_k=17 D=17 MQA" + tag;
        c.q_lens = c.k_lens = {90};
        c.block_q = 1;
        c.block_k = 17;
        c.dims = 17;
        c.kv_heads = 1;
        v.push_back(c);

        c = base;
        c.name = "block_q=100 block_k=1 D=1 k=5" + tag;
        c.q_lens = {250};
        c.k_lens = {70};
        c.block_q = 100;
        c.block_k = 1;
        c.dims = 1;
        c.k = 5;
        v.push_back(c);

        c = base;
        c.name = "block 64 D=128 H=Hkv=3 k=8" + tag;
        c.q_lens = c.k_lens = {1013};
        c.heads = c.kv_heads = 3;
        c.dims = 128;
        c.k = 8;
        v.push_back(c);

        c = base;
        c.name = "block 64 D=200 d_stride=2 k=20 (nth_element)" + tag;
        c.q_lens = c.k_lens = {2000};
        c.dims = 200;
        c.d_stride = 2;
        c.k = 20;
        v.push_back(c);

        c = base;
        c.name = "k=50 larger than the eligible blocks" + tag;
        c.q_lens = c.k_lens = {300, 300};
        c.k = 50;
        c.extra_k = 1;
        v.push_back(c);

        c = base;
        c.name = "twin key blocks 1 apart (exact ties) k=3" + tag;
        c.q_lens = c.k_lens = {4000};
        c.block_q = c.block_k = 32;
        c.k = 3;
        c.twin = 1;
        v.push_back(c);

        c = base;
        c.name = "twin key blocks 65 apart (exact ties) k=5" + tag;
        c.q_lens = c.k_lens = {4000};
        c.block_q = c.block_k = 32;
        c.k = 5;
        c.twin = 65;
        v.push_back(c);

        c = base;
        c.name = "twin key blocks 1 apart (exact ties) k=20" + tag;
        c.q_lens = c.k_lens = {4000};
        c.block_q = c.block_k = 32;
        c.k = 20;
        c.twin = 1;
        v.push_back(c);

        c = base;
        c.name = "every key row equal (all scores tie) k=6" + tag;
        c.q_lens = c.k_lens = {4000};
        c.block_q = c.block_k = 16;
        c.k = 6;
        c.equal_keys = true;
        v.push_back(c);

        c = base;
        c.name = "one NaN query row" + tag;
        c.q_lens = c.k_lens = {640};
        c.k = 3;
        c.nan_row = true;
        v.push_back(c);
    }
    return v;
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    std::mt19937_64 rng(20261207);
    for (const Case &c : cases()) check_case(c, rng);
    std::printf("%s: %d failure(s)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
