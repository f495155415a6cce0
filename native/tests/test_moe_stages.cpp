// The Mixture-of-Experts stages pmx_moe_permute, pmx_moe_experts and
// pmx_moe_combine, each alone, against the float64 stages of
// moe_test_reference.h, through the public C API, on the ISA path this process
// runs (CTest runs it once per PMX_ISA value). Random inputs from a fixed seed;
// every output poisoned before each call and every element checked (an element
// left as poison, or padding that was written, is a failure); 1 vs N threads
// bit for bit; workspaces of the size asked for, and one byte less refused.
//  - permute (a dropped mask or none, strided views, an expert with no token),
//    experts (every activation, gated or not, each bias, row-major and Hugging
//    Face [E, h, d] weights, d and h not multiples of 8 and a larger case, an
//    empty expert, rows past offsets[E] left alone) and combine (skipped
//    slots, a token with none kept);
//  - NaN and Inf in the experts' and combine's inputs reach exactly the
//    outputs they affect (rows past offsets[E] hold NaN: they reach nothing).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "moe_test_reference.h"
#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using namespace moe_test;
using pmx_test::expect;

// ---- permute -------------------------------------------------------------------

struct PermuteCase {
    std::string name;
    int64_t T = 20, k = 3, E = 6, d = 11;
    int64_t empty_expert = 4;   // no token picks it (-1: any may)
    double drop_share = 0;      // > 0: a dropped mask with about this share set
    bool drop_all_of_expert0 = false;
    bool strided = false;       // x with padded rows, x_sorted with padded rows
};

void run_permute_case(pmx_context *ctx, pmx_context *ctx1, const PermuteCase &c, std::mt19937_64 &rng) {
    std::printf("permute: %s\n", c.name.c_str());
    const int64_t T = c.T, k = c.k, E = c.E, d = c.d;
    Grid<float> x = c.strided ? Grid<float>(T, d, d + 3) : Grid<float>(T, d);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    for (float &v : x.buf) v = dist(rng);
    std::vector<int32_t> idx(size_t(T * k));
    std::vector<int32_t> pool;
    for (int64_t e = 0; e < E; ++e)
        if (e != c.empty_expert) pool.push_back(int32_t(e));
    for (int64_t t = 0; t < T; ++t) {
        std::shuffle(pool.begin(), pool.end(), rng);  // distinct within a token; repeated across tokens
        for (int64_t j = 0; j < k; ++j) idx[size_t(t * k + j)] = pool[size_t(j)];
    }
    std::vector<uint8_t> dropped;
    if (c.drop_share > 0) {
        std::bernoulli_distribution coin(c.drop_share);
        dropped.resize(idx.size());
        for (size_t i = 0; i < idx.size(); ++i) dropped[i] = coin(rng) || (c.drop_all_of_expert0 && idx[i] == 0);
    }
    const PermuteRef ref = permute_ref(idx, dropped, T, k, E);

    Grid<int32_t> gi(T, k);
    for (int64_t i = 0; i < T * k; ++i) gi.buf[size_t(i)] = idx[size_t(i)];
    Grid<uint8_t> gd(T, k);
    for (size_t i = 0; i < dropped.size(); ++i) gd.buf[i] = dropped[i];
    Grid<float> xs = c.strided ? Grid<float>(T * k, d, d + 2) : Grid<float>(T * k, d);
    Grid<int32_t> offsets = Grid<int32_t>::vec(E + 1), rows(T, k);

    pmx_moe_permute_params p{};
    p.struct_size = sizeof p;
    p.x = x.tensor(PMX_DTYPE_F32);
    p.indices = gi.tensor(PMX_DTYPE_I32);
    if (!dropped.empty()) p.dropped = gd.tensor(PMX_DTYPE_U8);
    p.experts = E;
    p.x_sorted = xs.tensor(PMX_DTYPE_F32);
    p.offsets = offsets.tensor(PMX_DTYPE_I32);
    p.rows = rows.tensor(PMX_DTYPE_I32);
    const pmx_status st = pmx_moe_permute(ctx, &p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": permute failed: " + pmx_test::last_error(ctx));
    if (st != PMX_STATUS_SUCCESS) return;
    int bad = check_exact(c.name + " offsets", offsets, ref.offsets) + check_exact(c.name + " rows", rows, ref.rows);
    const int64_t kept = ref.offsets[size_t(E)];
    for (int64_t r = 0; r < T * k; ++r)
        for (int64_t i = 0; i < d; ++i) {
            const float g = xs.at(r, i);
            const bool ok = r < kept ? std::memcmp(&g, &x.at(ref.src[size_t(r)], i), 4) == 0 : poisoned(g);
            if (!ok && bad++ < 5)
                std::printf("  x_sorted[%lld, %lld]: %s\n", (long long)r, (long long)i,
                            r < kept ? "not the token's row" : "written past offsets[E]");
        }
    bad += padding_written(c.name + " x_sorted", xs);
    expect(bad == 0, c.name + ": permute outputs");
    if (c.empty_expert >= 0)
        expect(ref.offsets[size_t(c.empty_expert)] == ref.offsets[size_t(c.empty_expert + 1)], c.name + ": set-up");

    const Grid<float> xs1 = xs;
    const Grid<int32_t> off1 = offsets, rows1 = rows;
    xs.repoison(), offsets.repoison(), rows.repoison();
    expect(pmx_moe_permute(ctx1, &p) == PMX_STATUS_SUCCESS && xs.same_bits(xs1) && offsets.same_bits(off1) &&
               rows.same_bits(rows1),
           c.name + ": 1 thread and N threads differ");
}

