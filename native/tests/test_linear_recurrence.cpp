// pmx_linear_recurrence, pmx_linear_recurrence_step and
// pmx_linear_recurrence_reference (the LINEAR, GATED, DELTA and GATED_DELTA
// update rules), through the public C API, on the ISA path this process runs
// (CTest runs it once per PMX_ISA value).
//
// First the float64 reference against hand-computed values (N = 2, Dk = Dv =
// 1, every rule, with and without a state in, GQA; a decay per key dim with
// Dk = 2). Then the fp32 kernels against that reference run on F64 copies of
// the same inputs: every rule (GATED with a decay per head and per key dim)
// with N = 150 over chunks of 1, 16 and 64; decays exactly 0 and exactly 1;
// a long run of decays 0.05 (products far below fp32's range inside a
// chunk); GQA (H 6 / Hkv 2) and H = Hkv; B = 2; Dk 13, Dv 37 and Dk = Dv =
// 64; N = 0 (states pass through) and N = 1; states in and out; strided
// views; the step chained N times in place against the chunked result; 1 vs
// N threads bit for bit. Outputs poisoned first, every element checked.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "linear_test_case.h"
#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using linear_test::Layout;
using linear_test::Tensor;
using pmx_test::expect;

const char *rule_name(int32_t r) {
    return r == PMX_RULE_LINEAR ? "linear" : r == PMX_RULE_GATED ? "gated" : r == PMX_RULE_DELTA ? "delta" : "gated_delta";
}
bool gated(int32_t r) { return r == PMX_RULE_GATED || r == PMX_RULE_GATED_DELTA; }
bool delta(int32_t r) { return r == PMX_RULE_DELTA || r == PMX_RULE_GATED_DELTA; }

// ---- the reference against hand-computed values ------------------------------

pmx_status reference_f64(pmx_context *ctx, int32_t rule, Tensor &q, Tensor &k, Tensor &v, Tensor *decay, Tensor *beta,
                         Tensor *state_in, Tensor &out, Tensor &state_out) {
    pmx_linear_recurrence_params p{};
    p.struct_size = sizeof p;
    p.q = q.f64(), p.k = k.f64(), p.v = v.f64();
    if (decay) p.decay = decay->f64();
    if (beta) p.beta = beta->f64();
    if (state_in) p.state_in = state_in->f64();
    p.rule = rule;
    p.out = out.f64(), p.state_out = state_out.f64();
    return pmx_linear_recurrence_reference(ctx, &p);
}

