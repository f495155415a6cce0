// pmx_ssd, pmx_ssd_step and pmx_ssd_reference (Mamba-2 SSD) against a
// float64 sequential recurrence written out here again (never the
// library's), through the public C API, on the ISA path this process runs
// (CTest runs it once per PMX_ISA value). Random inputs with dt in Mamba-2's
// range (decays between about 0.3 and 0.99 per token); every option; P and
// N below, at and above the padding of 16; chunks of 1, 8, L - 1, L and
// more than L, and L not a multiple of the chunk; G = 1, G = H and groups in
// between; head-major strided views (Mamba's [B, H, P, L] memory); varlen
// with empty and length-1 sequences; a long sequence; outputs poisoned first
// and every element checked; 1 vs N threads bit for bit; the step form
// token by token with the state in place.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "panamax/panamax.h"
#include "ssm_compare.h"
#include "test_support.h"

namespace {

using pmx_test::compare;
using pmx_test::expect;
using pmx_test::poison;
using pmx_test::view;

struct Case {
    std::string name;
    int64_t batch = 2, seq = 37, heads = 4, hdim = 6, nstate = 9, groups = 2;
    bool has_d = true, has_bias = true, softplus = true, state_in = true, state_out = true;
    int64_t chunk = 8;
    bool head_major = false;        // x, out as [B, H, P, L] memory; dt [B, H, L]; B, C [B, G, N, L]
    std::vector<int32_t> lengths;   // non-empty: packed varlen with these sequence lengths
};

struct Data {
    const Case &c;
    int64_t rows = 0;  // L, or the packed tokens (varlen)
    std::vector<int32_t> cu;
    std::vector<float> x, dt, a, bm, cm, d, bias, state_in, state_out;
    pmx_test::FloatBuffer out;  // aligned: the streamed stores need whole lines
    int64_t xs[4] = {}, ds[3] = {}, bs[4] = {};

    Data(const Case &c_, std::mt19937_64 &rng) : c(c_) {
        const bool varlen = !c.lengths.empty();
        if (varlen) {
            cu.push_back(0);
            for (int32_t len : c.lengths) cu.push_back(cu.back() + len);
        }
        const int64_t B = varlen ? 1 : c.batch, L = varlen ? cu.back() : c.seq;
        const int64_t H = c.heads, P = c.hdim, G = c.groups, N = c.nstate;
        rows = L;
        if (c.head_major) {
            xs[0] = H * P * L, xs[1] = 1, xs[2] = P * L, xs[3] = L;
            ds[0] = H * L, ds[1] = 1, ds[2] = L;
            bs[0] = G * N * L, bs[1] = 1, bs[2] = N * L, bs[3] = L;
        } else {
            xs[0] = L * H * P, xs[1] = H * P, xs[2] = P, xs[3] = 1;
            ds[0] = L * H, ds[1] = H, ds[2] = 1;
            bs[0] = L * G * N, bs[1] = G * N, bs[2] = N, bs[3] = 1;
        }
        x = pmx_test::random_floats(size_t(B * L * H * P), rng, -1.f, 1.f);
        // dt before softplus near Mamba-2's init (softplus gives 0.02 .. 0.3);
        // without softplus dt itself in that range.
        dt = c.softplus ? pmx_test::random_floats(size_t(B * L * H), rng, -4.f, -1.f)
                        : pmx_test::random_floats(size_t(B * L * H), rng, 0.01f, 0.3f);
        a = pmx_test::random_floats(size_t(H), rng, -4.f, -0.5f);
        bm = pmx_test::random_floats(size_t(B * L * G * N), rng, -1.f, 1.f);
        cm = pmx_test::random_floats(size_t(B * L * G * N), rng, -1.f, 1.f);
        d = pmx_test::random_floats(size_t(H), rng, -1.f, 1.f);
        bias = pmx_test::random_floats(size_t(H), rng, -0.5f, 0.5f);
        state_in = pmx_test::random_floats(size_t(c.batch * H * P * N), rng, -1.f, 1.f);
        out.assign(x.size(), poison());
        state_out.assign(state_in.size(), poison());
    }

    bool varlen() const { return !c.lengths.empty(); }
    int64_t row0(int64_t b) const { return varlen() ? cu[size_t(b)] : 0; }
    int64_t len(int64_t b) const { return varlen() ? cu[size_t(b + 1)] - cu[size_t(b)] : c.seq; }
    int64_t bb(int64_t b) const { return varlen() ? 0 : b; }
    int64_t xi(int64_t b, int64_t t, int64_t h, int64_t i) const {
        return bb(b) * xs[0] + t * xs[1] + h * xs[2] + i * xs[3];
    }
    int64_t di(int64_t b, int64_t t, int64_t h) const { return bb(b) * ds[0] + t * ds[1] + h * ds[2]; }
    int64_t bi(int64_t b, int64_t t, int64_t g, int64_t n) const {
        return bb(b) * bs[0] + t * bs[1] + g * bs[2] + n * bs[3];
    }
    int64_t si(int64_t b, int64_t h, int64_t i, int64_t n) const {
        return ((b * c.heads + h) * c.hdim + i) * c.nstate + n;
    }

