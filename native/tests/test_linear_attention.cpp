// pmx_linear_attention, pmx_linear_attention_step, pmx_favor_random_matrix
// and pmx_linear_attention_reference, through the public C API, on the ISA
// path this process runs (CTest runs it once per PMX_ISA value).
//
// First the float64 reference against hand-computed values (N = 2, Dk = Dv
// = 1, every feature map, causal or not, normalize on/off, GQA, states in
// and out; FAVOR with an explicit matrix). Then the fp32 kernel against that
// reference run on F64 copies of the same inputs: every feature map x causal
// x normalize; eps > 0; GQA (H 6 / Hkv 2) and H = Hkv; B = 2; Dk, Dv, m not
// multiples of 8 and Dk = Dv = 64, m = 256; N = 0, 1 and not a multiple of
// the chunk; chunks 1, 7, 64, 256 agreeing with each other; states in and
// out; strided views (head-major padded, innermost stride N); FAVOR with the
// library's matrix and a caller's, and with large-norm inputs; the step
// chained N times (in place) against the chunked result; 1 vs N threads bit
// for bit. Outputs poisoned first, every element checked.
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

const char *map_name(int32_t m) {
    return m == PMX_FEATURE_ELU1 ? "elu1" : m == PMX_FEATURE_RELU ? "relu" : m == PMX_FEATURE_IDENTITY ? "identity" : "favor";
}

// ---- the reference against hand-computed values ------------------------------