void hand_checks(pmx_context *ctx) {
    // B 1, N 2, H 2, Hkv 1, Dk = Dv = 1: k (2, -1), v (3, 1), decay (0.5,
    // 0.25), beta (0.5, 0.25), q head 0 (0.5, 2), head 1 (-1, 1); S_-1 = 0
    // or 1. The states after tokens 0 and 1, worked out by hand:
    //   LINEAR       S0 = s + 6            S1 = S0 - 1
    //   GATED        S0 = s/2 + 6          S1 = S0/4 - 1
    //   DELTA        S0 = s + 1·(3 - 2s)   S1 = S0 - (1/4)(1 + S0)
    //   GATED_DELTA  S0 = s/2 + 1·(3 - s)  S1 = S0/4 - (1/4)(1 + S0/4)
    const double want[4][2][2] = {
        {{6, 5}, {7, 6}},
        {{6, 0.5}, {6.5, 0.625}},
        {{3, 2}, {2, 1.25}},
        {{3, 0.3125}, {2.5, 0.21875}},
    };
    const double qv[2][2] = {{0.5, -1}, {2, 1}};  // [t][h]
    for (int32_t rule : {PMX_RULE_LINEAR, PMX_RULE_GATED, PMX_RULE_DELTA, PMX_RULE_GATED_DELTA})
        for (int with_state = 0; with_state < 2; ++with_state) {
            Tensor q = Tensor::dense({1, 2, 2, 1}), k = Tensor::dense({1, 2, 1, 1}), v = Tensor::dense({1, 2, 1, 1});
            Tensor decay = Tensor::dense({1, 2, 1}), beta = Tensor::dense({1, 2, 1}), s_in = Tensor::dense({1, 1, 1, 1});
            Tensor out = Tensor::dense({1, 2, 2, 1}), s_out = Tensor::dense({1, 1, 1, 1});
            k.d = {2, -1}, v.d = {3, 1}, decay.d = {0.5, 0.25}, beta.d = {0.5, 0.25}, s_in.d = {1};
            q.d = {qv[0][0], qv[0][1], qv[1][0], qv[1][1]};
            const pmx_status st = reference_f64(ctx, rule, q, k, v, gated(rule) ? &decay : nullptr,
                                                delta(rule) ? &beta : nullptr, with_state ? &s_in : nullptr, out, s_out);
            const std::string name = std::string("hand ") + rule_name(rule) + (with_state ? ", state in" : "");
            expect(st == PMX_STATUS_SUCCESS, name + ": reference failed: " + pmx_test::last_error(ctx));
            const double *s = want[rule][with_state];
            bool ok = st == PMX_STATUS_SUCCESS && linear_test::near(s_out.d[0], s[1]);
            for (int t = 0; t < 2; ++t)
                for (int h = 0; h < 2; ++h) ok = ok && linear_test::near(out.d[size_t(t * 2 + h)], s[t] * qv[t][h]);
            expect(ok, name + ": reference differs from the hand-computed values");
        }

    // GATED, decay per key dim, Dk 2, Dv 1, H = Hkv = 1, no state in: k0 (1,
    // 2), v0 1, k1 (1, -1), v1 2, decay (0.5, 0.25) both tokens, q0 (1, 1),
    // q1 (1, 0): S0 = (1, 2), out0 = 3; S1 = (0.5 + 2, 0.5 - 2) = (2.5, -1.5),
    // out1 = 2.5.
    {
        Tensor q = Tensor::dense({1, 2, 1, 2}), k = Tensor::dense({1, 2, 1, 2}), v = Tensor::dense({1, 2, 1, 1});
        Tensor decay = Tensor::dense({1, 2, 1, 2}), out = Tensor::dense({1, 2, 1, 1}), s_out = Tensor::dense({1, 1, 2, 1});
        q.d = {1, 1, 1, 0}, k.d = {1, 2, 1, -1}, v.d = {1, 2}, decay.d = {0.5, 0.25, 0.5, 0.25};
        const pmx_status st = reference_f64(ctx, PMX_RULE_GATED, q, k, v, &decay, nullptr, nullptr, out, s_out);
        expect(st == PMX_STATUS_SUCCESS && linear_test::near(out.d[0], 3) && linear_test::near(out.d[1], 2.5) &&
                   linear_test::near(s_out.d[0], 2.5) && linear_test::near(s_out.d[1], -1.5),
               "hand gated per key dim: reference differs from the hand-computed values " + pmx_test::last_error(ctx));
    }
}

// ---- the kernels against the reference --------------------------------------

enum class Decays {
    Random,     // uniform in [0.8, 1]
    ZerosOnes,  // random, with about one element in 8 exactly 0 and one in 8 exactly 1
    SmallRun,   // random, tokens 20 .. 119 all 0.05 (0.05^64 ≈ 1e-83 within a chunk of 64)
};