    template <class Floats>
    static int64_t bytes(const Floats &v) { return int64_t(std::max<size_t>(v.size(), 1) * 4); }
    template <class Floats>
    pmx_tensor four(Floats &v, const int64_t *s, int64_t d2, int64_t d3) const {
        if (varlen()) return view(v.data(), PMX_DTYPE_F32, {rows, d2, d3}, {s[1], s[2], s[3]}, bytes(v));
        return view(v.data(), PMX_DTYPE_F32, {c.batch, c.seq, d2, d3}, {s[0], s[1], s[2], s[3]}, bytes(v));
    }
    pmx_tensor dt_tensor() {
        if (varlen()) return view(dt.data(), PMX_DTYPE_F32, {rows, c.heads}, {ds[1], ds[2]}, bytes(dt));
        return view(dt.data(), PMX_DTYPE_F32, {c.batch, c.seq, c.heads}, {ds[0], ds[1], ds[2]}, bytes(dt));
    }
    pmx_tensor state(std::vector<float> &v) const {
        return pmx_test::dense(v.data(), PMX_DTYPE_F32, {c.batch, c.heads, c.hdim, c.nstate}, 4);
    }

    pmx_ssd_params params() {
        pmx_ssd_params p{};
        p.struct_size = sizeof p;
        p.x = four(x, xs, c.heads, c.hdim);
        p.dt = dt_tensor();
        p.A = pmx_test::dense(a.data(), PMX_DTYPE_F32, {c.heads}, 4);
        p.B = four(bm, bs, c.groups, c.nstate);
        p.C = four(cm, bs, c.groups, c.nstate);
        if (c.has_d) p.D = pmx_test::dense(d.data(), PMX_DTYPE_F32, {c.heads}, 4);
        if (c.has_bias) p.dt_bias = pmx_test::dense(bias.data(), PMX_DTYPE_F32, {c.heads}, 4);
        p.dt_softplus = c.softplus ? 1 : 0;
        if (c.state_in) p.state_in = state(state_in);
        if (varlen()) p.cu_seqlens = pmx_test::dense(cu.data(), PMX_DTYPE_I32, {c.batch + 1}, 4);
        p.chunk = c.chunk;
        p.out = four(out, xs, c.heads, c.hdim);
        if (c.state_out) p.state_out = state(state_out);
        return p;
    }

