// The sparse, biased and axial options of pmx_attention_fwd (sliding window,
// global tokens, ALiBi, softcap, block masks, axial) against a float64
// attention written here from an explicit dense mask and bias (never the
// library's own rules), on the ISA path this process runs (CTest runs it once
// per PMX_ISA value). The library's float64 reference is checked against the
// same dense computation. Outputs are poisoned first and every element is
// checked; results must be bit-identical for 1 and 3 threads.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using pmx_test::is_poison;
using pmx_test::poison;
using pmx_test::run_fused;
using pmx_test::dense;
using pmx_test::view;


struct Case {
    std::string name;
    int64_t batch = 1, heads = 2, kv_heads = 1, head_dim = 24, nq = 97, nk = 97;
    bool causal = false;
    bool window = false;
    int32_t wl = -1, wr = -1;
    std::vector<int32_t> global;
    int alibi = 0;  // 0: none, 1: [H], 2: [B, H]
    float softcap = 0.f;
    bool block_mask = false;
    int32_t bq = 0, bk = 0;  // 0: 64
    double density = 0.35;
    bool mask_per_batch = false, mask_per_head = true;
    int axial = 0;  // PMX_AXIAL_*
    int32_t rows = 0, cols = 0;
    std::vector<int32_t> len_q, len_k;  // packed varlen when non-empty
    std::vector<int64_t> nan_v_rows;   // key rows (dense batch 0, kv head 0) whose V[.., 1] is NaN
    int32_t topk = 0;  // > 0: dynamic top-k, the layout read back through layout_out
};

// One sequence as the test sees it: where its token n lives in q/k/v.
struct Seq {
    int64_t outer = 0;     // caller batch (dense) or sequence (varlen)
    int64_t q_row0 = 0, k_row0 = 0;  // packed-row / in-batch row of token 0
    int64_t step = 1;      // rows between consecutive tokens (axial col: C)
    int64_t nq = 0, nk = 0;
};

struct Data {
    std::vector<float> q, k, v, out, lse, slopes;
    std::vector<int32_t> cu_q, cu_k, global;
    std::vector<uint8_t> mask;
    std::vector<Seq> seqs;
    int64_t rows_q = 0, rows_k = 0;  // rows per caller batch (dense) or packed total
    int64_t bq = 64, bk = 64, nbq = 0, nbk = 0, mask_b = 1, mask_h = 1;
    pmx_attention_params params{};
};

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