// B 1, N 2, H 2, Hkv 1, Dk = Dv = 1, state 0.5 and norm 0.25 in, eps 0.1:
// S and Z written out token by token for each map.
void hand_checks(pmx_context *ctx) {
    const double q[2][2] = {{0.5, -0.25}, {-1.0, 1.5}};  // [t][h]
    const double k[2] = {2.0, -0.5}, v[2] = {3.0, -2.0};
    const double s0 = 0.5, z0 = 0.25, eps = 0.1;
    for (int32_t map : {PMX_FEATURE_ELU1, PMX_FEATURE_RELU, PMX_FEATURE_IDENTITY})
        for (int causal = 0; causal < 2; ++causal)
            for (int normalize = 0; normalize < 2; ++normalize) {
                auto phi = [&](double x) {
                    if (map == PMX_FEATURE_ELU1) return x > 0 ? x + 1 : std::exp(x);
                    if (map == PMX_FEATURE_RELU) return x > 0 ? x : 0.0;
                    return x;
                };
                // Sums after token 0, after token 1.
                const double sa = s0 + phi(k[0]) * v[0], za = z0 + phi(k[0]);
                const double sb = sa + phi(k[1]) * v[1], zb = za + phi(k[1]);
                double want[2][2];
                for (int t = 0; t < 2; ++t)
                    for (int h = 0; h < 2; ++h) {
                        const double s = causal && t == 0 ? sa : sb, z = causal && t == 0 ? za : zb;
                        const double p = phi(q[t][h]);
                        want[t][h] = normalize ? p * s / (p * z + eps) : p * s;
                    }
                Tensor tq = Tensor::dense({1, 2, 2, 1}), tk = Tensor::dense({1, 2, 1, 1}), tv = Tensor::dense({1, 2, 1, 1});
                Tensor si = Tensor::dense({1, 1, 1, 1}), ni = Tensor::dense({1, 1, 1});
                Tensor out = Tensor::dense({1, 2, 2, 1}), so = Tensor::dense({1, 1, 1, 1}), no = Tensor::dense({1, 1, 1});
                for (int t = 0; t < 2; ++t) {
                    tq.d[size_t(t * 2)] = q[t][0], tq.d[size_t(t * 2 + 1)] = q[t][1];
                    tk.d[size_t(t)] = k[t], tv.d[size_t(t)] = v[t];
                }
                si.d[0] = s0, ni.d[0] = z0;
                pmx_linear_attention_params p{};
                p.struct_size = sizeof p;
                p.q = tq.f64(), p.k = tk.f64(), p.v = tv.f64(), p.state_in = si.f64(), p.norm_in = ni.f64();
                p.feature_map = map, p.causal = causal, p.normalize = normalize, p.eps = eps;
                p.out = out.f64(), p.state_out = so.f64(), p.norm_out = no.f64();
                const std::string name = std::string("hand ") + map_name(map) + (causal ? " causal" : " full") +
                                         (normalize ? " normalized" : "");
                const pmx_status st = pmx_linear_attention_reference(ctx, &p);
                expect(st == PMX_STATUS_SUCCESS, name + ": reference failed: " + pmx_test::last_error(ctx));
                bool ok = st == PMX_STATUS_SUCCESS;
                for (int t = 0; t < 2 && ok; ++t)
                    for (int h = 0; h < 2; ++h) ok = ok && linear_test::near(out.d[size_t(t * 2 + h)], want[t][h]);
                ok = ok && linear_test::near(so.d[0], sb) && linear_test::near(no.d[0], zb);
                expect(ok, name + ": reference differs from the hand-computed values");
            }

    // FAVOR: Dk 4 (x' = x / √2), m 2, W rows 2·e0 and −e1, non-causal,
    // normalized, no states. k0' = e0: φ(k0) = (e^(2 − 1/2), e^(−1/2)) / √2;
    // k1' = e1: φ(k1) = (e^(−1/2), e^(−1 − 1/2)) / √2; q0' = (e0 + e1) / 2:
    // φ(q0) = (e^(1 − 1/4), e^(−1/2 − 1/4)) / √2; q1' = e2: φ(q1) =
    // (e^(−1/2), e^(−1/2)) / √2.
    {
        const double r2 = std::sqrt(2.0);
        Tensor tq = Tensor::dense({1, 2, 1, 4}), tk = Tensor::dense({1, 2, 1, 4}), tv = Tensor::dense({1, 2, 1, 1});
        Tensor w = Tensor::dense({2, 4}), out = Tensor::dense({1, 2, 1, 1}), so = Tensor::dense({1, 1, 2, 1}),
               no = Tensor::dense({1, 1, 2});
        tq.d = {r2 / 2, r2 / 2, 0, 0, 0, 0, r2, 0};
        tk.d = {r2, 0, 0, 0, 0, r2, 0, 0};
        tv.d = {3.0, -1.0};
        w.d = {2, 0, 0, 0, 0, -1, 0, 0};
        const double pk0[2] = {std::exp(1.5) / r2, std::exp(-0.5) / r2};
        const double pk1[2] = {std::exp(-0.5) / r2, std::exp(-1.5) / r2};
        const double pq[2][2] = {{std::exp(0.75) / r2, std::exp(-0.75) / r2}, {std::exp(-0.5) / r2, std::exp(-0.5) / r2}};
        double s[2], z[2], num[2] = {0, 0}, den[2] = {0, 0};
        for (int r = 0; r < 2; ++r) {
            s[r] = 3.0 * pk0[r] - 1.0 * pk1[r], z[r] = pk0[r] + pk1[r];
            for (int t = 0; t < 2; ++t) num[t] += pq[t][r] * s[r], den[t] += pq[t][r] * z[r];
        }
        pmx_linear_attention_params p{};
        p.struct_size = sizeof p;
        p.q = tq.f64(), p.k = tk.f64(), p.v = tv.f64(), p.random_matrix = w.f64();
        p.feature_map = PMX_FEATURE_FAVOR, p.causal = 0, p.normalize = 1, p.eps = 0;
        p.out = out.f64(), p.state_out = so.f64(), p.norm_out = no.f64();
        const pmx_status st = pmx_linear_attention_reference(ctx, &p);
        expect(st == PMX_STATUS_SUCCESS, "hand favor: reference failed: " + pmx_test::last_error(ctx));
        expect(st == PMX_STATUS_SUCCESS && linear_test::near(out.d[0], num[0] / den[0]) &&
                   linear_test::near(out.d[1], num[1] / den[1]) && linear_test::near(so.d[0], s[0]) &&
                   linear_test::near(so.d[1], s[1]) && linear_test::near(no.d[0], z[0]) && linear_test::near(no.d[1], z[1]),
               "hand favor: reference differs from the hand-computed values");
    }
}

// ---- the kernels against the reference --------------------------------------

enum class Matrix { Library, Caller };

