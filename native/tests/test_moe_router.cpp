// The Mixture-of-Experts router (pmx_moe_router) against the float64 router of
// moe_test_reference.h, through the public C API, on the ISA path this process
// runs (CTest runs it once per PMX_ISA value). Random inputs from a fixed seed;
// every output poisoned before each call and every element checked (an element
// left as poison, or padding that was written, is a failure); 1 vs N threads
// bit for bit; workspaces of the size asked for, and one byte less refused.
//  - router: given logits and x·gate_weight (and the logits it writes),
//    softmax and sigmoid, renormalize 0 and 1, ties (the lower expert first),
//    k = 1 and k = E, T = 1 and T = 0, one expert taking every token,
//    experts with none, capacity exactly hit and exceeded (drops in token
//    order), dropless, strided and column-major views, aux and z losses in
//    closed form, d = 0;
//  - noise: the same bits for the same seed and any thread count, other bits
//    for another seed, the seed ignored without noise; with sigmoid scores,
//    k = E and no renormalisation the weights give back the noisy logits, whose
//    mean, spread and losses are checked.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "moe_test_reference.h"
#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using namespace moe_test;
using pmx_test::expect;

// ---- router ------------------------------------------------------------------

struct RouterCase {
    std::string name;
    int64_t T = 64, E = 8, k = 2;
    int64_t d = -1;  // >= 0: logits = x·gate_weight, x [T, d]
    int32_t scoring = PMX_MOE_SOFTMAX, renorm = 1;
    double cf = 0;
    std::vector<float> logits;       // given logits [T, E]; empty: random, well separated
    bool logits_out = true;          // with gate_weight: the logits written too
    bool optional_outputs = true;    // counts, dropped, aux_loss, z_loss
    bool strided = false;            // logits column-major, outputs in padded / column-major views
    bool expect_drops = false;       // the case is meant to drop some assignments
};

void run_router_case(pmx_context *ctx, pmx_context *ctx1, const RouterCase &c, std::mt19937_64 &rng) {
    std::printf("router: %s\n", c.name.c_str());
    const int64_t T = c.T, E = c.E, k = c.k;
    const bool gate = c.d >= 0;
    Grid<float> x, gw, lg;
    std::vector<double> L;
    if (gate) {
        x = Grid<float>(T, c.d);
        gw = Grid<float>(c.d, E);
        L = gate_inputs(x, gw, k, rng);
    } else {
        const std::vector<float> given = c.logits.empty() ? random_logits(T, E, k, rng) : c.logits;
        lg = c.strided ? Grid<float>(T, E, 1, T) : Grid<float>(T, E);
        for (int64_t t = 0; t < T; ++t)
            for (int64_t e = 0; e < E; ++e) lg.at(t, e) = given[size_t(t * E + e)];
        L = lg.values();
    }
    const RouterRef ref = router_ref(L, T, E, k, c.scoring, c.renorm, c.cf);
    if (c.expect_drops) {
        int64_t drops = 0;
        for (uint8_t v : ref.dropped) drops += v;
        expect(drops > 0, c.name + ": the case drops nothing (test set-up)");
    }

    RouterOut o = router_outputs(T, E, k, c.strided);
    pmx_moe_router_params p{};
    p.struct_size = sizeof p;
    if (gate) {
        p.x = x.tensor(PMX_DTYPE_F32);
        p.gate_weight = gw.tensor(PMX_DTYPE_F32);
        if (c.logits_out) {
            o.logits = c.strided ? Grid<float>(T, E, 1, T + 1) : Grid<float>(T, E);
            p.logits = o.logits.tensor(PMX_DTYPE_F32);
        }
    } else {
        p.logits = lg.tensor(PMX_DTYPE_F32);
    }
    p.top_k = int32_t(k);
    p.scoring = c.scoring;
    p.renormalize = c.renorm;
    p.capacity_factor = c.cf;
    p.noise_std = 0;
    p.noise_seed = 0x5EED;
    attach(p, o, c.optional_outputs);
    const Grid<float> lg_before = lg;

    pmx_status st = run_router(ctx, p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": router failed: " + pmx_test::last_error(ctx));
    if (st != PMX_STATUS_SUCCESS) return;
    int bad = check_router(c.name, ref, o, c.optional_outputs, gate ? 1e-5 : 2e-6);
    if (gate && c.logits_out) bad += check_close(c.name + " logits (x·gate_weight)", o.logits, L, 1e-5, true);
    if (!c.optional_outputs) bad += !o.counts.all_poison() + !o.dropped.all_poison() + !o.aux.all_poison() + !o.z.all_poison();
    expect(bad == 0, c.name + ": router outputs");
    expect(lg_before.same_bits(lg), c.name + ": the given logits were changed");

    // One thread: the same bits.
    const RouterOut first = o;
    o.repoison();
    expect(run_router(ctx1, p) == PMX_STATUS_SUCCESS, c.name + ": 1-thread router failed");
    expect(first.same_bits(o), c.name + ": 1 thread and N threads differ");

    // The same call again without noise but another seed: the same bits.
    o.repoison();
    p.noise_seed = 987654321;
    expect(run_router(ctx, p) == PMX_STATUS_SUCCESS && first.same_bits(o),
           c.name + ": noise_std 0 but another noise_seed changed the result");

    // A workspace one byte short is refused, outputs untouched.
    const int64_t bytes = asked(ctx, &p, [](pmx_context *cx, const void *q, int64_t *b) {
        return pmx_moe_router_workspace_size(cx, static_cast<const pmx_moe_router_params *>(q), b);
    });
    if (bytes > 0) {
        o.repoison();
        st = run_router(ctx, p, 1);
        expect(st != PMX_STATUS_SUCCESS && o.all_poison(), c.name + ": a workspace one byte short was not refused");
    }
}