void build(const Case &c, Data &d, std::mt19937_64 &rng) {
    const bool varlen = !c.len_q.empty();
    const int64_t H = c.heads, Hk = c.kv_heads, D = c.head_dim;
    const int64_t B = varlen ? 1 : c.batch;
    if (varlen) {
        d.cu_q = {0};
        d.cu_k = {0};
        for (size_t i = 0; i < c.len_q.size(); ++i) {
            d.cu_q.push_back(d.cu_q.back() + c.len_q[i]);
            d.cu_k.push_back(d.cu_k.back() + c.len_k[i]);
        }
        d.rows_q = d.cu_q.back();
        d.rows_k = d.cu_k.back();
        for (size_t i = 0; i < c.len_q.size(); ++i)
            d.seqs.push_back({int64_t(i), d.cu_q[i], d.cu_k[i], 1, c.len_q[i], c.len_k[i]});
    } else {
        d.rows_q = c.nq;
        d.rows_k = c.nk;
        for (int64_t b = 0; b < B; ++b) {
            if (c.axial == PMX_AXIAL_ROW)
                for (int64_t r = 0; r < c.rows; ++r) d.seqs.push_back({b, r * c.cols, r * c.cols, 1, c.cols, c.cols});
            else if (c.axial == PMX_AXIAL_COL)
                for (int64_t col = 0; col < c.cols; ++col) d.seqs.push_back({b, col, col, c.cols, c.rows, c.rows});
            else d.seqs.push_back({b, 0, 0, 1, c.nq, c.nk});
        }
    }
    d.q = pmx_test::random_floats(size_t(B * d.rows_q * H * D), rng);
    d.k = pmx_test::random_floats(size_t(B * d.rows_k * Hk * D), rng);
    d.v = pmx_test::random_floats(size_t(B * d.rows_k * Hk * D), rng);
    for (int64_t j : c.nan_v_rows) d.v[size_t(j * Hk * D + 1)] = std::numeric_limits<float>::quiet_NaN();
    d.out.assign(size_t(B * d.rows_q * H * D), poison());
    d.lse.assign(size_t(B * d.rows_q * H), poison());

    pmx_attention_params &a = d.params;
    a = pmx_attention_params{};
    a.struct_size = sizeof a;
    a.causal = c.causal;
    if (varlen) {
        const int64_t nb = int64_t(c.len_q.size());
        a.cu_seqlens_q = dense(d.cu_q.data(), PMX_DTYPE_I32, {nb + 1}, 4);
        a.cu_seqlens_k = dense(d.cu_k.data(), PMX_DTYPE_I32, {nb + 1}, 4);
        a.q = dense(d.q.data(), PMX_DTYPE_F32, {d.rows_q, H, D}, 4);
        a.k = dense(d.k.data(), PMX_DTYPE_F32, {d.rows_k, Hk, D}, 4);
        a.v = dense(d.v.data(), PMX_DTYPE_F32, {d.rows_k, Hk, D}, 4);
        a.out = dense(d.out.data(), PMX_DTYPE_F32, {d.rows_q, H, D}, 4);
        a.lse = dense(d.lse.data(), PMX_DTYPE_F32, {H, d.rows_q}, 4);
    } else {
        a.q = dense(d.q.data(), PMX_DTYPE_F32, {B, d.rows_q, H, D}, 4);
        a.k = dense(d.k.data(), PMX_DTYPE_F32, {B, d.rows_k, Hk, D}, 4);
        a.v = dense(d.v.data(), PMX_DTYPE_F32, {B, d.rows_k, Hk, D}, 4);
        a.out = dense(d.out.data(), PMX_DTYPE_F32, {B, d.rows_q, H, D}, 4);
        a.lse = dense(d.lse.data(), PMX_DTYPE_F32, {B, H, d.rows_q}, 4);
    }
    a.window = c.window;
    a.window_left = c.wl;
    a.window_right = c.wr;
    a.softcap = c.softcap;
    if (!c.global.empty()) {
        d.global = c.global;
        a.global_tokens = dense(d.global.data(), PMX_DTYPE_I32, {int64_t(d.global.size())}, 4);
    }
    const int64_t nseq_outer = varlen ? int64_t(c.len_q.size()) : B;
    if (c.alibi != 0) {
        std::uniform_real_distribution<float> slope(0.01f, 0.5f);
        d.slopes.resize(size_t((c.alibi == 2 ? nseq_outer : 1) * H));
        for (float &s : d.slopes) s = slope(rng);
        a.alibi_slopes = c.alibi == 2 ? dense(d.slopes.data(), PMX_DTYPE_F32, {nseq_outer, H}, 4)
                                      : dense(d.slopes.data(), PMX_DTYPE_F32, {H}, 4);
    }
    if (c.block_mask) {
        d.bq = c.bq == 0 ? 64 : c.bq;
        d.bk = c.bk == 0 ? 64 : c.bk;
        int64_t lq = 0, lk = 0;
        for (const Seq &s : d.seqs) {
            lq = std::max(lq, s.nq);
            lk = std::max(lk, s.nk);
        }
        d.nbq = ceil_div(lq, d.bq);
        d.nbk = ceil_div(lk, d.bk);
        d.mask_b = c.mask_per_batch ? nseq_outer : 1;
        d.mask_h = c.mask_per_head ? H : 1;
        std::bernoulli_distribution on(c.density);
        d.mask.resize(size_t(d.mask_b * d.mask_h * d.nbq * d.nbk));
        for (uint8_t &m : d.mask) m = on(rng) ? uint8_t(1 + rng() % 255) : 0;  // any nonzero means visit
        a.block_mask = dense(d.mask.data(), PMX_DTYPE_U8, {d.mask_b, d.mask_h, d.nbq, d.nbk}, 1);
        a.block_q = c.bq;
        a.block_k = c.bk;
    }
    if (c.topk > 0) {
        d.bq = c.bq == 0 ? 64 : c.bq;
        d.bk = c.bk == 0 ? 64 : c.bk;
        int64_t lq = 0, lk = 0;
        for (const Seq &s : d.seqs) {
            lq = std::max(lq, s.nq);
            lk = std::max(lk, s.nk);
        }
        d.nbq = ceil_div(lq, d.bq);
        d.nbk = ceil_div(lk, d.bk);
        d.mask_b = nseq_outer;
        d.mask_h = H;
        d.mask.assign(size_t(d.mask_b * d.mask_h * d.nbq * d.nbk), 0xEE);  // poison
        a.topk_blocks = c.topk;
        a.block_q = c.bq;
        a.block_k = c.bk;
        a.layout_out = dense(d.mask.data(), PMX_DTYPE_U8, {d.mask_b, d.mask_h, d.nbq, d.nbk}, 1);
    }
    a.axial_axis = c.axial;
    a.axial_rows = c.rows;
    a.axial_cols = c.cols;
}