struct Case {
    std::string name;
    int32_t rule = PMX_RULE_LINEAR;
    bool per_key = false;  // GATED: decay [B, N, Hkv, Dk]
    int64_t B = 2, N = 150, H = 6, Hkv = 2, Dk = 13, Dv = 37, chunk = 64;
    bool state_in = true, state_out = true;
    Layout layout = Layout::Dense;
    Decays decays = Decays::Random;
    // fp32 against float64, relative to the output's largest magnitude: each
    // token adds rounding of ~6e-8 of the state; the chunked forms sum a
    // chunk's contributions in blocks, and the decays (<= 1) and the delta
    // rule's contraction (unit keys, beta < 1) keep old errors from growing,
    // so errors stay near 1e-6 of the scale; 1e-5 leaves a margin while a
    // wrong token, head, decay or beta fails by orders of magnitude.
    double tol = 1e-5;
    bool steps = false;
};

struct Data {
    const Case &c;
    Tensor q, k, v, decay, beta, state_in;
    Tensor out, state_out, rout, rstate_out;

    Tensor state_tensor() const {
        if (c.layout == Layout::Dense) return Tensor::dense({c.B, c.Hkv, c.Dk, c.Dv});
        // [B, Hkv, Dv, Dk] memory: the key dim innermost (transposed state).
        return Tensor({c.B, c.Hkv, c.Dk, c.Dv}, {c.Hkv * c.Dk * c.Dv, c.Dk * c.Dv, 1, c.Dk});
    }
    // [B, N, Hkv] gates: dense, or head-major [B, Hkv, N] for strided layouts.
    Tensor gate_tensor() const {
        const int64_t n = std::max<int64_t>(c.N, 1);
        if (c.layout == Layout::Dense) return Tensor::dense({c.B, c.N, c.Hkv});
        return Tensor({c.B, c.N, c.Hkv}, {c.Hkv * n, 1, n});
    }

    Data(const Case &c_, std::mt19937_64 &rng) : c(c_) {
        q = Tensor::tokens(c.layout, c.B, c.N, c.H, c.Dk);
        k = Tensor::tokens(c.layout, c.B, c.N, c.Hkv, c.Dk);
        v = Tensor::tokens(c.layout, c.B, c.N, c.Hkv, c.Dv);
        out = Tensor::tokens(c.layout, c.B, c.N, c.H, c.Dv);
        rout = out;
        q.fill(rng, -1, 1);
        k.fill(rng, -1, 1);
        v.fill(rng, -1, 1);
        if (delta(c.rule)) {
            // The delta rules' stable regime (as DeltaNet runs them): unit keys
            // and beta in (0, 1), so I − β k kᵀ is a contraction.
            for (int64_t b = 0; b < c.B; ++b)
                for (int64_t t = 0; t < c.N; ++t)
                    for (int64_t g = 0; g < c.Hkv; ++g) {
                        double sq = 0;
                        for (int64_t i = 0; i < c.Dk; ++i) sq += std::pow(double(k.f[size_t(k.at({b, t, g, i}))]), 2);
                        for (int64_t i = 0; i < c.Dk; ++i) k.f[size_t(k.at({b, t, g, i}))] /= float(std::sqrt(sq));
                    }
            k.sync();
            beta = gate_tensor();
            beta.fill(rng, 0.05, 0.95);
        }
        if (gated(c.rule)) {
            if (c.per_key) decay = c.layout == Layout::Dense ? Tensor::dense({c.B, c.N, c.Hkv, c.Dk})
                                                             : Tensor::tokens(Layout::DimOuter, c.B, c.N, c.Hkv, c.Dk);
            else decay = gate_tensor();
            decay.fill(rng, 0.8, 1.0);
            if (c.decays == Decays::ZerosOnes) {
                std::uniform_int_distribution<int> pick(0, 7);
                decay.each([&](int64_t o) {
                    const int r = pick(rng);
                    if (r == 0) decay.f[size_t(o)] = 0.f;
                    if (r == 1) decay.f[size_t(o)] = 1.f;
                });
            }
            if (c.decays == Decays::SmallRun)
                for (int64_t b = 0; b < c.B; ++b)
                    for (int64_t t = 20; t < std::min<int64_t>(120, c.N); ++t)
                        for (int64_t g = 0; g < c.Hkv; ++g)
                            for (int64_t i = 0; i < (c.per_key ? c.Dk : 1); ++i)
                                decay.f[size_t(c.per_key ? decay.at({b, t, g, i}) : decay.at({b, t, g}))] = 0.05f;
            decay.sync();
        }
        state_in = state_tensor(), state_out = state_tensor(), rstate_out = state_tensor();
        state_in.fill(rng, -1, 1);
        out.poison(), state_out.poison(), rout.poison(), rstate_out.poison();
    }