// ---- experts -------------------------------------------------------------------

const char *act_name(int32_t act) {
    switch (act) {
        case PMX_MOE_SILU: return "silu";
        case PMX_MOE_GELU: return "gelu";
        case PMX_MOE_GELU_TANH: return "gelu_tanh";
        default: return "relu";
    }
}

struct ExpertsCase {
    std::string name;
    int64_t d = 37, h = 53;
    std::vector<int32_t> per_expert{9, 0, 14, 1, 22};
    int64_t spare_rows = 5;  // rows past offsets[E], to be left as they are
    bool gated = false, b1 = false, b2 = false, b3 = false, transposed = false;
    int32_t act = PMX_MOE_SILU;
    int xs_layout = 0;  // 0 dense, 1 padded rows, 2 column-major
    bool ys_padded = false;
};

void run_experts_case(pmx_context *ctx, pmx_context *ctx1, const ExpertsCase &c, std::mt19937_64 &rng) {
    std::printf("experts: %s\n", c.name.c_str());
    const int64_t E = int64_t(c.per_expert.size()), d = c.d, h = c.h;
    std::vector<int32_t> off(size_t(E + 1), 0);
    for (int64_t e = 0; e < E; ++e) off[size_t(e + 1)] = off[size_t(e)] + c.per_expert[size_t(e)];
    const int64_t used = off[size_t(E)], R = used + c.spare_rows;
    Experts W(E, d, h, c.gated, c.b1, c.b2, c.b3, c.transposed, c.act, rng);
    Grid<float> xs = c.xs_layout == 1 ? Grid<float>(R, d, d + 3) : c.xs_layout == 2 ? Grid<float>(R, d, 1, R) : Grid<float>(R, d);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    for (float &v : xs.buf) v = dist(rng);
    // rows past offsets[E] belong to no expert: NaN there must reach nothing
    for (int64_t r = used; r < R; ++r)
        for (int64_t i = 0; i < d; ++i) xs.at(r, i) = std::nan("");
    Grid<int32_t> offsets = Grid<int32_t>::vec(E + 1);
    for (int64_t e = 0; e <= E; ++e) offsets.at(e) = off[size_t(e)];
    Grid<float> ys = c.ys_padded ? Grid<float>(R, d, d + 5) : Grid<float>(R, d);

    std::vector<double> want(size_t(R * d), 0.0), xr(static_cast<size_t>(d));
    for (int64_t e = 0; e < E; ++e)
        for (int64_t r = off[size_t(e)]; r < off[size_t(e + 1)]; ++r) {
            for (int64_t i = 0; i < d; ++i) xr[size_t(i)] = xs.at(r, i);
            W.row(e, xr.data(), &want[size_t(r * d)]);
        }

    pmx_moe_experts_params p{};
    p.struct_size = sizeof p;
    p.x_sorted = xs.tensor(PMX_DTYPE_F32);
    p.offsets = offsets.tensor(PMX_DTYPE_I32);
    W.put(p.w1, p.w2, p.w3, p.b1, p.b2, p.b3);
    p.activation = c.act;
    p.y_sorted = ys.tensor(PMX_DTYPE_F32);
    pmx_status st = run_experts(ctx, p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": experts failed: " + pmx_test::last_error(ctx));
    if (st != PMX_STATUS_SUCCESS) return;
    expect(check_close(c.name + " y_sorted", ys, want, 1e-4, true, used) == 0, c.name + ": y_sorted");

    const Grid<float> first = ys;
    ys.repoison();
    expect(run_experts(ctx1, p) == PMX_STATUS_SUCCESS && first.same_bits(ys), c.name + ": 1 thread and N threads differ");

    const int64_t bytes = asked(ctx, &p, [](pmx_context *cx, const void *q, int64_t *b) {
        return pmx_moe_experts_workspace_size(cx, static_cast<const pmx_moe_experts_params *>(q), b);
    });
    if (bytes > 0) {
        ys.repoison();
        st = run_experts(ctx, p, 1);
        expect(st != PMX_STATUS_SUCCESS && ys.all_poison(), c.name + ": a workspace one byte short was not refused");
    }
}