// The dense float64 attention of the test: mask and bias spelled out per
// element from panamax.h's rules.
struct Expected {
    std::vector<double> out, lse;  // indexed like the kernel's out/lse buffers
};

Expected expected(const Case &c, const Data &d) {
    const int64_t H = c.heads, D = c.head_dim, group = c.heads / c.kv_heads;
    const bool varlen = !c.len_q.empty();
    Expected e;
    e.out.assign(d.out.size(), std::nan(""));
    e.lse.assign(d.lse.size(), std::nan(""));
    const double scale = double(float(1.0 / std::sqrt(double(D))));  // the library's fp32 scale
    auto is_global = [&](int64_t x) { return std::find(c.global.begin(), c.global.end(), x) != c.global.end(); };
    for (size_t si = 0; si < d.seqs.size(); ++si) {
        const Seq &s = d.seqs[si];
        const int64_t off = s.nk - s.nq;
        const int64_t base_q = varlen ? 0 : s.outer * d.rows_q, base_k = varlen ? 0 : s.outer * d.rows_k;
        for (int64_t h = 0; h < H; ++h) {
            const int64_t hk = h / group;
            for (int64_t i = 0; i < s.nq; ++i) {
                const int64_t qrow = base_q + s.q_row0 + i * s.step;
                std::vector<double> w(size_t(s.nk), 0.0);
                std::vector<char> vis(size_t(s.nk), 0);
                double mx = -INFINITY;
                bool any = false;
                for (int64_t j = 0; j < s.nk; ++j) {
                    bool ok = !c.causal || j <= i + off;
                    if (ok && c.window) {
                        const bool inw = (c.wl < 0 || j >= i + off - c.wl) && (c.wr < 0 || j <= i + off + c.wr);
                        ok = inw || is_global(i) || is_global(j);
                    }
                    if (ok && (c.block_mask || c.topk > 0)) {
                        const int64_t mb = d.mask_b == 1 ? 0 : s.outer, mh = d.mask_h == 1 ? 0 : h;
                        ok = d.mask[size_t(((mb * d.mask_h + mh) * d.nbq + i / d.bq) * d.nbk + j / d.bk)] != 0;
                    }
                    if (!ok) continue;
                    const int64_t krow = base_k + s.k_row0 + j * s.step;
                    double dot = 0;
                    for (int64_t x = 0; x < D; ++x)
                        dot += double(d.q[size_t((qrow * H + h) * D + x)]) * double(d.k[size_t((krow * c.kv_heads + hk) * D + x)]);
                    double sc = dot * scale;
                    if (c.softcap > 0) sc = c.softcap * std::tanh(sc / c.softcap);
                    if (c.alibi != 0) {
                        const double slope = d.slopes[size_t((c.alibi == 2 ? s.outer : 0) * H + h)];
                        sc -= slope * std::fabs(double(i + off - j));
                    }
                    w[size_t(j)] = sc;
                    vis[size_t(j)] = 1;
                    mx = std::max(mx, sc);
                    any = true;
                }
                double sum = 0;
                std::vector<double> acc(size_t(D), 0.0);
                for (int64_t j = 0; j < s.nk; ++j) {
                    if (!vis[size_t(j)]) continue;
                    const double p = std::exp(w[size_t(j)] - mx);
                    sum += p;
                    const int64_t krow = base_k + s.k_row0 + j * s.step;
                    for (int64_t x = 0; x < D; ++x) acc[size_t(x)] += p * double(d.v[size_t((krow * c.kv_heads + hk) * D + x)]);
                }
                for (int64_t x = 0; x < D; ++x) e.out[size_t((qrow * H + h) * D + x)] = any ? acc[size_t(x)] / sum : 0.0;
                const size_t li = varlen ? size_t(h * d.rows_q + qrow) : size_t((s.outer * H + h) * d.rows_q + (qrow - base_q));
                e.lse[li] = any ? mx + std::log(sum) : -INFINITY;
            }
        }
    }
    return e;
}