    pmx_linear_recurrence_params params(bool f64) {
        auto t = [&](Tensor &x) { return f64 ? x.f64() : x.f32(); };
        pmx_linear_recurrence_params p{};
        p.struct_size = sizeof p;
        p.q = t(q), p.k = t(k), p.v = t(v);
        if (gated(c.rule)) p.decay = t(decay);
        if (delta(c.rule)) p.beta = t(beta);
        if (c.state_in) p.state_in = t(state_in);
        p.rule = c.rule, p.chunk = c.chunk;
        p.out = f64 ? rout.f64() : out.f32();
        if (c.state_out) p.state_out = f64 ? rstate_out.f64() : state_out.f32();
        return p;
    }

    int compare_all(const std::string &what, const Tensor &o, const Tensor &s) const {
        int bad = linear_test::compare(what + " out", o, rout, c.tol);
        // With N = 0 the state passes through: exactly.
        if (c.state_out) bad += linear_test::compare(what + " state_out", s, rstate_out, c.N == 0 ? 0.0 : c.tol);
        return bad;
    }
};

// The step chained over the N tokens, the state updated in place (the first
// step without state_in when the case has none: the state starts at 0).
void run_steps(pmx_context *ctx, Data &x) {
    const Case &c = x.c;
    Tensor out = x.out, s = x.state_tensor();
    out.poison(), s.poison();
    if (c.state_in) x.state_in.each([&](int64_t o) { s.f[size_t(o)] = x.state_in.f[size_t(o)]; });
    for (int64_t t = 0; t < c.N; ++t) {
        pmx_linear_recurrence_params p{};
        p.struct_size = sizeof p;
        p.q = x.q.f32_token(t), p.k = x.k.f32_token(t), p.v = x.v.f32_token(t);
        if (gated(c.rule)) p.decay = x.decay.f32_token(t);
        if (delta(c.rule)) p.beta = x.beta.f32_token(t);
        if (c.state_in || t > 0) p.state_in = s.f32();
        p.rule = c.rule;
        p.out = out.f32_token(t);
        p.state_out = s.f32();  // in place
        const pmx_status st = pmx_linear_recurrence_step(ctx, &p);
        if (st != PMX_STATUS_SUCCESS) {
            expect(false, c.name + ": step " + std::to_string(t) + " failed: " + pmx_test::last_error(ctx));
            return;
        }
    }
    int bad = linear_test::compare("steps out", out, x.rout, c.tol);
    bad += linear_test::compare("steps state", s, x.rstate_out, c.tol);
    bad += linear_test::agree("steps vs chunked out", x.out, out, 2 * c.tol);
    expect(bad == 0, c.name + ": the step chain");
}