struct Case {
    std::string name;
    int64_t B = 2, N = 150, H = 6, Hkv = 2, Dk = 13, Dv = 37, m = 19;
    int32_t map = PMX_FEATURE_ELU1;
    bool causal = true, normalize = true;
    double eps = 0;
    int64_t chunk = 0;
    bool state_in = true, norm_in = true, state_out = true, norm_out = true;
    Layout layout = Layout::Dense;
    Matrix matrix = Matrix::Library;
    double q_lo = -1, q_hi = 1, k_lo = -1, k_hi = 1;
    double q_norm = 0, k_norm = 0;  // > 0: every q (k) row rescaled to this L2 norm
    // fp32 against float64, relative to the output's largest magnitude: sums
    // of N·F products in fp32 round at ~6e-8 per operation and the kernels
    // add in blocks (chunk, SIMD lanes), so the error stays near 1e-6 of the
    // scale; 1e-5 leaves a margin while a wrong token, head or feature
    // (errors of the order of the values) fails by orders of magnitude.
    double tol = 1e-5;
    bool sweep = false, steps = false;  // chunks 1/7/64/256 agree; the step chained
    int64_t features() const { return map == PMX_FEATURE_FAVOR ? m : Dk; }
};

// Rescales every row (the last dimension) of a [B, N, heads, dim] tensor to L2 norm `norm`.
void set_row_norms(Tensor &x, double norm) {
    for (int64_t b = 0; b < x.shape[0]; ++b)
        for (int64_t t = 0; t < x.shape[1]; ++t)
            for (int64_t h = 0; h < x.shape[2]; ++h) {
                double sq = 0;
                for (int64_t i = 0; i < x.shape[3]; ++i) sq += double(x.f[size_t(x.at({b, t, h, i}))]) * x.f[size_t(x.at({b, t, h, i}))];
                const double s = norm / std::sqrt(sq);
                for (int64_t i = 0; i < x.shape[3]; ++i) x.f[size_t(x.at({b, t, h, i}))] *= float(s);
            }
    x.sync();
}

struct Data {
    const Case &c;
    Tensor q, k, v, w, state_in, norm_in;
    Tensor out, state_out, norm_out;        // the kernel's
    Tensor rout, rstate_out, rnorm_out;     // the reference's (float64 mirrors)

    Tensor state_tensor() const {
        const int64_t F = c.features();
        if (c.layout == Layout::Dense) return Tensor::dense({c.B, c.Hkv, F, c.Dv});
        return Tensor({c.B, c.Hkv, F, c.Dv}, {c.Hkv * F * (c.Dv + 2), F * (c.Dv + 2), c.Dv + 2, 1});
    }
    Tensor norm_tensor() const {
        const int64_t F = c.features();
        if (c.layout == Layout::Dense) return Tensor::dense({c.B, c.Hkv, F});
        return Tensor({c.B, c.Hkv, F}, {c.Hkv * (F + 1), F + 1, 1});
    }

    Data(const Case &c_, pmx_context *ctx, std::mt19937_64 &rng) : c(c_) {
        q = Tensor::tokens(c.layout, c.B, c.N, c.H, c.Dk);
        k = Tensor::tokens(c.layout, c.B, c.N, c.Hkv, c.Dk);
        v = Tensor::tokens(c.layout, c.B, c.N, c.Hkv, c.Dv);
        out = Tensor::tokens(c.layout, c.B, c.N, c.H, c.Dv);
        rout = out;
        q.fill(rng, c.q_lo, c.q_hi);
        k.fill(rng, c.k_lo, c.k_hi);
        v.fill(rng, -1, 1);
        if (c.q_norm > 0) set_row_norms(q, c.q_norm);
        if (c.k_norm > 0) set_row_norms(k, c.k_norm);
        state_in = state_tensor(), state_out = state_tensor(), rstate_out = state_tensor();
        norm_in = norm_tensor(), norm_out = norm_tensor(), rnorm_out = norm_tensor();
        state_in.fill(rng, -1, 1);
        // Z > 0 keeps the normalised denominators away from 0 (φ >= 0 here).
        norm_in.fill(rng, 0.5, 1.5);
        if (c.map == PMX_FEATURE_FAVOR) {
            if (c.layout == Layout::Dense) w = Tensor::dense({c.m, c.Dk});
            else w = Tensor({c.m, c.Dk}, {1, c.m + 1});  // column-major, padded
            if (c.matrix == Matrix::Library) {
                w.fill_value(0);
                pmx_favor_params fp{};
                fp.struct_size = sizeof fp;
                fp.seed = rng();
                fp.random_matrix = w.f32();
                expect(pmx_favor_random_matrix(ctx, &fp) == PMX_STATUS_SUCCESS, c.name + ": favor matrix failed");
                w.sync();
            } else {
                // A caller's matrix: plain Gaussians, not orthogonal.
                std::normal_distribution<double> gauss(0.0, 1.0);
                w.fill_value(0);
                w.each([&](int64_t o) { w.f[size_t(o)] = float(gauss(rng)); });
                w.sync();
            }
        }
        poison_outputs();
        rout.poison(), rstate_out.poison(), rnorm_out.poison();
    }