bool same_value(double got, double want, double tol) {
    if (std::isnan(want)) return std::isnan(got);
    if (std::isinf(want)) return got == want;
    return std::fabs(got - want) <= tol;
}

// The layout the kernel chose is a top-k selection by the test's own float64
// scores: the local block, then k others none of which scores below an
// unchosen eligible block (beyond rounding), no future block when causal.
bool valid_topk(const Case &c, const Data &d, std::string &why) {
    const int64_t H = c.heads, D = c.head_dim, group = c.heads / c.kv_heads;
    const bool varlen = !c.len_q.empty();
    for (size_t si = 0; si < d.seqs.size(); ++si) {
        const Seq &s = d.seqs[si];
        const int64_t off = s.nk - s.nq, nbk = ceil_div(s.nk, d.bk);
        const int64_t base_q = varlen ? 0 : s.outer * d.rows_q, base_k = varlen ? 0 : s.outer * d.rows_k;
        for (int64_t h = 0; h < H; ++h) {
            std::vector<double> kmean(size_t(nbk * D), 0.0);
            for (int64_t j = 0; j < s.nk; ++j)
                for (int64_t x = 0; x < D; ++x)
                    kmean[size_t((j / d.bk) * D + x)] += d.k[size_t(((base_k + s.k_row0 + j) * c.kv_heads + h / group) * D + x)];
            for (int64_t kb = 0; kb < nbk; ++kb)
                for (int64_t x = 0; x < D; ++x) kmean[size_t(kb * D + x)] /= double(std::min(s.nk, (kb + 1) * d.bk) - kb * d.bk);
            for (int64_t qb = 0; qb < d.nbq; ++qb) {
                const uint8_t *row = &d.mask[size_t(((s.outer * H + h) * d.nbq + qb) * d.nbk)];
                const int64_t i0 = qb * d.bq, i1 = std::min(s.nq, i0 + d.bq);
                int64_t chosen = 0;
                for (int64_t kb = 0; kb < d.nbk; ++kb) chosen += row[kb] != 0;
                if (i0 >= s.nq) {
                    if (chosen != 0) { why = "a query block past the sequence visits blocks"; return false; }
                    continue;
                }
                std::vector<double> qmean(size_t(D), 0.0);
                for (int64_t i = i0; i < i1; ++i)
                    for (int64_t x = 0; x < D; ++x) qmean[size_t(x)] += d.q[size_t(((base_q + s.q_row0 + i) * H + h) * D + x)];
                const int64_t last = i1 - 1 + off, local = last >= 0 ? last / d.bk : -1;
                double worst_chosen = INFINITY, best_unchosen = -INFINITY;
                int64_t eligible = 0;
                for (int64_t kb = 0; kb < d.nbk; ++kb) {
                    const bool future = kb >= nbk || (c.causal && kb * d.bk > last);
                    if (future) {
                        if (row[kb]) { why = "a future or missing key block is visited"; return false; }
                        continue;
                    }
                    if (kb == local) {
                        if (!row[kb]) { why = "the local block is not visited"; return false; }
                        continue;
                    }
                    ++eligible;
                    double sc = 0;
                    for (int64_t x = 0; x < D; ++x) sc += qmean[size_t(x)] / double(i1 - i0) * kmean[size_t(kb * D + x)];
                    if (row[kb]) worst_chosen = std::min(worst_chosen, sc);
                    else best_unchosen = std::max(best_unchosen, sc);
                }
                const int64_t want = std::min<int64_t>(c.topk, eligible) + (local >= 0 ? 1 : 0);
                if (chosen != want) { why = "wrong number of blocks"; return false; }
                if (worst_chosen < best_unchosen - 1e-5) { why = "a better block was left out"; return false; }
            }
        }
    }
    return true;
}