void run_case(pmx_context *ctx, pmx_context *ctx1, const Case &c, std::mt19937_64 &rng) {
    std::printf("case %s\n", c.name.c_str());
    Data x(c, rng);
    pmx_linear_recurrence_params pr = x.params(true);
    pmx_status st = pmx_linear_recurrence_reference(ctx, &pr);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": reference failed: " + pmx_test::last_error(ctx));
    if (st != PMX_STATUS_SUCCESS) return;

    const pmx_linear_recurrence_params p = x.params(false);
    st = linear_test::run_recurrence(ctx, p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": kernel failed: " + pmx_test::last_error(ctx));
    if (st != PMX_STATUS_SUCCESS) return;
    expect(x.compare_all("kernel", x.out, x.state_out) == 0, c.name + ": kernel vs reference");

    // One thread: the same bits.
    const Tensor out_n = x.out, state_n = x.state_out;
    x.out.poison(), x.state_out.poison();
    expect(linear_test::run_recurrence(ctx1, p) == PMX_STATUS_SUCCESS, c.name + ": 1-thread run failed");
    expect(linear_test::identical(out_n, x.out) && linear_test::identical(state_n, x.state_out),
           c.name + ": 1 thread and N threads differ");
    if (c.steps) run_steps(ctx, x);
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 3)) return 1;
    std::mt19937_64 rng(20260413);

    expect(linear_test::compare_self_check() == 0, "the comparison cannot fail");
    hand_checks(ctx);

    struct Engine {
        int32_t rule;
        bool per_key;
    };
    const Engine engines[] = {{PMX_RULE_LINEAR, false}, {PMX_RULE_GATED, false}, {PMX_RULE_GATED, true},
                              {PMX_RULE_DELTA, false}, {PMX_RULE_GATED_DELTA, false}};
    auto named = [](const Engine &e, const std::string &what) {
        return std::string(rule_name(e.rule)) + (e.per_key ? " per key" : "") + ", " + what;
    };
    std::vector<Case> cases;
    for (const Engine &e : engines) {
        // N 150 over chunks of 64 (a partial last one), 16 and 1; the
        // state in on one, GQA 6 / 2 except one H = Hkv.
        for (int64_t chunk : {64, 16, 1}) {
            Case c{named(e, "chunk " + std::to_string(chunk))};
            c.rule = e.rule, c.per_key = e.per_key, c.chunk = chunk;
            c.state_in = chunk != 16;
            if (chunk == 16) c.H = c.Hkv = 3;
            c.steps = chunk == 64;
            cases.push_back(c);
        }
        {
            Case c{named(e, "Dk = Dv = 64, N 200, B 1")};
            c.rule = e.rule, c.per_key = e.per_key, c.Dk = c.Dv = 64, c.N = 200, c.B = 1, c.H = 4;
            cases.push_back(c);
        }
        for (Layout l : {Layout::HeadMajor, Layout::DimOuter}) {
            Case c{named(e, std::string(linear_test::layout_name(l)) + " views, chunk 16, N 45")};
            c.rule = e.rule, c.per_key = e.per_key, c.layout = l, c.chunk = 16, c.N = 45, c.steps = true;
            cases.push_back(c);
        }
        {
            Case c{named(e, "N 0 (the state passes through)")};
            c.rule = e.rule, c.per_key = e.per_key, c.N = 0;
            cases.push_back(c);
            Case one{named(e, "N 1")};
            one.rule = e.rule, one.per_key = e.per_key, one.N = 1, one.steps = true;
            cases.push_back(one);
        }
        if (gated(e.rule)) {
            // Chunk 256 (the largest): a run of 0.05 sums to 256·ln 0.05 ≈ −767
            // inside one chunk.
            for (int64_t chunk : {256, 64, 16}) {
                Case z{named(e, "decays exactly 0 and 1, chunk " + std::to_string(chunk))};
                z.rule = e.rule, z.per_key = e.per_key, z.decays = Decays::ZerosOnes, z.chunk = chunk;
                z.steps = chunk == 64;
                cases.push_back(z);
                Case s{named(e, "100 decays of 0.05, chunk " + std::to_string(chunk))};
                s.rule = e.rule, s.per_key = e.per_key, s.decays = Decays::SmallRun, s.chunk = chunk;
                s.steps = chunk == 64;
                cases.push_back(s);
            }
        }
    }
    for (const Case &c : cases) run_case(ctx, ctx1, c, rng);

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%s (%d failures)\n", pmx_test::failures == 0 ? "PASS" : "FAIL", pmx_test::failures);
    return pmx_test::failures == 0 ? 0 : 1;
}