std::vector<ExpertsCase> experts_cases() {
    std::vector<ExpertsCase> cs;
    for (int32_t act : {PMX_MOE_SILU, PMX_MOE_GELU, PMX_MOE_GELU_TANH, PMX_MOE_RELU})
        for (bool gated : {false, true}) {
            ExpertsCase c{std::string(act_name(act)) + (gated ? ", gated" : "") + ", all biases, d 37, h 53"};
            c.act = act, c.gated = gated, c.b1 = c.b2 = c.b3 = true;
            cs.push_back(c);
        }
    // The decode path (at most 64 sorted rows, none of the experts above 16):
    // every activation, gated or not, all biases; up to 16 rows an expert.
    for (int32_t act : {PMX_MOE_SILU, PMX_MOE_GELU, PMX_MOE_GELU_TANH, PMX_MOE_RELU})
        for (bool gated : {false, true}) {
            ExpertsCase c{std::string("decode path: ") + act_name(act) + (gated ? ", gated" : "") +
                          ", all biases, rows 3 0 16 1 5"};
            c.act = act, c.gated = gated, c.b1 = c.b2 = c.b3 = true, c.per_expert = {3, 0, 16, 1, 5};
            cs.push_back(c);
        }
    {
        ExpertsCase c{"decode path: transposed weights, gated silu, b1 b3, x_sorted column-major, y_sorted padded"};
        c.gated = c.transposed = c.b1 = c.b3 = true, c.per_expert = {2, 7, 0, 6}, c.xs_layout = 2, c.ys_padded = true;
        cs.push_back(c);
    }
    {
        // Weights over the 2 MB slab: two slabs a matrix (partial planes
        // added), output rows past the 1024-column tile, k % 4 != 0.
        ExpertsCase c{"decode path: d 515, h 1537 (two slabs a weight), gated gelu, all biases, rows 1 0 2"};
        c.d = 515, c.h = 1537, c.per_expert = {1, 0, 2}, c.spare_rows = 1, c.gated = true, c.act = PMX_MOE_GELU;
        c.b1 = c.b2 = c.b3 = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"decode path: d 515, h 1537, transposed, silu, b2, rows 5 1 (T = 1 with k = 1 twice)"};
        c.d = 515, c.h = 1537, c.per_expert = {5, 1}, c.spare_rows = 0, c.transposed = true, c.b2 = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"silu, no biases"};
        cs.push_back(c);
    }
    {
        ExpertsCase c{"gelu, b1 only"};
        c.act = PMX_MOE_GELU, c.b1 = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"relu, b2 only"};
        c.act = PMX_MOE_RELU, c.b2 = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"gated silu, no biases"};
        c.gated = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"gated silu, b3 only"};
        c.gated = true, c.b3 = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"gated gelu_tanh, b1 and b2 (no b3)"};
        c.gated = true, c.act = PMX_MOE_GELU_TANH, c.b1 = c.b2 = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"transposed weights (Hugging Face [E, h, d]), gated silu, all biases"};
        c.gated = c.transposed = c.b1 = c.b2 = c.b3 = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"transposed weights, relu, b1 b2, x_sorted padded rows, y_sorted padded rows"};
        c.transposed = c.b1 = c.b2 = true, c.act = PMX_MOE_RELU, c.xs_layout = 1, c.ys_padded = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"x_sorted column-major, gated gelu"};
        c.gated = true, c.act = PMX_MOE_GELU, c.xs_layout = 2;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"first and last experts empty, d 1, h 1"};
        c.d = 1, c.h = 1, c.per_expert = {0, 3, 0, 5, 0}, c.b1 = c.b2 = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"every expert empty (offsets[E] = 0)"};
        c.per_expert = {0, 0, 0}, c.spare_rows = 4, c.gated = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"no spare rows, one expert, d 8, h 16"};
        c.per_expert = {13}, c.spare_rows = 0, c.d = 8, c.h = 16, c.b2 = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"E 64 (a third of them empty), d 24, h 40, gated gelu, b1 b3"};
        c.d = 24, c.h = 40, c.gated = true, c.act = PMX_MOE_GELU, c.b1 = c.b3 = true;
        c.per_expert.clear();
        for (int e = 0; e < 64; ++e) c.per_expert.push_back(e % 3 == 1 ? 0 : (e * 7) % 11 + 1);
        cs.push_back(c);
    }
    {
        ExpertsCase c{"d 256, h 384, 300 rows over 4 experts (one empty), gated silu, all biases"};
        c.d = 256, c.h = 384, c.per_expert = {130, 0, 97, 73}, c.spare_rows = 12, c.gated = true;
        c.b1 = c.b2 = c.b3 = true;
        cs.push_back(c);
    }
    {
        ExpertsCase c{"d 256, h 384, transposed, gelu, 200 rows"};
        c.d = 256, c.h = 384, c.per_expert = {1, 64, 135}, c.spare_rows = 3, c.transposed = true, c.act = PMX_MOE_GELU;
        cs.push_back(c);
    }
    return cs;
}