    // The recurrence in float64, as panamax.h states it.
    void reference(std::vector<double> &y, std::vector<double> &s_final) const {
        y.assign(out.size(), 0.0);
        s_final.assign(state_out.size(), 0.0);
        const int64_t P = c.hdim, N = c.nstate, hpg = c.heads / c.groups;
        for (int64_t b = 0; b < c.batch; ++b)
            for (int64_t h = 0; h < c.heads; ++h) {
                const int64_t g = h / hpg;
                std::vector<double> s(size_t(P * N));
                for (int64_t i = 0; i < P; ++i)
                    for (int64_t n = 0; n < N; ++n)
                        s[size_t(i * N + n)] = c.state_in ? state_in[size_t(si(b, h, i, n))] : 0.0;
                for (int64_t t = row0(b); t < row0(b) + len(b); ++t) {
                    double dtv = double(dt[size_t(di(b, t, h))]) + (c.has_bias ? bias[size_t(h)] : 0.0);
                    if (c.softplus) dtv = std::log1p(std::exp(dtv));
                    const double decay = std::exp(dtv * double(a[size_t(h)]));
                    for (int64_t i = 0; i < P; ++i) {
                        const double xv = x[size_t(xi(b, t, h, i))];
                        double acc = c.has_d ? double(d[size_t(h)]) * xv : 0.0;
                        for (int64_t n = 0; n < N; ++n) {
                            double &sv = s[size_t(i * N + n)];
                            sv = decay * sv + dtv * xv * double(bm[size_t(bi(b, t, g, n))]);
                            acc += sv * double(cm[size_t(bi(b, t, g, n))]);
                        }
                        y[size_t(xi(b, t, h, i))] = acc;
                    }
                }
                for (size_t k = 0; k < s.size(); ++k) s_final[size_t(si(b, h, 0, 0)) + k] = s[k];
            }
    }
};

std::vector<bool> token_mask(const Data &x) {
    std::vector<bool> m(x.out.size(), false);
    for (int64_t b = 0; b < x.c.batch; ++b)
        for (int64_t t = x.row0(b); t < x.row0(b) + x.len(b); ++t)
            for (int64_t h = 0; h < x.c.heads; ++h)
                for (int64_t i = 0; i < x.c.hdim; ++i) m[size_t(x.xi(b, t, h, i))] = true;
    return m;
}

pmx_status run_ssd(pmx_context *ctx, const pmx_ssd_params &p) {
    int64_t bytes = -1;
    pmx_status st = pmx_ssd_workspace_size(ctx, &p, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    pmx_test::Aligned ws{size_t(bytes > 0 ? bytes : 1)};
    return pmx_ssd(ctx, &p, bytes > 0 ? ws.p : nullptr, bytes);
}

void run_case(pmx_context *ctx, pmx_context *ctx1, const Case &c, std::mt19937_64 &rng) {
    std::printf("case %s\n", c.name.c_str());
    Data x(c, rng);
    std::vector<double> y, s_final;
    x.reference(y, s_final);
    const std::vector<bool> tok = token_mask(x);
    const std::vector<bool> all_state(x.state_out.size(), true);

    pmx_ssd_params p = x.params();
    pmx_status st = run_ssd(ctx, p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": ssd failed: " + pmx_test::last_error(ctx));
    if (st != PMX_STATUS_SUCCESS) return;
    expect(compare("out", x.out, y, tok) == 0, c.name + ": out");
    if (c.state_out) expect(compare("state_out", x.state_out, s_final, all_state) == 0, c.name + ": state_out");

    // One thread: the same bits.
    const pmx_test::FloatBuffer out_n = x.out;
    const std::vector<float> state_n = x.state_out;
    std::fill(x.out.begin(), x.out.end(), poison());
    std::fill(x.state_out.begin(), x.state_out.end(), poison());
    expect(run_ssd(ctx1, p) == PMX_STATUS_SUCCESS, c.name + ": 1-thread ssd failed");
    bool same = true;
    for (size_t i = 0; i < out_n.size(); ++i)
        if (tok[i] && std::memcmp(&out_n[i], &x.out[i], 4) != 0) same = false;
    if (c.state_out)
        for (size_t i = 0; i < state_n.size(); ++i)
            if (std::memcmp(&state_n[i], &x.state_out[i], 4) != 0) same = false;
    expect(same, c.name + ": 1 thread and N threads differ");

    // The library's float64 reference against this file's.
    std::fill(x.out.begin(), x.out.end(), poison());
    std::fill(x.state_out.begin(), x.state_out.end(), poison());
    st = pmx_ssd_reference(ctx, &p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": reference failed: " + pmx_test::last_error(ctx));
    if (st == PMX_STATUS_SUCCESS) {
        for (size_t i = 0; i < y.size(); ++i)
            if (tok[i] && std::fabs(double(x.out[i]) - y[i]) > 1e-6 * (std::fabs(y[i]) + 1e-3)) {
                expect(false, c.name + ": library reference out differs at " + std::to_string(i));
                break;
            }
        if (c.state_out)
            for (size_t i = 0; i < s_final.size(); ++i)
                if (std::fabs(double(x.state_out[i]) - s_final[i]) > 1e-6 * (std::fabs(s_final[i]) + 1e-3)) {
                    expect(false, c.name + ": library reference state differs at " + std::to_string(i));
                    break;
                }
    }
}

// The step form, token by token with the state updated in place, against
// the float64 recurrence (outputs of every token and the final state).
void run_steps(pmx_context *ctx, const Case &c, std::mt19937_64 &rng) {
    std::printf("steps %s\n", c.name.c_str());
    Data x(c, rng);
    std::vector<double> y, s_final;
    x.reference(y, s_final);
    std::vector<float> state = x.state_in;
    if (!c.state_in) std::fill(state.begin(), state.end(), 0.f);
    const int64_t B = c.batch, H = c.heads, P = c.hdim, G = c.groups, N = c.nstate;
    std::vector<float> out(x.out.size(), poison());
    for (int64_t t = 0; t < c.seq; ++t) {
        pmx_ssd_params s{};
        s.struct_size = sizeof s;
        auto at = [&](std::vector<float> &v, int64_t off) { return v.data() + off; };
        auto left = [&](std::vector<float> &v, int64_t off) { return int64_t(v.size() * 4) - off * 4; };
        s.x = view(at(x.x, t * x.xs[1]), PMX_DTYPE_F32, {B, H, P}, {x.xs[0], x.xs[2], x.xs[3]}, left(x.x, t * x.xs[1]));
        s.out = view(at(out, t * x.xs[1]), PMX_DTYPE_F32, {B, H, P}, {x.xs[0], x.xs[2], x.xs[3]}, left(out, t * x.xs[1]));
        s.dt = view(at(x.dt, t * x.ds[1]), PMX_DTYPE_F32, {B, H}, {x.ds[0], x.ds[2]}, left(x.dt, t * x.ds[1]));
        s.B = view(at(x.bm, t * x.bs[1]), PMX_DTYPE_F32, {B, G, N}, {x.bs[0], x.bs[2], x.bs[3]}, left(x.bm, t * x.bs[1]));
        s.C = view(at(x.cm, t * x.bs[1]), PMX_DTYPE_F32, {B, G, N}, {x.bs[0], x.bs[2], x.bs[3]}, left(x.cm, t * x.bs[1]));
        s.A = pmx_test::dense(x.a.data(), PMX_DTYPE_F32, {H}, 4);
        if (c.has_d) s.D = pmx_test::dense(x.d.data(), PMX_DTYPE_F32, {H}, 4);
        if (c.has_bias) s.dt_bias = pmx_test::dense(x.bias.data(), PMX_DTYPE_F32, {H}, 4);
        s.dt_softplus = c.softplus ? 1 : 0;
        s.state_in = x.state(state);
        s.state_out = s.state_in;  // in place
        const pmx_status st = pmx_ssd_step(ctx, &s);
        if (st != PMX_STATUS_SUCCESS) {
            expect(false, c.name + ": step failed: " + pmx_test::last_error(ctx));
            return;
        }
    }
    expect(compare("step out", out, y, token_mask(x)) == 0, c.name + ": step outputs");
    expect(compare("step state", state, s_final, std::vector<bool>(state.size(), true)) == 0,
           c.name + ": step final state");
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 3)) return 1;
    std::mt19937_64 rng(20261130);