// Logits where every row is the same permutation of a few equal pairs.
std::vector<float> tie_logits(int64_t T, int64_t E, std::mt19937_64 &rng, bool all_equal) {
    std::vector<float> L(size_t(T * E));
    std::uniform_real_distribution<float> dist(-2.f, 2.f);
    for (int64_t t = 0; t < T; ++t) {
        if (all_equal) {
            const float v = dist(rng);
            for (int64_t e = 0; e < E; ++e) L[size_t(t * E + e)] = v;
            continue;
        }
        // distinct values v[0..E/2), each on two experts placed at random
        std::vector<float> vals;
        for (int64_t i = 0; i < (E + 1) / 2; ++i) vals.push_back(-2.f + 0.25f * float(i));  // well apart
        std::vector<int64_t> perm(static_cast<size_t>(E));
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), rng);
        for (int64_t e = 0; e < E; ++e) L[size_t(t * E + perm[size_t(e)])] = vals[size_t(e / 2)];
    }
    return L;
}

std::vector<RouterCase> router_cases(std::mt19937_64 &rng) {
    std::vector<RouterCase> cs;
    for (int32_t scoring : {PMX_MOE_SOFTMAX, PMX_MOE_SIGMOID})
        for (int32_t renorm : {0, 1}) {
            RouterCase c{std::string(scoring == PMX_MOE_SOFTMAX ? "softmax" : "sigmoid") + ", renormalize " +
                         std::to_string(renorm) + ", given logits, T 64, E 8, k 2"};
            c.scoring = scoring, c.renorm = renorm;
            cs.push_back(c);
            RouterCase g{std::string(scoring == PMX_MOE_SOFTMAX ? "softmax" : "sigmoid") + ", renormalize " +
                         std::to_string(renorm) + ", x·gate_weight (d 40), T 50, E 6, k 3"};
            g.scoring = scoring, g.renorm = renorm, g.d = 40, g.T = 50, g.E = 6, g.k = 3;
            g.logits_out = renorm == 1;
            cs.push_back(g);
        }
    {
        RouterCase c{"gate, d 37, no optional outputs, T 33, E 16, k 4"};
        c.d = 37, c.T = 33, c.E = 16, c.k = 4, c.optional_outputs = false, c.logits_out = false;
        cs.push_back(c);
    }
    {
        RouterCase c{"gate, d 0 (logits all 0: experts 0 .. k-1)"};
        c.d = 0, c.T = 5, c.E = 7, c.k = 3;
        cs.push_back(c);
    }
    {
        RouterCase c{"ties: all logits equal, softmax, E 8, k 3"};
        c.T = 9, c.k = 3, c.logits = tie_logits(9, 8, rng, true);
        cs.push_back(c);
    }
    {
        RouterCase c{"ties: all logits equal, sigmoid, E 13, k 13"};
        c.T = 4, c.E = 13, c.k = 13, c.scoring = PMX_MOE_SIGMOID, c.renorm = 0, c.logits = tie_logits(4, 13, rng, true);
        cs.push_back(c);
    }
    {
        RouterCase c{"ties: equal pairs, softmax, E 10, k 5"};
        c.T = 30, c.E = 10, c.k = 5, c.logits = tie_logits(30, 10, rng, false);
        cs.push_back(c);
    }
    {
        RouterCase c{"ties: equal pairs, sigmoid, E 19, k 19 (every slot)"};
        c.T = 30, c.E = 19, c.k = 19, c.scoring = PMX_MOE_SIGMOID, c.logits = tie_logits(30, 19, rng, false);
        cs.push_back(c);
    }
    {
        RouterCase c{"ties: equal pairs, softmax, E 37, k 6, capacity 1.0"};
        c.T = 40, c.E = 37, c.k = 6, c.cf = 1.0, c.logits = tie_logits(40, 37, rng, false);
        cs.push_back(c);
    }
    {
        RouterCase c{"k = E = 6, softmax, renormalize 1"};
        c.E = 6, c.k = 6;
        cs.push_back(c);
    }
    {
        RouterCase c{"k 1, sigmoid, renormalize 1 (weights all 1)"};
        c.k = 1, c.scoring = PMX_MOE_SIGMOID;
        cs.push_back(c);
    }
    {
        RouterCase c{"T 1, E 5, k 2, capacity 1.0"};
        c.T = 1, c.E = 5, c.cf = 1.0;
        cs.push_back(c);
    }
    {
        RouterCase c{"T 1 with gate, E 64, k 8"};
        c.T = 1, c.E = 64, c.k = 8, c.d = 16;
        cs.push_back(c);
    }
    {
        RouterCase c{"T 0 (losses 0, counts 0)"};
        c.T = 0, c.cf = 1.0;
        cs.push_back(c);
    }
    {
        RouterCase c{"T 0 with gate"};
        c.T = 0, c.d = 12;
        cs.push_back(c);
    }
    // Every token's top expert is 0; expert 3 never chosen; capacity 1.0:
    // cap = ceil(40·2/4) = 20, so tokens 20 .. 39 lose slot 0.
    for (double cf : {1.0, 0.0}) {
        RouterCase c{std::string("one expert takes every token, expert 3 none, capacity ") + (cf > 0 ? "1.0" : "0 (dropless)")};
        c.T = 40, c.E = 4, c.k = 2, c.cf = cf, c.expect_drops = cf > 0;
        c.logits.assign(40 * 4, 0.f);
        std::uniform_real_distribution<float> dist(-1.f, 1.f);
        for (int64_t t = 0; t < 40; ++t) {
            float a, b;
            do a = dist(rng), b = dist(rng);
            while (std::fabs(a - b) < 1e-3f);
            c.logits[size_t(t * 4)] = 12.f, c.logits[size_t(t * 4 + 1)] = a, c.logits[size_t(t * 4 + 2)] = b;
            c.logits[size_t(t * 4 + 3)] = -6.f;
        }
        cs.push_back(c);
    }
    // Token t picks t % 4 then (t + 1) % 4: every expert gets 8 of 32.
    // capacity 1.0: ceil(16·2/4) = 8, exactly the load: nothing dropped;
    // 0.75: 6, the last two of each expert (in token order) dropped; 0.8: ceil(6.4) = 7.
    for (double cf : {1.0, 0.75, 0.8}) {
        RouterCase c{"capacity " + std::to_string(cf) + " against loads of exactly 8"};
        c.T = 16, c.E = 4, c.k = 2, c.cf = cf, c.expect_drops = cf < 1.0;
        c.logits.assign(16 * 4, 0.f);
        for (int64_t t = 0; t < 16; ++t) {
            float low = -0.5f;
            for (int64_t e = 0; e < 4; ++e) {
                float &v = c.logits[size_t(t * 4 + e)];
                if (e == t % 4)
                    v = 2.f;
                else if (e == (t + 1) % 4)
                    v = 1.f;
                else
                    v = low, low = -1.f;
            }
        }
        cs.push_back(c);
    }
    {
        RouterCase c{"capacity 0.5, sigmoid, renormalize 0, E 8, k 3, T 64"};
        c.k = 3, c.cf = 0.5, c.scoring = PMX_MOE_SIGMOID, c.renorm = 0, c.expect_drops = true;
        cs.push_back(c);
    }
    {
        RouterCase c{"strided views: logits column-major, outputs padded / column-major, capacity 1.25"};
        c.T = 45, c.E = 12, c.k = 3, c.cf = 1.25, c.strided = true;
        cs.push_back(c);
    }
    {
        RouterCase c{"strided views with gate (logits written column-major)"};
        c.T = 21, c.E = 5, c.k = 2, c.d = 9, c.strided = true, c.cf = 1.0;
        cs.push_back(c);
    }
    {
        RouterCase c{"E 256, k 8, T 40, capacity 2"};
        c.T = 40, c.E = 256, c.k = 8, c.cf = 2.0;
        cs.push_back(c);
    }
    return cs;
}