    void poison_outputs() { out.poison(), state_out.poison(), norm_out.poison(); }

    pmx_linear_attention_params params(bool f64) {
        auto t = [&](Tensor &x) { return f64 ? x.f64() : x.f32(); };
        pmx_linear_attention_params p{};
        p.struct_size = sizeof p;
        p.q = t(q), p.k = t(k), p.v = t(v);
        if (c.map == PMX_FEATURE_FAVOR) p.random_matrix = t(w);
        if (c.state_in) p.state_in = t(state_in);
        if (c.norm_in) p.norm_in = t(norm_in);
        p.feature_map = c.map, p.causal = c.causal, p.normalize = c.normalize, p.eps = c.eps, p.chunk = c.chunk;
        p.out = f64 ? rout.f64() : out.f32();
        if (c.state_out) p.state_out = f64 ? rstate_out.f64() : state_out.f32();
        if (c.norm_out) p.norm_out = f64 ? rnorm_out.f64() : norm_out.f32();
        return p;
    }

    int compare_all(const std::string &what, const Tensor &o, const Tensor &s, const Tensor &n, double tol) const {
        int bad = linear_test::compare(what + " out", o, rout, tol);
        // With N = 0 the states pass through: exactly.
        const double stol = c.N == 0 ? 0.0 : tol;
        if (c.state_out) bad += linear_test::compare(what + " state_out", s, rstate_out, stol);
        if (c.norm_out) bad += linear_test::compare(what + " norm_out", n, rnorm_out, stol);
        return bad;
    }
};

// The step chained over the N tokens, the state updated in place (the first
// step without state_in when the case has none: the states start at 0).
// Unnormalised cases run it without any norm tensor (only normalize needs
// one).
void run_steps(pmx_context *ctx, Data &x) {
    const Case &c = x.c;
    Tensor out = x.out, s = x.state_tensor(), z = x.norm_tensor();
    out.poison(), s.poison(), z.poison();
    if (c.state_in) {
        x.state_in.each([&](int64_t o) { s.f[size_t(o)] = x.state_in.f[size_t(o)]; });
        x.norm_in.each([&](int64_t o) { z.f[size_t(o)] = x.norm_in.f[size_t(o)]; });
    }
    for (int64_t t = 0; t < c.N; ++t) {
        pmx_linear_attention_params p{};
        p.struct_size = sizeof p;
        p.q = x.q.f32_token(t), p.k = x.k.f32_token(t), p.v = x.v.f32_token(t);
        if (c.map == PMX_FEATURE_FAVOR) p.random_matrix = x.w.f32();
        if (c.state_in || t > 0) {
            p.state_in = s.f32();
            if (c.normalize) p.norm_in = z.f32();
        }
        p.feature_map = c.map, p.causal = 1, p.normalize = c.normalize, p.eps = c.eps;
        p.out = out.f32_token(t);
        p.state_out = s.f32();  // in place
        if (c.normalize) p.norm_out = z.f32();
        const pmx_status st = pmx_linear_attention_step(ctx, &p);
        if (st != PMX_STATUS_SUCCESS) {
            expect(false, c.name + ": step " + std::to_string(t) + " failed: " + pmx_test::last_error(ctx));
            return;
        }
    }
    int bad = linear_test::compare("steps out", out, x.rout, c.tol);
    bad += linear_test::compare("steps state", s, x.rstate_out, c.tol);
    if (c.normalize) bad += linear_test::compare("steps norm", z, x.rnorm_out, c.tol);
    // And the chunked kernel's result (each within tol of the reference).
    bad += linear_test::agree("steps vs chunked out", x.out, out, 2 * c.tol);
    expect(bad == 0, c.name + ": the step chain");
}