bool check_case(const Case &c, pmx_context *ctx3, pmx_context *ctx1, std::mt19937_64 &rng) {
    Data d;
    build(c, d, rng);
    bool ok = true;
    auto fail = [&](const char *what, size_t idx, double got, double want) {
        if (ok) std::printf("FAIL %s: %s at %zu: got %.9g want %.9g\n", c.name.c_str(), what, idx, got, want);
        ok = false;
    };

    // Fused, 3 threads.
    if (pmx_status st = run_fused(ctx3, d.params); st != PMX_STATUS_SUCCESS) {
        std::printf("FAIL %s: pmx_attention_fwd: %s: %s\n", c.name.c_str(), pmx_status_name(st),
                    pmx_test::last_error(ctx3).c_str());
        return false;
    }
    // Top-k: the chosen layout must be a valid selection; the rest of the
    // check then treats it as the block mask.
    std::string why;
    if (c.topk > 0 && !valid_topk(c, d, why)) fail(why.c_str(), 0, 0, 0);
    const Expected e = expected(c, d);
    for (size_t i = 0; i < d.out.size(); ++i) {
        if (is_poison(d.out[i])) fail("out unwritten", i, d.out[i], e.out[i]);
        else if (!same_value(d.out[i], e.out[i], 2e-5)) fail("out", i, d.out[i], e.out[i]);
    }
    for (size_t i = 0; i < d.lse.size(); ++i) {
        if (is_poison(d.lse[i])) fail("lse unwritten", i, d.lse[i], e.lse[i]);
        else if (!same_value(d.lse[i], e.lse[i], 2e-5 * std::max(1.0, std::fabs(e.lse[i])))) fail("lse", i, d.lse[i], e.lse[i]);
    }

    // Fused, 1 thread: bit-identical.
    const std::vector<float> out3 = d.out, lse3 = d.lse;
    std::fill(d.out.begin(), d.out.end(), poison());
    std::fill(d.lse.begin(), d.lse.end(), poison());
    if (run_fused(ctx1, d.params) != PMX_STATUS_SUCCESS) fail("1-thread run failed", 0, 0, 0);
    if (std::memcmp(out3.data(), d.out.data(), out3.size() * 4) != 0 ||
        std::memcmp(lse3.data(), d.lse.data(), lse3.size() * 4) != 0)
        fail("1 and 3 threads differ", 0, 0, 0);

    // The library's float64 reference against the same dense computation.
    std::vector<double> rout(d.out.size(), std::nan("")), rlse(d.lse.size(), std::nan(""));
    pmx_attention_params r = d.params;
    std::vector<uint8_t> ref_layout(d.mask.size(), 0xEE);
    if (c.topk > 0) r.layout_out.data = ref_layout.data();
    pmx_tensor o = r.out, l = r.lse;
    o.dtype = l.dtype = PMX_DTYPE_F64;
    o.data = rout.data();
    o.byte_size *= 2;
    l.data = rlse.data();
    l.byte_size *= 2;
    r.out = o;
    r.lse = l;
    if (pmx_status st = pmx_attention_fwd_reference(ctx1, &r); st != PMX_STATUS_SUCCESS) {
        std::printf("FAIL %s: reference: %s\n", c.name.c_str(), pmx_test::last_error(ctx1).c_str());
        return false;
    }
    if (c.topk > 0 && ref_layout != d.mask) fail("the reference selected another layout", 0, 0, 0);
    for (size_t i = 0; i < rout.size(); ++i)
        if (!same_value(rout[i], e.out[i], 1e-12)) fail("reference out", i, rout[i], e.out[i]);
    for (size_t i = 0; i < rlse.size(); ++i)
        if (!same_value(rlse[i], e.lse[i], 1e-12 * std::max(1.0, std::fabs(e.lse[i])))) fail("reference lse", i, rlse[i], e.lse[i]);
    if (ok) std::printf("ok   %s\n", c.name.c_str());
    return ok;
}

