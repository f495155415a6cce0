// The fused Mixture-of-Experts layer (pmx_moe) and pmx_moe_reference, through
// the public C API, on the ISA path this process runs (CTest runs it once per
// PMX_ISA value): pmx_moe equal bit for bit to the four stages (pmx_moe_router,
// pmx_moe_permute, pmx_moe_experts, pmx_moe_combine) run one after another,
// close to the float64 layer built from moe_test_reference.h, and
// pmx_moe_reference (F32 and F64, with the router's outputs) close to it as
// well; with noise, capacity, given logits, T = 1, T = 0 and d = 0. Random
// inputs from a fixed seed; every output poisoned before each call and every
// element checked; 1 vs N threads bit for bit; workspaces of the size asked
// for, and one byte less refused.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "moe_test_reference.h"
#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using namespace moe_test;
using pmx_test::expect;

// ---- calls with the workspace asked for ------------------------------------

pmx_status run_moe(pmx_context *ctx, const pmx_moe_params &p, int64_t shrink = 0) {
    int64_t bytes = -1;
    pmx_status st = pmx_moe_workspace_size(ctx, &p, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    if (bytes < 0) return PMX_STATUS_INTERNAL_ERROR;
    pmx_test::Aligned ws{size_t(std::max<int64_t>(bytes, 1))};
    bytes -= shrink;
    return pmx_moe(ctx, &p, bytes > 0 ? ws.p : nullptr, bytes);
}

template <class V>
std::vector<V> flat(const Grid<V> &g) {
    std::vector<V> v(size_t(g.n0 * g.n1));
    for (int64_t i = 0; i < g.n0; ++i)
        for (int64_t j = 0; j < g.n1; ++j) v[size_t(i * g.n1 + j)] = g.at(i, j);
    return v;
}

// ---- the layer -------------------------------------------------------------------

struct MoeCase {
    std::string name;
    int64_t T = 37, d = 37, h = 53, E = 6, k = 2;
    bool gate = true;  // logits = x·gate_weight; else given
    int32_t scoring = PMX_MOE_SOFTMAX, renorm = 1;
    double cf = 0, noise_std = 0;
    uint64_t seed = 42;
    int32_t act = PMX_MOE_SILU;
    bool gated = true, b1 = true, b2 = true, b3 = true, transposed = false;
    bool router_outputs = false;
    bool f64_reference = false;
};

pmx_tensor as_f64(const pmx_tensor &t, std::vector<Buf<double>> &store) {
    if (t.data == nullptr) return t;
    const float *f = static_cast<const float *>(t.data);
    const size_t n = size_t(t.byte_size / 4);
    store.emplace_back(f, f + n);
    pmx_tensor u = t;
    u.data = store.back().data();
    u.dtype = PMX_DTYPE_F64;
    u.byte_size = int64_t(n * 8);
    return u;
}

void run_moe_case(pmx_context *ctx, pmx_context *ctx1, const MoeCase &c, std::mt19937_64 &rng) {
    std::printf("moe: %s\n", c.name.c_str());
    const int64_t T = c.T, d = c.d, E = c.E, k = c.k;
    const bool noisy = c.noise_std > 0;
    Grid<float> x(T, d), gw(d, E), lg(T, E);
    std::vector<double> L;
    if (c.gate) {
        L = gate_inputs(x, gw, k, rng);
    } else {
        std::uniform_real_distribution<float> dist(-1.f, 1.f);
        for (float &v : x.buf) v = dist(rng);
        const std::vector<float> given = random_logits(T, E, k, rng);
        std::copy(given.begin(), given.end(), lg.buf.begin());
        L = lg.values();
    }
    Experts W(E, d, c.h, c.gated, c.b1, c.b2, c.b3, c.transposed, c.act, rng);

    // The layer in float64.
    const RouterRef rr = router_ref(L, T, E, k, c.scoring, c.renorm, c.cf);
    std::vector<double> want(size_t(T * d), 0.0), xr(static_cast<size_t>(d)), y(static_cast<size_t>(d));
    for (int64_t t = 0; t < T; ++t) {
        for (int64_t i = 0; i < d; ++i) xr[size_t(i)] = x.at(t, i);
        for (int64_t j = 0; j < k; ++j) {
            if (rr.dropped[size_t(t * k + j)]) continue;
            W.row(rr.idx[size_t(t * k + j)], xr.data(), y.data());
            for (int64_t i = 0; i < d; ++i) want[size_t(t * d + i)] += rr.w[size_t(t * k + j)] * y[size_t(i)];
        }
    }

    auto router_params = [&](RouterOut *o, bool all) {
        pmx_moe_router_params r{};
        r.struct_size = sizeof r;
        r.x = x.tensor(PMX_DTYPE_F32);
        if (c.gate)
            r.gate_weight = gw.tensor(PMX_DTYPE_F32);
        else
            r.logits = lg.tensor(PMX_DTYPE_F32);
        r.top_k = int32_t(k);
        r.scoring = c.scoring;
        r.renormalize = c.renorm;
        r.capacity_factor = c.cf;
        r.noise_std = c.noise_std;
        r.noise_seed = c.seed;
        if (o != nullptr) attach(r, *o, all);
        return r;
    };
    RouterOut ro = router_outputs(T, E, k, false);
    Grid<float> out(T, d);
    pmx_moe_params p{};
    p.struct_size = sizeof p;
    p.router = router_params(c.router_outputs ? &ro : nullptr, true);
    W.put(p.w1, p.w2, p.w3, p.b1, p.b2, p.b3);
    p.activation = c.act;
    p.out = out.tensor(PMX_DTYPE_F32);

    pmx_status st = run_moe(ctx, p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": pmx_moe failed: " + pmx_test::last_error(ctx));
    if (st != PMX_STATUS_SUCCESS) return;
    if (!noisy) {
        expect(check_close(c.name + " out", out, want, 1e-4, true) == 0, c.name + ": out against float64");
        if (c.router_outputs) expect(check_router(c.name + " router", rr, ro, true, 1e-5) == 0, c.name + ": router outputs");
    } else {
        int bad = 0;
        for (float v : out.buf) bad += !std::isfinite(v);
        expect(bad == 0, c.name + ": out not all written (or not finite)");
    }
    const Grid<float> out_n = out;
    const RouterOut ro_n = ro;

    // One thread: the same bits.
    out.repoison(), ro.repoison();
    expect(run_moe(ctx1, p) == PMX_STATUS_SUCCESS && out.same_bits(out_n) && ro.same_bits(ro_n),
           c.name + ": pmx_moe on 1 thread and N threads differ");

    // The four stages one after another: the same bits.
    {
        RouterOut so = router_outputs(T, E, k, false);
        pmx_moe_router_params rp = router_params(&so, true);
        st = run_router(ctx, rp);
        expect(st == PMX_STATUS_SUCCESS, c.name + ": stage router failed: " + pmx_test::last_error(ctx));
        Grid<float> xs(T * k, d), ys(T * k, d), out_s(T, d);
        Grid<int32_t> offsets = Grid<int32_t>::vec(E + 1), rows(T, k);
        pmx_moe_permute_params pp{};
        pp.struct_size = sizeof pp;
        pp.x = x.tensor(PMX_DTYPE_F32);
        pp.indices = so.idx.tensor(PMX_DTYPE_I32);
        pp.dropped = so.dropped.tensor(PMX_DTYPE_U8);
        pp.experts = E;
        pp.x_sorted = xs.tensor(PMX_DTYPE_F32);
        pp.offsets = offsets.tensor(PMX_DTYPE_I32);
        pp.rows = rows.tensor(PMX_DTYPE_I32);
        if (st == PMX_STATUS_SUCCESS) {
            st = pmx_moe_permute(ctx, &pp);
            expect(st == PMX_STATUS_SUCCESS, c.name + ": stage permute failed: " + pmx_test::last_error(ctx));
        }
        pmx_moe_experts_params ep{};
        ep.struct_size = sizeof ep;
        ep.x_sorted = xs.tensor(PMX_DTYPE_F32);
        ep.offsets = offsets.tensor(PMX_DTYPE_I32);
        W.put(ep.w1, ep.w2, ep.w3, ep.b1, ep.b2, ep.b3);
        ep.activation = c.act;
        ep.y_sorted = ys.tensor(PMX_DTYPE_F32);
        if (st == PMX_STATUS_SUCCESS) {
            st = run_experts(ctx, ep);
            expect(st == PMX_STATUS_SUCCESS, c.name + ": stage experts failed: " + pmx_test::last_error(ctx));
        }
        pmx_moe_combine_params cp{};
        cp.struct_size = sizeof cp;
        cp.y_sorted = ys.tensor(PMX_DTYPE_F32);
        cp.rows = rows.tensor(PMX_DTYPE_I32);
        cp.weights = so.w.tensor(PMX_DTYPE_F32);
        cp.out = out_s.tensor(PMX_DTYPE_F32);
        if (st == PMX_STATUS_SUCCESS) {
            st = pmx_moe_combine(ctx, &cp);
            expect(st == PMX_STATUS_SUCCESS, c.name + ": stage combine failed: " + pmx_test::last_error(ctx));
        }
        if (st == PMX_STATUS_SUCCESS) {
            int64_t differ = 0;
            for (size_t i = 0; i < out_s.buf.size(); ++i) differ += std::memcmp(&out_s.buf[i], &out_n.buf[i], 4) != 0;
            expect(differ == 0, c.name + ": pmx_moe and the four stages differ in " + std::to_string(differ) + " of " +
                                    std::to_string(out_s.buf.size()) + " elements");
            if (c.router_outputs) expect(so.same_bits(ro_n), c.name + ": pmx_moe's router outputs and the router's differ");
            if (!noisy) expect(check_router(c.name + " stage router", rr, so, true, 1e-5) == 0, c.name + ": stage router");
        }
    }

    // The library's float64 reference (F32 tensors): close to this file's.
    out.repoison(), ro.repoison();
    st = pmx_moe_reference(ctx, &p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": pmx_moe_reference failed: " + pmx_test::last_error(ctx));
    if (st == PMX_STATUS_SUCCESS) {
        if (!noisy) {
            expect(check_close(c.name + " reference out", out, want, 1e-5, true) == 0, c.name + ": pmx_moe_reference out");
            if (c.router_outputs)
                expect(check_router(c.name + " reference router", rr, ro, true, 1e-6) == 0, c.name + ": pmx_moe_reference router");
        } else {
            // the noise is the same generator's: the reference and the kernel agree
            expect(check_close(c.name + " reference out (noisy, against pmx_moe)", out, out_n.values(), 1e-4, true) == 0,
                   c.name + ": pmx_moe_reference and pmx_moe differ with noise");
            if (c.router_outputs) expect(check_exact(c.name + " reference indices (noisy)", ro.idx, flat(ro_n.idx)) == 0 &&
                                             check_exact(c.name + " reference dropped (noisy)", ro.dropped, flat(ro_n.dropped)) == 0,
                                         c.name + ": pmx_moe_reference routes otherwise with noise");
        }
    }

    // ... and with F64 tensors: float64 all the way.
    if (c.f64_reference && !noisy) {
        std::vector<Buf<double>> store;
        store.reserve(16);
        pmx_moe_params q = p;
        q.router.x = as_f64(p.router.x, store);
        q.router.gate_weight = as_f64(p.router.gate_weight, store);
        q.router.logits = as_f64(p.router.logits, store);
        // the router's outputs too: weights and losses in float64
        RouterOut r64 = router_outputs(T, E, k, false);
        Buf<double> w64(size_t(std::max<int64_t>(T * k, 1)), std::nan("")), aux64(1, std::nan("")), z64(1, std::nan(""));
        q.router.indices = r64.idx.tensor(PMX_DTYPE_I32);
        q.router.counts = r64.counts.tensor(PMX_DTYPE_I32);
        q.router.dropped = r64.dropped.tensor(PMX_DTYPE_U8);
        q.router.weights = pmx_test::dense(w64.data(), PMX_DTYPE_F64, {T, k}, 8);
        q.router.aux_loss = pmx_test::dense(aux64.data(), PMX_DTYPE_F64, {1}, 8);
        q.router.z_loss = pmx_test::dense(z64.data(), PMX_DTYPE_F64, {1}, 8);
        q.w1 = as_f64(p.w1, store), q.w2 = as_f64(p.w2, store), q.w3 = as_f64(p.w3, store);
        q.b1 = as_f64(p.b1, store), q.b2 = as_f64(p.b2, store), q.b3 = as_f64(p.b3, store);
        Buf<double> out64(size_t(std::max<int64_t>(T * d, 1)), std::nan(""));
        q.out = pmx_test::dense(out64.data(), PMX_DTYPE_F64, {T, d}, 8);
        st = pmx_moe_reference(ctx, &q);
        expect(st == PMX_STATUS_SUCCESS, c.name + ": pmx_moe_reference (F64) failed: " + pmx_test::last_error(ctx));
        if (st == PMX_STATUS_SUCCESS) {
            double rms = 0;
            for (double v : want) rms += v * v;
            rms = want.empty() ? 0 : std::sqrt(rms / double(want.size()));
            int bad = 0;
            for (size_t i = 0; i < want.size(); ++i)
                if (!(std::fabs(out64[i] - want[i]) <= 1e-9 * (std::fabs(want[i]) + rms)) && bad++ < 3)
                    std::printf("  F64 reference out[%zu]: got %.17g want %.17g\n", i, out64[i], want[i]);
            expect(bad == 0, c.name + ": pmx_moe_reference (F64) out");
            bad = check_exact(c.name + " F64 reference indices", r64.idx, rr.idx) +
                  check_exact(c.name + " F64 reference counts", r64.counts, rr.counts) +
                  check_exact(c.name + " F64 reference dropped", r64.dropped, rr.dropped);
            for (int64_t i = 0; i < T * k; ++i)
                if (!close_rel(w64[size_t(i)], rr.w[size_t(i)], 1e-12) && bad++ < 3)
                    std::printf("  F64 reference weights[%lld]: got %.17g want %.17g\n", (long long)i, w64[size_t(i)],
                                rr.w[size_t(i)]);
            if (!close_rel(aux64[0], rr.aux, 1e-12, 1e-15) || !close_rel(z64[0], rr.z, 1e-12, 1e-15)) {
                std::printf("  F64 reference losses: aux %.17g want %.17g, z %.17g want %.17g\n", aux64[0], rr.aux, z64[0],
                            rr.z);
                ++bad;
            }
            expect(bad == 0, c.name + ": pmx_moe_reference (F64) router outputs");
        }
    }

    // A workspace one byte short is refused.
    const int64_t bytes = asked(ctx, &p, [](pmx_context *cx, const void *q, int64_t *b) {
        return pmx_moe_workspace_size(cx, static_cast<const pmx_moe_params *>(q), b);
    });
    if (bytes > 0) {
        out.repoison(), ro.repoison();
        st = run_moe(ctx, p, 1);
        expect(st != PMX_STATUS_SUCCESS && out.all_poison() && ro.all_poison(),
               c.name + ": a workspace one byte short was not refused");
    }
}

std::vector<MoeCase> moe_cases() {
    std::vector<MoeCase> cs;
    {
        MoeCase c{"T 37, d 37, h 53, E 6, k 2, gated silu, all biases, router outputs"};
        c.router_outputs = true, c.f64_reference = true;
        cs.push_back(c);
    }
    {
        MoeCase c{"T 64, d 48, h 40, E 8, k 2, softmax renormalize 0, capacity 1.0, gelu, transposed, b1 b2"};
        c.T = 64, c.d = 48, c.h = 40, c.E = 8, c.renorm = 0, c.cf = 1.0, c.act = PMX_MOE_GELU, c.gated = false;
        c.b3 = false, c.transposed = true, c.router_outputs = true;
        cs.push_back(c);
    }
    {
        MoeCase c{"T 1, k 1, sigmoid, relu, no biases"};
        c.T = 1, c.k = 1, c.scoring = PMX_MOE_SIGMOID, c.act = PMX_MOE_RELU, c.gated = false, c.b1 = c.b2 = c.b3 = false;
        c.router_outputs = true;
        cs.push_back(c);
    }
    {
        MoeCase c{"T 0"};
        c.T = 0, c.router_outputs = true;
        cs.push_back(c);
    }
    {
        MoeCase c{"d 0"};
        c.d = 0, c.T = 5, c.router_outputs = true;
        cs.push_back(c);
    }
    {
        MoeCase c{"given logits, k = E = 4, sigmoid renormalize 1, gelu_tanh, capacity 0.5"};
        c.gate = false, c.E = 4, c.k = 4, c.scoring = PMX_MOE_SIGMOID, c.act = PMX_MOE_GELU_TANH, c.cf = 0.5;
        c.router_outputs = true, c.f64_reference = true;
        cs.push_back(c);
    }
    {
        MoeCase c{"noise 0.5, capacity 1.25, gated gelu_tanh, router outputs"};
        c.T = 80, c.d = 24, c.h = 40, c.E = 8, c.k = 2, c.noise_std = 0.5, c.cf = 1.25, c.act = PMX_MOE_GELU_TANH;
        c.router_outputs = true;
        cs.push_back(c);
    }
    {
        MoeCase c{"T 1000, d 64, h 96, E 16, k 4, sigmoid renormalize 1, capacity 1.0, silu, b2"};
        c.T = 1000, c.d = 64, c.h = 96, c.E = 16, c.k = 4, c.scoring = PMX_MOE_SIGMOID, c.cf = 1.0;
        c.gated = false, c.b1 = c.b3 = false, c.router_outputs = true;
        cs.push_back(c);
    }
    {
        MoeCase c{"T 128, d 256, h 384, E 8, k 2, gated silu, transposed, capacity 1.5"};
        c.T = 128, c.d = 256, c.h = 384, c.E = 8, c.cf = 1.5, c.transposed = true;
        cs.push_back(c);
    }
    return cs;
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 4)) return 1;
    std::mt19937_64 rng(20261207);

    for (const MoeCase &c : moe_cases()) run_moe_case(ctx, ctx1, c, rng);

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%s (%d failures)\n", pmx_test::failures == 0 ? "PASS" : "FAIL", pmx_test::failures);
    return pmx_test::failures == 0 ? 0 : 1;
}