void run_case(pmx_context *ctx, pmx_context *ctx1, const Case &c, std::mt19937_64 &rng) {
    std::printf("case %s\n", c.name.c_str());
    Data x(c, ctx, rng);
    pmx_linear_attention_params pr = x.params(true);
    pmx_status st = pmx_linear_attention_reference(ctx, &pr);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": reference failed: " + pmx_test::last_error(ctx));
    if (st != PMX_STATUS_SUCCESS) return;

    const pmx_linear_attention_params p = x.params(false);
    st = linear_test::run_attention(ctx, p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": kernel failed: " + pmx_test::last_error(ctx));
    if (st != PMX_STATUS_SUCCESS) return;
    expect(x.compare_all("kernel", x.out, x.state_out, x.norm_out, c.tol) == 0, c.name + ": kernel vs reference");

    // One thread: the same bits.
    const Tensor out_n = x.out, state_n = x.state_out, norm_n = x.norm_out;
    x.poison_outputs();
    expect(linear_test::run_attention(ctx1, p) == PMX_STATUS_SUCCESS, c.name + ": 1-thread run failed");
    expect(linear_test::identical(out_n, x.out) && linear_test::identical(state_n, x.state_out) &&
               linear_test::identical(norm_n, x.norm_out),
           c.name + ": 1 thread and N threads differ");

    if (c.sweep) {
        // Chunks change results by rounding only (contract: within 1e-5 relative).
        for (int64_t chunk : {1, 7, 256}) {
            x.poison_outputs();
            pmx_linear_attention_params pc = x.params(false);
            pc.chunk = chunk;
            if (linear_test::run_attention(ctx, pc) != PMX_STATUS_SUCCESS) {
                expect(false, c.name + ": chunk " + std::to_string(chunk) + " failed: " + pmx_test::last_error(ctx));
                continue;
            }
            const std::string tag = "chunk " + std::to_string(chunk) + " vs " + std::to_string(c.chunk ? c.chunk : 64);
            int bad = linear_test::agree(tag + " out", out_n, x.out, 1e-5);
            if (c.state_out) bad += linear_test::agree(tag + " state", state_n, x.state_out, 1e-5);
            if (c.norm_out) bad += linear_test::agree(tag + " norm", norm_n, x.norm_out, 1e-5);
            bad += x.compare_all("chunk " + std::to_string(chunk), x.out, x.state_out, x.norm_out, c.tol);
            expect(bad == 0, c.name + ": chunk " + std::to_string(chunk));
        }
        x.out = out_n, x.state_out = state_n, x.norm_out = norm_n;
    }
    if (c.steps) {
        x.out = out_n;
        run_steps(ctx, x);
    }
}