std::vector<Case> cases() {
    std::vector<Case> v;
    auto add = [&](Case c) { v.push_back(std::move(c)); };
    // Sliding window.
    for (int32_t wl : {-1, 0, 1, 5, 63, 64, 130, 500})
        for (int32_t wr : {-1, 0, 3, 70}) {
            Case c;
            c.name = "window wl=" + std::to_string(wl) + " wr=" + std::to_string(wr);
            c.window = true;
            c.wl = wl;
            c.wr = wr;
            c.nq = c.nk = 203;
            add(c);
        }
    {
        Case c;
        c.name = "causal window 37, GQA 4:2, B=2";
        c.causal = c.window = true;
        c.wl = 37;
        c.batch = 2;
        c.heads = 4;
        c.kv_heads = 2;
        c.nq = c.nk = 300;
        add(c);
        c.name = "causal window 37, Nq < Nk";
        c.nq = 75;
        add(c);
        c.name = "window 10 both sides, Nq > Nk (rows see nothing)";
        c.causal = false;
        c.wl = c.wr = 10;
        c.nq = 260;
        c.nk = 90;
        add(c);
    }
    // Wide bands: the kernel splits them into a left edge, a full middle and a
    // diagonal edge, each on its own tile path.
    {
        Case c;
        c.name = "causal window 150, N=700";
        c.causal = c.window = true;
        c.wl = 150;
        c.nq = c.nk = 700;
        add(c);
        c.name = "causal window 200, D=64, globals in and out of the band edges, alibi, softcap";
        c.head_dim = 64;
        c.wl = 200;
        c.nq = c.nk = 777;
        c.global = {5, 130, 333, 500, 541, 776};
        c.alibi = 1;
        c.softcap = 2.f;
        add(c);
        c.name = "window 100 left 20 right, Nq < Nk, D=40";
        c.causal = false;
        c.head_dim = 40;
        c.wl = 100;
        c.wr = 20;
        c.global.clear();
        c.alibi = 0;
        c.softcap = 0.f;
        c.nq = 300;
        c.nk = 650;
        add(c);
        c.name = "causal window 130, GQA 4:2, varlen";
        c.causal = true;
        c.wl = 130;
        c.wr = -1;
        c.head_dim = 24;
        c.heads = 4;
        c.kv_heads = 2;
        c.len_q = {400, 0, 333, 1};
        c.len_k = c.len_q;
        add(c);
        c.name = "causal window 150, N=700, NaN in V at the rows just left of late rows' bands";
        c.len_q.clear();
        c.len_k.clear();
        c.heads = 2;
        c.kv_heads = 1;
        c.wl = 150;
        c.nq = c.nk = 700;
        // Key 24 is the last one row 175 (lane 15 of a vector on AVX-512, 7 on
        // AVX2) does not see: a lane mask off by one there leaks the NaN.
        c.nan_v_rows = {10, 24};
        add(c);
    }
    // Global tokens.
    for (bool causal : {false, true}) {
        Case c;
        c.name = std::string("window 16 + globals") + (causal ? " causal" : "");
        c.causal = causal;
        c.window = true;
        c.wl = 16;
        c.wr = causal ? 0 : 16;
        c.nq = c.nk = 333;
        c.global = {0, 3, 64, 200, 332};
        add(c);
        c.name = std::string("globals without window") + (causal ? " causal" : "");
        c.window = false;
        add(c);
        c.name = std::string("window 0 + many globals, H=3") + (causal ? " causal" : "");
        c.window = true;
        c.wl = 0;
        c.wr = 0;
        c.heads = 3;
        c.kv_heads = 3;
        c.global.clear();
        for (int32_t g = 5; g < 333; g += 7) c.global.push_back(g);
        add(c);
    }
    {
        Case c;
        c.name = "130 global tokens (3 gathered blocks), window 8, alibi, causal";
        c.causal = c.window = true;
        c.wl = 8;
        c.alibi = 1;
        c.nq = c.nk = 650;
        for (int32_t g = 2; g < 650; g += 5) c.global.push_back(g);
        add(c);
    }
    // ALiBi and softcap, alone and with the rest.
    {
        Case c;
        c.name = "alibi [H]";
        c.alibi = 1;
        c.heads = 3;
        c.nq = 150;
        c.nk = 170;
        add(c);
        c.name = "alibi [B, H] causal B=2";
        c.alibi = 2;
        c.batch = 2;
        c.causal = true;
        add(c);
        c.name = "softcap 0.4 (scores beyond it)";
        c.alibi = 0;
        c.softcap = 0.4f;
        add(c);
        c.name = "softcap + alibi + causal window";
        c.alibi = 1;
        c.window = true;
        c.wl = 40;
        add(c);
    }
    // Block masks: block sizes below, at and above the kernel's tiles.
    for (auto [bq, bk] : std::vector<std::pair<int32_t, int32_t>>{{64, 64}, {0, 0}, {17, 33}, {100, 128}, {128, 16}, {1, 1}, {64, 300}}) {
        Case c;
        c.name = "block mask " + std::to_string(bq) + "x" + std::to_string(bk);
        c.block_mask = true;
        c.bq = bq;
        c.bk = bk;
        c.nq = 390;
        c.nk = 410;
        c.density = bq == 1 ? 0.05 : 0.3;
        add(c);
        c.name += " causal GQA, per batch";
        c.causal = true;
        c.heads = 4;
        c.kv_heads = 2;
        c.batch = 2;
        c.mask_per_batch = true;
        add(c);
    }
    {
        Case c;
        c.name = "block mask density 0 (every row sees nothing)";
        c.block_mask = true;
        c.density = 0;
        c.nq = c.nk = 130;
        add(c);
        c.name = "block mask + window + globals + alibi, shared over heads";
        c.density = 0.5;
        c.mask_per_head = false;
        c.window = true;
        c.wl = 50;
        c.wr = 20;
        c.global = {1, 99};
        c.alibi = 1;
        c.bq = 32;
        add(c);
    }
    // Varlen (with empty sequences).
    {
        Case c;
        c.name = "varlen window + globals + block mask, causal";
        c.len_q = {70, 0, 190, 1, 129};
        c.len_k = c.len_q;
        c.causal = true;
        c.window = true;
        c.wl = 30;
        c.global = {0, 69, 150};
        c.block_mask = true;
        c.bq = 48;
        c.bk = 40;
        c.density = 0.6;
        c.alibi = 2;
        c.heads = 2;
        c.kv_heads = 1;
        add(c);
        c.name = "varlen window only, Nq != Nk";
        c.global.clear();
        c.block_mask = false;
        c.alibi = 0;
        c.len_k = {90, 5, 100, 1, 300};
        add(c);
    }
    // Axial.
    for (int axis : {PMX_AXIAL_ROW, PMX_AXIAL_COL}) {
        Case c;
        c.name = std::string("axial ") + (axis == PMX_AXIAL_ROW ? "row" : "col") + " 9x23, causal, B=2";
        c.axial = axis;
        c.rows = 9;
        c.cols = 23;
        c.nq = c.nk = 9 * 23;
        c.batch = 2;
        c.causal = true;
        add(c);
        c.name += " + window + alibi [B, H]";
        c.window = true;
        c.wl = 4;
        c.alibi = 2;
        add(c);
    }
    // Dynamic top-k.
    for (auto [bq, bk, k] : std::vector<std::tuple<int32_t, int32_t, int32_t>>{{64, 64, 2}, {17, 33, 3}, {100, 40, 1}, {32, 16, 20}}) {
        Case c;
        c.name = "top-" + std::to_string(k) + " of " + std::to_string(bq) + "x" + std::to_string(bk) + " causal GQA";
        c.topk = k;
        c.bq = bq;
        c.bk = bk;
        c.causal = true;
        c.heads = 4;
        c.kv_heads = 2;
        c.nq = c.nk = 401;
        add(c);
        c.name += ", Nq < Nk, not causal, B=2";
        c.causal = false;
        c.batch = 2;
        c.nq = 150;
        add(c);
    }
    {
        Case c;
        c.name = "top-2 varlen + window";
        c.topk = 2;
        c.bq = c.bk = 32;
        c.causal = true;
        c.window = true;
        c.wl = 70;
        c.len_q = {100, 0, 260, 1};
        c.len_k = c.len_q;
        add(c);
    }
    // A NaN in V reaches exactly the rows that see its key.
    {
        Case c;
        c.name = "NaN in V rows 3 and 150 under a window";
        c.window = true;
        c.wl = 20;
        c.wr = 5;
        c.nq = c.nk = 200;
        c.nan_v_rows = {3, 150};
        add(c);
    }
    return v;
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx3 = nullptr, *ctx1 = nullptr;
    if (pmx_context_create(&ctx3) != PMX_STATUS_SUCCESS || pmx_context_create(&ctx1) != PMX_STATUS_SUCCESS) return 1;
    pmx_context_set_num_threads(ctx3, 3);
    pmx_context_set_num_threads(ctx1, 1);
    std::mt19937_64 rng(20261129);
    int failed = 0, total = 0;
    for (const Case &c : cases()) {
        ++total;
        if (!check_case(c, ctx3, ctx1, rng)) ++failed;
    }
    pmx_context_destroy(ctx3);
    pmx_context_destroy(ctx1);
    std::printf("%d of %d cases failed\n", failed, total);
    return failed == 0 ? 0 : 1;
}