// ---- noise -------------------------------------------------------------------

void run_noise(pmx_context *ctx, pmx_context *ctx1) {
    std::printf("router: noise\n");
    // sigmoid, k = E, renormalize 0: weights[t, slot] = sigmoid(noisy logit)
    // of the expert in that slot, so log(w / (1 - w)) gives the noisy logits back.
    const int64_t T = 8192, E = 8, k = 8;
    Grid<float> zeros(T, E);
    std::fill(zeros.buf.begin(), zeros.buf.end(), 0.f);
    auto params = [&](Grid<float> &lg, RouterOut &o, double std_, uint64_t seed) {
        pmx_moe_router_params p{};
        p.struct_size = sizeof p;
        p.logits = lg.tensor(PMX_DTYPE_F32);
        p.top_k = int32_t(k);
        p.scoring = PMX_MOE_SIGMOID;
        p.renormalize = 0;
        p.noise_std = std_;
        p.noise_seed = seed;
        attach(p, o, true);
        return p;
    };
    const uint64_t seed = 0x1234ABCDull;
    RouterOut a = router_outputs(T, E, k, false);
    pmx_moe_router_params pa = params(zeros, a, 1.0, seed);
    if (run_router(ctx, pa) != PMX_STATUS_SUCCESS) {
        expect(false, "noise: router failed: " + pmx_test::last_error(ctx));
        return;
    }
    // the noisy logits, [T, E]
    auto recover = [&](const RouterOut &o, std::vector<double> &z) {
        z.assign(size_t(T * E), std::nan(""));
        int bad = 0;
        for (int64_t t = 0; t < T; ++t) {
            std::vector<int> seen(size_t(E), 0);
            for (int64_t j = 0; j < k; ++j) {
                const int32_t e = o.idx.at(t, j);
                const double w = o.w.at(t, j);
                if (e < 0 || e >= E || seen[size_t(e)]++ || !(w > 0 && w < 1)) {
                    if (bad++ < 3) std::printf("  token %lld slot %lld: expert %d weight %g\n", (long long)t, (long long)j, e, w);
                    continue;
                }
                if (j > 0 && !(o.w.at(t, j - 1) >= w) && bad++ < 3)
                    std::printf("  token %lld: slots not in descending score\n", (long long)t);
                z[size_t(t * E + e)] = std::log(w / (1.0 - w));
            }
        }
        return bad;
    };
    std::vector<double> z;
    expect(recover(a, z) == 0, "noise: indices a permutation of the experts and weights descending in every token");
    double mean = 0, sq = 0, within1 = 0, corr_e = 0, corr_t = 0;
    for (double v : z) mean += v, sq += v * v, within1 += std::fabs(v) < 1.0;
    const double n = double(z.size());
    mean /= n;
    const double sd = std::sqrt(sq / n - mean * mean);
    for (int64_t t = 0; t < T; ++t)
        for (int64_t e = 0; e + 1 < E; ++e) corr_e += z[size_t(t * E + e)] * z[size_t(t * E + e + 1)];
    for (int64_t t = 0; t + 1 < T; ++t)
        for (int64_t e = 0; e < E; ++e) corr_t += z[size_t(t * E + e)] * z[size_t((t + 1) * E + e)];
    corr_e /= double(T * (E - 1)) * sd * sd;
    corr_t /= double((T - 1) * E) * sd * sd;
    std::printf("  noise over %lld logits: mean %.4f, std %.4f, |n| < 1: %.4f, corr(e, e+1) %.4f, corr(t, t+1) %.4f\n",
                (long long)z.size(), mean, sd, within1 / n, corr_e, corr_t);
    expect(std::fabs(mean) < 0.025, "noise: mean of the noisy logits far from 0");
    expect(std::fabs(sd - 1.0) < 0.03, "noise: std of the noisy logits far from noise_std = 1");
    expect(std::fabs(within1 / n - 0.6827) < 0.012, "noise: share within one std far from a normal's 0.683");
    expect(std::fabs(corr_e) < 0.025 && std::fabs(corr_t) < 0.025, "noise: neighbouring noises correlated");

    // The losses use the noisy logits: with k = E every count is T, so
    // aux = Σ_e mean_t sigmoid(z) = (1/T)·Σ of all weights; z_loss from z.
    {
        double aux = 0, zl = 0;
        for (int64_t t = 0; t < T; ++t) {
            double m = -1e300, s = 0;
            for (int64_t e = 0; e < E; ++e) m = std::max(m, z[size_t(t * E + e)]);
            for (int64_t e = 0; e < E; ++e) s += std::exp(z[size_t(t * E + e)] - m);
            const double lse = m + std::log(s);
            zl += lse * lse;
            for (int64_t j = 0; j < k; ++j) aux += double(a.w.at(t, j));
        }
        aux /= double(T), zl /= double(T);
        expect(close_rel(a.aux.at(0), aux, 1e-4), "noise: aux_loss " + std::to_string(a.aux.at(0)) + " want " + std::to_string(aux));
        expect(close_rel(a.z.at(0), zl, 1e-4), "noise: z_loss " + std::to_string(a.z.at(0)) + " want " + std::to_string(zl));
        bool counts = true, dropped = true;
        for (int64_t e = 0; e < E; ++e) counts &= a.counts.at(e) == T;
        for (int64_t t = 0; t < T; ++t)
            for (int64_t j = 0; j < k; ++j) dropped &= a.dropped.at(t, j) == 0;
        expect(counts && dropped, "noise: counts T each and nothing dropped (k = E, dropless)");
    }

    // The same seed on one thread: the same bits.
    RouterOut b = router_outputs(T, E, k, false);
    pmx_moe_router_params pb = params(zeros, b, 1.0, seed);
    expect(run_router(ctx1, pb) == PMX_STATUS_SUCCESS && a.same_bits(b), "noise: 1 thread and N threads differ");
    b.repoison();
    expect(run_router(ctx, pb) == PMX_STATUS_SUCCESS && a.same_bits(b), "noise: the same call twice differs");

    // Another seed: other noise.
    b.repoison();
    pb = params(zeros, b, 1.0, seed + 1);
    expect(run_router(ctx, pb) == PMX_STATUS_SUCCESS, "noise: router (seed + 1) failed");
    {
        int64_t same = 0;
        for (int64_t t = 0; t < T; ++t)
            for (int64_t j = 0; j < k; ++j) same += a.w.at(t, j) == b.w.at(t, j);
        expect(same < T * k / 10, "noise: another seed gave the same noise (" + std::to_string(same) + " weights equal)");
    }

    // noise_std 0.5: the same n, half the noise.
    b.repoison();
    pb = params(zeros, b, 0.5, seed);
    expect(run_router(ctx, pb) == PMX_STATUS_SUCCESS, "noise: router (std 0.5) failed");
    {
        std::vector<double> zh;
        recover(b, zh);
        int bad = 0;
        for (size_t i = 0; i < z.size(); ++i)
            if (!(std::fabs(zh[i] - 0.5 * z[i]) <= 2e-5 * (1 + std::fabs(z[i]))) && bad++ < 3)
                std::printf("  logit %zu: std 0.5 gives %.7g, std 1 gives %.7g\n", i, zh[i], z[i]);
        expect(bad == 0, "noise: noise_std 0.5 does not scale the same noise by 0.5");
    }

    // The noise is a function of (seed, t, e): the first 100 tokens of T 8192
    // get the same as T 100 alone, and it adds to given logits.
    {
        const int64_t T2 = 100;
        Grid<float> z2(T2, E);
        std::fill(z2.buf.begin(), z2.buf.end(), 0.f);
        RouterOut c = router_outputs(T2, E, k, false);
        pmx_moe_router_params pc = params(z2, c, 1.0, seed);
        expect(run_router(ctx, pc) == PMX_STATUS_SUCCESS, "noise: router (T 100) failed");
        bool same = true;
        for (int64_t t = 0; t < T2; ++t)
            for (int64_t j = 0; j < k; ++j)
                same &= c.idx.at(t, j) == a.idx.at(t, j) && std::memcmp(&c.w.at(t, j), &a.w.at(t, j), 4) == 0;
        expect(same, "noise: token t's noise depends on T");

        std::mt19937_64 rng(77);
        const std::vector<float> base = pmx_test::random_floats(size_t(T2 * E), rng, -1.f, 1.f);
        Grid<float> lg(T2, E);
        for (int64_t i = 0; i < T2 * E; ++i) lg.buf[size_t(i)] = base[size_t(i)];
        c.repoison();
        pc = params(lg, c, 1.0, seed);
        expect(run_router(ctx, pc) == PMX_STATUS_SUCCESS, "noise: router (given logits) failed");
        int bad = 0;
        for (int64_t t = 0; t < T2; ++t)
            for (int64_t j = 0; j < k; ++j) {
                const int32_t e = c.idx.at(t, j);
                const double w = c.w.at(t, j);
                const double noisy = std::log(w / (1.0 - w)), want = double(base[size_t(t * E + e)]) + z[size_t(t * E + e)];
                if (!(std::fabs(noisy - want) <= 3e-5 * (1 + std::fabs(want))) && bad++ < 3)
                    std::printf("  token %lld expert %d: noisy logit %.7g want %.7g\n", (long long)t, e, noisy, want);
            }
        expect(bad == 0, "noise: logits + noise_std·n with the n of zero logits");
    }

    // softmax with noise, capacity: 1 thread and N threads alike, all outputs.
    {
        const int64_t T3 = 300, E3 = 16, k3 = 4;
        std::mt19937_64 rng(78);
        const std::vector<float> base = random_logits(T3, E3, k3, rng);
        Grid<float> lg(T3, E3);
        for (int64_t i = 0; i < T3 * E3; ++i) lg.buf[size_t(i)] = base[size_t(i)];
        RouterOut c = router_outputs(T3, E3, k3, false), d = router_outputs(T3, E3, k3, false);
        pmx_moe_router_params pc = params(lg, c, 0.7, 99);
        pc.top_k = int32_t(k3), pc.scoring = PMX_MOE_SOFTMAX, pc.renormalize = 1, pc.capacity_factor = 1.0;
        pmx_moe_router_params pd = pc;
        attach(pd, d, true);
        expect(run_router(ctx, pc) == PMX_STATUS_SUCCESS && run_router(ctx1, pd) == PMX_STATUS_SUCCESS && c.same_bits(d),
               "noise: softmax with capacity, 1 thread and N threads differ");
        // and they differ from no noise
        pmx_moe_router_params pe = pc;
        RouterOut e = router_outputs(T3, E3, k3, false);
        attach(pe, e, true);
        pe.noise_std = 0;
        expect(run_router(ctx, pe) == PMX_STATUS_SUCCESS && !c.w.same_bits(e.w), "noise: noise_std 0.7 changed nothing");
    }
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 4)) return 1;
    std::mt19937_64 rng(20261207);

    for (const RouterCase &c : router_cases(rng)) run_router_case(ctx, ctx1, c, rng);
    run_noise(ctx, ctx1);

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%s (%d failures)\n", pmx_test::failures == 0 ? "PASS" : "FAIL", pmx_test::failures);
    return pmx_test::failures == 0 ? 0 : 1;
}