    std::vector<Case> cases;
    cases.push_back({"all options, chunk 8 (L 37: a partial last chunk)"});
    {
        Case c{"no options"};
        c.has_d = c.has_bias = c.softplus = c.state_in = c.state_out = false;
        cases.push_back(c);
    }
    for (int64_t chunk : {1, 36, 37, 64, 0}) {
        Case c{"chunk " + std::to_string(chunk)};
        c.chunk = chunk;
        cases.push_back(c);
    }
    {
        Case c{"G 1, P 17, N 33 (padding tails), chunk 16"};
        c.groups = 1, c.hdim = 17, c.nstate = 33, c.chunk = 16, c.heads = 3;
        cases.push_back(c);
    }
    {
        Case c{"G = H, P 1, N 1"};
        c.groups = c.heads, c.hdim = 1, c.nstate = 1;
        cases.push_back(c);
    }
    {
        Case c{"Mamba-2 head: P 64, N 128, H 3, L 300, chunk 64"};
        c.batch = 1, c.heads = 3, c.groups = 1, c.hdim = 64, c.nstate = 128, c.seq = 300, c.chunk = 64;
        cases.push_back(c);
    }
    {
        Case c{"L 1"};
        c.seq = 1;
        cases.push_back(c);
    }
    {
        Case c{"L 0"};
        c.seq = 0;
        cases.push_back(c);
    }
    {
        Case c{"head-major views ([B, H, P, L] memory)"};
        c.head_major = true;
        cases.push_back(c);
    }
    {
        Case c{"varlen 5, 0, 1, 40, 70, chunk 16"};
        c.lengths = {5, 0, 1, 40, 70};
        c.batch = 5, c.chunk = 16;
        cases.push_back(c);
    }
    {
        Case c{"varlen head-major, chunk 6"};
        c.lengths = {13, 0, 1, 6, 20};
        c.batch = 5, c.chunk = 6, c.head_major = true;
        cases.push_back(c);
    }
    {
        Case c{"long sequence: B 1, H 8, P 16, N 32, L 6000, chunk 128"};
        c.batch = 1, c.heads = 8, c.groups = 2, c.hdim = 16, c.nstate = 32, c.seq = 6000, c.chunk = 128;
        cases.push_back(c);
    }
    {
        // out above 64 MiB: the kernel's output stores stream past the caches.
        Case c{"streamed outputs: B 1, H 4, P 16, N 2, L 270000"};
        c.batch = 1, c.heads = 4, c.groups = 1, c.hdim = 16, c.nstate = 2, c.seq = 270000, c.chunk = 64;
        cases.push_back(c);
    }
    for (const Case &c : cases) run_case(ctx, ctx1, c, rng);

    Case steps{"steps: all options"};
    steps.seq = 12;
    run_steps(ctx, steps, rng);
    Case steps2{"steps: P 17, N 21, G = H, no options, head-major"};
    steps2.seq = 9, steps2.hdim = 17, steps2.nstate = 21, steps2.groups = steps2.heads, steps2.head_major = true;
    steps2.has_d = steps2.has_bias = steps2.softplus = steps2.state_in = false;
    run_steps(ctx, steps2, rng);

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%s (%d failures)\n", pmx_test::failures == 0 ? "PASS" : "FAIL", pmx_test::failures);
    return pmx_test::failures == 0 ? 0 : 1;
}