// ---- combine -------------------------------------------------------------------

struct CombineCase {
    std::string name;
    int64_t T = 25, k = 3, d = 19, R = 60;
    double skip_share = 0.25;
    std::vector<int64_t> all_skipped{3};
    bool strided = false;  // weights column-major, rows padded, out padded rows
};

void run_combine_case(pmx_context *ctx, pmx_context *ctx1, const CombineCase &c, std::mt19937_64 &rng) {
    std::printf("combine: %s\n", c.name.c_str());
    const int64_t T = c.T, k = c.k, d = c.d, R = c.R;
    Grid<float> ys(R, d);
    std::uniform_real_distribution<float> dist(-1.f, 1.f), wdist(0.05f, 1.f);
    for (float &v : ys.buf) v = dist(rng);
    Grid<int32_t> rows = c.strided ? Grid<int32_t>(T, k, k + 1) : Grid<int32_t>(T, k);
    Grid<float> w = c.strided ? Grid<float>(T, k, 1, T) : Grid<float>(T, k);
    std::uniform_int_distribution<int32_t> rdist(0, int32_t(R - 1));
    std::bernoulli_distribution skip(c.skip_share);
    for (int64_t t = 0; t < T; ++t) {
        const bool none = std::find(c.all_skipped.begin(), c.all_skipped.end(), t) != c.all_skipped.end();
        for (int64_t j = 0; j < k; ++j) {
            rows.at(t, j) = none || skip(rng) ? -1 : rdist(rng);
            w.at(t, j) = wdist(rng);  // skipped slots have weights too: they must not count
        }
    }
    Grid<float> out = c.strided ? Grid<float>(T, d, d + 1) : Grid<float>(T, d);
    std::vector<double> want(size_t(T * d), 0.0), scale(size_t(T * d), 0.0);
    for (int64_t t = 0; t < T; ++t)
        for (int64_t j = 0; j < k; ++j) {
            const int32_t r = rows.at(t, j);
            if (r < 0) continue;
            for (int64_t i = 0; i < d; ++i) {
                const double term = double(w.at(t, j)) * double(ys.at(r, i));
                want[size_t(t * d + i)] += term;
                scale[size_t(t * d + i)] += std::fabs(term);
            }
        }

    pmx_moe_combine_params p{};
    p.struct_size = sizeof p;
    p.y_sorted = ys.tensor(PMX_DTYPE_F32);
    p.rows = rows.tensor(PMX_DTYPE_I32);
    p.weights = w.tensor(PMX_DTYPE_F32);
    p.out = out.tensor(PMX_DTYPE_F32);
    const pmx_status st = pmx_moe_combine(ctx, &p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": combine failed: " + pmx_test::last_error(ctx));
    if (st != PMX_STATUS_SUCCESS) return;
    int bad = 0;
    for (int64_t t = 0; t < T; ++t)
        for (int64_t i = 0; i < d; ++i) {
            const float g = out.at(t, i);
            const double wv = want[size_t(t * d + i)], s = scale[size_t(t * d + i)];
            const bool ok = s == 0 ? g == 0.f : std::fabs(double(g) - wv) <= 1e-6 * s;
            if (!ok && bad++ < 5)
                std::printf("  out[%lld, %lld]: got %.9g want %.9g%s\n", (long long)t, (long long)i, double(g), wv,
                            s == 0 ? " (no slot kept: exactly 0)" : "");
        }
    bad += padding_written(c.name + " out", out);
    expect(bad == 0, c.name + ": combine out");

    const Grid<float> first = out;
    out.repoison();
    expect(pmx_moe_combine(ctx1, &p) == PMX_STATUS_SUCCESS && first.same_bits(out), c.name + ": 1 thread and N threads differ");
}