// pmx_favor_random_matrix: deterministic per seed, F32 = F64 rounded, the
// rows of each block of Dk orthogonal (the last block partial), finite.
void favor_matrix_checks(pmx_context *ctx) {
    const int64_t m = 19, dk = 13;
    Tensor a = Tensor::dense({m, dk}), b = Tensor::dense({m, dk}), c = Tensor::dense({m, dk});
    Tensor d = Tensor({m, dk}, {1, m + 2});  // column-major, padded
    a.poison(), b.poison(), c.poison(), d.poison();
    auto draw = [&](uint64_t seed, pmx_tensor t) {
        pmx_favor_params p{};
        p.struct_size = sizeof p;
        p.seed = seed;
        p.random_matrix = t;
        return pmx_favor_random_matrix(ctx, &p);
    };
    expect(draw(7, a.f32()) == PMX_STATUS_SUCCESS && draw(7, b.f32()) == PMX_STATUS_SUCCESS &&
               draw(8, c.f32()) == PMX_STATUS_SUCCESS && draw(7, d.f64()) == PMX_STATUS_SUCCESS,
           "favor matrix: a draw failed: " + pmx_test::last_error(ctx));
    bool finite = true, same = true, differs = false, f64_ok = true;
    for (int64_t r = 0; r < m; ++r)
        for (int64_t i = 0; i < dk; ++i) {
            const float x = a.f[size_t(r * dk + i)];
            finite = finite && std::isfinite(x);
            same = same && std::memcmp(&x, &b.f[size_t(r * dk + i)], 4) == 0;
            differs = differs || x != c.f[size_t(r * dk + i)];
            f64_ok = f64_ok && float(d.d[size_t(d.at({r, i}))]) == x;
        }
    expect(finite, "favor matrix: non-finite elements");
    expect(same, "favor matrix: the same seed gave different matrices");
    expect(differs, "favor matrix: two seeds gave the same matrix");
    expect(f64_ok, "favor matrix: F32 is not the F64 matrix rounded");
    double worst = 0;
    for (int64_t r = 0; r < m; ++r)
        for (int64_t s = r + 1; s < m && s / dk == r / dk; ++s) {
            double dot = 0, nr = 0, ns = 0;
            for (int64_t i = 0; i < dk; ++i) {
                const double x = d.d[size_t(d.at({r, i}))], y = d.d[size_t(d.at({s, i}))];
                dot += x * y, nr += x * x, ns += y * y;
            }
            worst = std::max(worst, std::fabs(dot) / std::sqrt(nr * ns));
        }
    std::printf("favor matrix: worst |cos| within a block %.2e\n", worst);
    expect(worst < 1e-12, "favor matrix: rows of a block not orthogonal");
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 3)) return 1;
    std::mt19937_64 rng(20260412);

    expect(linear_test::compare_self_check() == 0, "the comparison cannot fail");
    hand_checks(ctx);
    favor_matrix_checks(ctx);

    std::vector<Case> cases;
    // Every feature map x causal x normalize: N 150 over chunks of 64 (a
    // partial last one), GQA 6 / 2, Dk 13, Dv 37, m 19. Inputs keep the
    // normalised denominators well away from 0: IDENTITY with positive q, k
    // (φ(q)ᵀZ of random signs could cancel to ~0 and the quotient would be
    // ill-conditioned); RELU mostly positive, with eps > 0 for the rows whose
    // φ(q) is all 0.
    for (int32_t map : {PMX_FEATURE_ELU1, PMX_FEATURE_RELU, PMX_FEATURE_IDENTITY, PMX_FEATURE_FAVOR})
        for (int causal = 1; causal >= 0; --causal)
            for (int normalize = 1; normalize >= 0; --normalize) {
                Case c;
                c.name = std::string(map_name(map)) + (causal ? " causal" : " full") + (normalize ? " normalized" : " raw");
                c.map = map, c.causal = causal, c.normalize = normalize;
                if (map == PMX_FEATURE_IDENTITY && normalize) c.q_lo = c.k_lo = 0.05;
                if (map == PMX_FEATURE_RELU) c.q_lo = c.k_lo = -0.3, c.eps = 1e-3;
                if (map == PMX_FEATURE_ELU1 && causal) c.eps = 0.5;
                c.state_in = c.norm_in = (map + causal) % 2 == 0;
                c.sweep = c.steps = causal;
                cases.push_back(c);
            }
    {
        Case c{"H = Hkv = 3, elu1 causal, no states out"};
        c.H = c.Hkv = 3, c.state_out = c.norm_out = false, c.sweep = true;
        cases.push_back(c);
    }
    {
        Case c{"B 1, Dk = Dv = 64, elu1 causal, chunk 256 (> N)"};
        c.B = 1, c.Dk = c.Dv = 64, c.N = 100, c.chunk = 256, c.steps = true;
        cases.push_back(c);
    }
    {
        Case c{"Dk = Dv = 64, relu full"};
        c.Dk = c.Dv = 64, c.N = 100, c.map = PMX_FEATURE_RELU, c.causal = false, c.eps = 1e-3, c.q_lo = c.k_lo = -0.3;
        cases.push_back(c);
    }
    for (int causal = 1; causal >= 0; --causal) {
        Case c{std::string("favor m 256, Dk = Dv = 64, ") + (causal ? "causal" : "full")};
        c.map = PMX_FEATURE_FAVOR, c.m = 256, c.Dk = c.Dv = 64, c.N = 70, c.causal = causal, c.sweep = causal;
        cases.push_back(c);
    }
    for (int causal = 1; causal >= 0; --causal)
        for (int32_t map : {PMX_FEATURE_ELU1, PMX_FEATURE_FAVOR}) {
            Case c{std::string("N 0 (states pass through), ") + map_name(map) + (causal ? " causal" : " full")};
            c.N = 0, c.map = map, c.causal = causal;
            cases.push_back(c);
            Case one{std::string("N 1, ") + map_name(map) + (causal ? " causal" : " full")};
            one.N = 1, one.map = map, one.causal = causal, one.steps = causal;
            cases.push_back(one);
        }
    for (Layout l : {Layout::HeadMajor, Layout::DimOuter}) {
        Case a{std::string(linear_test::layout_name(l)) + " views, favor causal, chunk 16"};
        a.layout = l, a.map = PMX_FEATURE_FAVOR, a.N = 45, a.chunk = 16, a.steps = true;
        cases.push_back(a);
        Case b{std::string(linear_test::layout_name(l)) + " views, elu1 full raw"};
        b.layout = l, b.causal = false, b.normalize = false, b.N = 45;
        cases.push_back(b);
    }
    for (int normalize = 1; normalize >= 0; --normalize) {
        Case c{std::string("favor, a caller's matrix, causal ") + (normalize ? "normalized" : "raw")};
        c.map = PMX_FEATURE_FAVOR, c.matrix = Matrix::Caller, c.normalize = normalize, c.m = 40, c.eps = 0.01 * normalize;
        c.sweep = true;
        cases.push_back(c);
    }
    // FAVOR with |x| = 30 (Dk 16: x' = 30 / 16^(1/4) = 15, |x'|²/2 = 112):
    // the features e^(W·x' − 112) lie between about e^-170 and e^-60, so
    // φ(q)ᵀφ(k) (~e^-120) is below fp32's range and only the stabiliser
    // keeps the normalised quotient. The exp arguments are ~100 in magnitude
    // and carry an fp32 rounding of ~100 · 2^-24 ≈ 1e-5 (relative, per
    // feature), hence 1e-4. Normalized: q and k both large. Raw: one of the
    // two large (the true output, ~e^-60, must fit fp32; with both large it
    // is ~e^-125, below it), the states ~e^-60 when the keys are large.
    for (int causal = 1; causal >= 0; --causal) {
        Case c{std::string("favor |q| = |k| = 30, normalized, ") + (causal ? "causal" : "full")};
        c.map = PMX_FEATURE_FAVOR, c.Dk = 16, c.m = 24, c.causal = causal, c.q_norm = c.k_norm = 30, c.tol = 1e-4;
        // No step chain here: the states hold the true sums in fp32, and the
        // keys' features (e^-170 .. e^-60) fall partly below its range, while
        // a query's largest features may meet exactly those: a chain through
        // fp32 states cannot reproduce this case (the single call keeps the
        // sums stabilised inside). The chain runs at |x| = 15 below.
        c.state_in = c.norm_in = false, c.sweep = causal;
        cases.push_back(c);
    }
    {
        Case c{"favor |q| = |k| = 15, normalized, causal (the step chain)"};
        c.map = PMX_FEATURE_FAVOR, c.Dk = 16, c.m = 24, c.q_norm = c.k_norm = 15, c.tol = 1e-4;
        c.state_in = c.norm_in = false, c.steps = true;
        cases.push_back(c);
    }
    for (int large_q = 1; large_q >= 0; --large_q) {
        Case c{std::string("favor |") + (large_q ? "q" : "k") + "| = 30, raw, causal"};
        c.map = PMX_FEATURE_FAVOR, c.Dk = 16, c.m = 24, c.normalize = false, c.tol = 1e-4;
        (large_q ? c.q_norm : c.k_norm) = 30;
        c.state_in = c.norm_in = false, c.sweep = c.steps = true;
        cases.push_back(c);
    }
    for (const Case &c : cases) run_case(ctx, ctx1, c, rng);

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%s (%d failures)\n", pmx_test::failures == 0 ? "PASS" : "FAIL", pmx_test::failures);
    return pmx_test::failures == 0 ? 0 : 1;
}