// ---- non-finite inputs propagate (panamax.h, Conventions) ------------------------

void run_nonfinite(pmx_context *ctx, std::mt19937_64 &rng) {
    std::printf("non-finite inputs propagate (experts, combine)\n");
    // experts: a NaN in row 2 of x_sorted (expert 0) makes all of y_sorted's
    // row 2 NaN; an Inf in W2[1][3][4] makes column 4 of expert 1's rows
    // non-finite; everything else stays finite.
    {
        const int64_t E = 3, d = 12, h = 20, R = 15;
        const int32_t off[] = {0, 5, 11, 15};
        Experts W(E, d, h, true, true, true, true, false, PMX_MOE_SILU, rng);
        W.p2[size_t((1 * h + 3) * d + 4)] = std::numeric_limits<float>::infinity();
        Grid<float> xs(R, d), ys(R, d);
        std::uniform_real_distribution<float> dist(-1.f, 1.f);
        for (float &v : xs.buf) v = dist(rng);
        xs.at(2, 5) = std::nan("");
        Grid<int32_t> offsets = Grid<int32_t>::vec(E + 1);
        for (int64_t e = 0; e <= E; ++e) offsets.at(e) = off[e];
        pmx_moe_experts_params p{};
        p.struct_size = sizeof p;
        p.x_sorted = xs.tensor(PMX_DTYPE_F32);
        p.offsets = offsets.tensor(PMX_DTYPE_I32);
        W.put(p.w1, p.w2, p.w3, p.b1, p.b2, p.b3);
        p.activation = PMX_MOE_SILU;
        p.y_sorted = ys.tensor(PMX_DTYPE_F32);
        const pmx_status st = run_experts(ctx, p);
        expect(st == PMX_STATUS_SUCCESS, "non-finite experts: failed: " + pmx_test::last_error(ctx));
        int bad = 0;
        for (int64_t r = 0; r < R && st == PMX_STATUS_SUCCESS; ++r)
            for (int64_t i = 0; i < d; ++i) {
                const float v = ys.at(r, i);
                const bool want_nan = r == 2, want_nonfinite = r >= off[1] && r < off[2] && i == 4;
                const bool ok = want_nan ? std::isnan(v) && !poisoned(v)
                                         : want_nonfinite ? !std::isfinite(v) && !poisoned(v) : std::isfinite(v);
                if (!ok && bad++ < 5)
                    std::printf("  y_sorted[%lld, %lld] = %g: want %s\n", (long long)r, (long long)i, double(v),
                                want_nan ? "NaN" : want_nonfinite ? "non-finite" : "finite");
            }
        expect(bad == 0, "non-finite experts: NaN / Inf do not propagate as IEEE arithmetic would");
    }
    // combine: NaN in y_sorted[7, 2] reaches the tokens that keep row 7, in
    // column 2 only; row 9 is all NaN but no kept slot reads it.
    {
        const int64_t T = 4, k = 2, d = 6, R = 10;
        Grid<float> ys(R, d), w(T, k), out(T, d);
        std::uniform_real_distribution<float> dist(-1.f, 1.f), wdist(0.1f, 1.f);
        for (float &v : ys.buf) v = dist(rng);
        for (float &v : w.buf) v = wdist(rng);
        ys.at(7, 2) = std::nan("");
        for (int64_t i = 0; i < d; ++i) ys.at(9, i) = std::nan("");
        Grid<int32_t> rows(T, k);
        const int32_t rv[] = {7, 1, -1, 3, 0, -1, 2, 7};
        for (int64_t i = 0; i < T * k; ++i) rows.buf[size_t(i)] = rv[i];
        pmx_moe_combine_params p{};
        p.struct_size = sizeof p;
        p.y_sorted = ys.tensor(PMX_DTYPE_F32);
        p.rows = rows.tensor(PMX_DTYPE_I32);
        p.weights = w.tensor(PMX_DTYPE_F32);
        p.out = out.tensor(PMX_DTYPE_F32);
        const pmx_status st = pmx_moe_combine(ctx, &p);
        expect(st == PMX_STATUS_SUCCESS, "non-finite combine: failed: " + pmx_test::last_error(ctx));
        int bad = 0;
        for (int64_t t = 0; t < T && st == PMX_STATUS_SUCCESS; ++t)
            for (int64_t i = 0; i < d; ++i) {
                const float v = out.at(t, i);
                const bool want_nan = (t == 0 || t == 3) && i == 2;
                const bool ok = want_nan ? std::isnan(v) && !poisoned(v) : std::isfinite(v);
                if (!ok && bad++ < 5)
                    std::printf("  out[%lld, %lld] = %g: want %s\n", (long long)t, (long long)i, double(v),
                                want_nan ? "NaN" : "finite");
            }
        expect(bad == 0, "non-finite combine: NaN does not propagate as IEEE arithmetic would");
    }
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 4)) return 1;
    std::mt19937_64 rng(20261207);

    std::vector<PermuteCase> permutes;
    permutes.push_back({"T 20, k 3, E 6, expert 4 empty, no dropped mask"});
    {
        PermuteCase c{"with a dropped mask (about 30%, every assignment of expert 0)"};
        c.drop_share = 0.3, c.drop_all_of_expert0 = true;
        permutes.push_back(c);
    }
    {
        PermuteCase c{"strided x and x_sorted, dropped mask, T 57, k 2, E 9, d 40"};
        c.T = 57, c.k = 2, c.E = 9, c.d = 40, c.empty_expert = 0, c.drop_share = 0.2, c.strided = true;
        permutes.push_back(c);
    }
    {
        PermuteCase c{"T 1, k = E = 5"};
        c.T = 1, c.k = 5, c.E = 5, c.empty_expert = -1;
        permutes.push_back(c);
    }
    {
        PermuteCase c{"T 0"};
        c.T = 0;
        permutes.push_back(c);
    }
    {
        PermuteCase c{"T 300, k 2, E 64, d 64, dropped mask"};
        c.T = 300, c.k = 2, c.E = 64, c.d = 64, c.empty_expert = 63, c.drop_share = 0.1;
        permutes.push_back(c);
    }
    for (const PermuteCase &c : permutes) run_permute_case(ctx, ctx1, c, rng);

    for (const ExpertsCase &c : experts_cases()) run_experts_case(ctx, ctx1, c, rng);

    std::vector<CombineCase> combines;
    combines.push_back({"T 25, k 3, d 19, token 3 with every slot skipped"});
    {
        CombineCase c{"strided views, tokens 0 and 24 with no slot kept"};
        c.strided = true, c.all_skipped = {0, 24};
        combines.push_back(c);
    }
    {
        CombineCase c{"T 100, k 4, d 256, R 400"};
        c.T = 100, c.k = 4, c.d = 256, c.R = 400, c.skip_share = 0.1;
        combines.push_back(c);
    }
    {
        CombineCase c{"k 1, every slot skipped"};
        c.T = 7, c.k = 1, c.skip_share = 1.0, c.all_skipped = {};
        combines.push_back(c);
    }
    {
        CombineCase c{"T 0"};
        c.T = 0, c.all_skipped = {};
        combines.push_back(c);
    }
    for (const CombineCase &c : combines) run_combine_case(ctx, ctx1, c, rng);
    run_nonfinite(ctx, rng);

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%s (%d failures)\n", pmx_test::failures == 0 ? "PASS" : "FAIL", pmx_test::failures);
    return pmx_test::failures == 0 ? 0 : 1;
}
