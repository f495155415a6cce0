// pmx_selective_scan, pmx_selective_scan_step and pmx_selective_scan_reference
// against a float64 sequential recurrence written out here again (never the
// library's), through the public C API, on the ISA path this process runs
// (CTest runs it once per PMX_ISA value). Random inputs with dt in Mamba's
// range (decays between about 0.2 and 0.99 per token); every option; Dm not
// a multiple of the vector width; Ns below, at and above the register block
// of 16; G = 1, G = Dm and groups narrower than a vector; channel-major
// strided views; varlen with empty and length-1 sequences; chunks forced
// (1, 7, L - 1) and automatic; a long sequence; outputs poisoned first and
// every element checked; 1 vs N threads bit for bit; the step form token by
// token (in place) equal to the full scan bit for bit.
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
using pmx_test::is_poison;
using pmx_test::poison;
using pmx_test::view;

struct Case {
    std::string name;
    int64_t batch = 2, seq = 37, dm = 40, ns = 16, groups = 1;
    bool has_d = true, has_z = true, has_bias = true, softplus = true, state_in = true, state_out = true;
    int64_t chunk = 0;
    bool channel_major = false;        // u, delta, z, out as [B, Dm, L] memory; B, C as [B, G, Ns, L]
    std::vector<int32_t> lengths;      // non-empty: packed varlen with these sequence lengths
};

// Inputs and outputs of one case, with the element strides of every tensor
// (token-major views: b, t, d / b, t, g, n).
struct Data {
    const Case &c;
    std::mt19937_64 &rng;
    int64_t rows = 0;  // tokens of the packed layout (varlen) or L
    std::vector<int32_t> cu;
    std::vector<float> u, delta, a, bm, cm, d, z, bias, state_in, state_out;
    pmx_test::FloatBuffer out;  // aligned: the streamed stores need whole lines
    int64_t us[3] = {0, 0, 0}, bs[4] = {0, 0, 0, 0};

    Data(const Case &c_, std::mt19937_64 &rng_) : c(c_), rng(rng_) {
        const bool varlen = !c.lengths.empty();
        int64_t total = 0;
        if (varlen) {
            cu.push_back(0);
            for (int32_t len : c.lengths) cu.push_back(cu.back() + len);
            total = cu.back();
        }
        const int64_t B = varlen ? 1 : c.batch, L = varlen ? total : c.seq;
        rows = L;
        const int64_t tok = B * L * c.dm, grp = B * L * c.groups * c.ns;
        if (c.channel_major) {
            us[0] = c.dm * L, us[1] = 1, us[2] = L;
            bs[0] = c.groups * c.ns * L, bs[1] = 1, bs[2] = c.ns * L, bs[3] = L;
        } else {
            us[0] = L * c.dm, us[1] = c.dm, us[2] = 1;
            bs[0] = L * c.groups * c.ns, bs[1] = c.groups * c.ns, bs[2] = c.ns, bs[3] = 1;
        }
        u = pmx_test::random_floats(size_t(tok), rng, -1.f, 1.f);
        delta = c.softplus ? pmx_test::random_floats(size_t(tok), rng, -4.f, -1.f)
                           : pmx_test::random_floats(size_t(tok), rng, 0.01f, 0.3f);
        a = pmx_test::random_floats(size_t(c.dm * c.ns), rng, -8.f, -0.5f);
        bm = pmx_test::random_floats(size_t(grp), rng, -1.f, 1.f);
        cm = pmx_test::random_floats(size_t(grp), rng, -1.f, 1.f);
        d = pmx_test::random_floats(size_t(c.dm), rng, -1.f, 1.f);
        z = pmx_test::random_floats(size_t(tok), rng, -3.f, 3.f);
        bias = pmx_test::random_floats(size_t(c.dm), rng, -0.5f, 0.5f);
        state_in = pmx_test::random_floats(size_t(c.batch * c.dm * c.ns), rng, -1.f, 1.f);
        out.assign(size_t(tok), poison());
        state_out.assign(size_t(c.batch * c.dm * c.ns), poison());
    }

    bool varlen() const { return !c.lengths.empty(); }
    int64_t row0(int64_t b) const { return varlen() ? cu[size_t(b)] : 0; }
    int64_t len(int64_t b) const { return varlen() ? cu[size_t(b + 1)] - cu[size_t(b)] : c.seq; }
    int64_t bb(int64_t b) const { return varlen() ? 0 : b; }
    int64_t ui(int64_t b, int64_t t, int64_t dd) const { return bb(b) * us[0] + t * us[1] + dd * us[2]; }
    int64_t bi(int64_t b, int64_t t, int64_t g, int64_t n) const {
        return bb(b) * bs[0] + t * bs[1] + g * bs[2] + n * bs[3];
    }
    int64_t si(int64_t b, int64_t dd, int64_t n) const { return (b * c.dm + dd) * c.ns + n; }

    template <class Floats>
    pmx_tensor token_tensor(Floats &v) const {
        const int64_t bytes = int64_t(std::max<size_t>(v.size(), 1) * sizeof(float));
        if (varlen()) return view(v.data(), PMX_DTYPE_F32, {rows, c.dm}, {us[1], us[2]}, bytes);
        return view(v.data(), PMX_DTYPE_F32, {c.batch, c.seq, c.dm}, {us[0], us[1], us[2]}, bytes);
    }
    pmx_tensor group_tensor(std::vector<float> &v) const {
        const int64_t bytes = int64_t(std::max<size_t>(v.size(), 1) * sizeof(float));
        if (varlen()) return view(v.data(), PMX_DTYPE_F32, {rows, c.groups, c.ns}, {bs[1], bs[2], bs[3]}, bytes);
        return view(v.data(), PMX_DTYPE_F32, {c.batch, c.seq, c.groups, c.ns}, {bs[0], bs[1], bs[2], bs[3]}, bytes);
    }

    pmx_selective_scan_params params() {
        pmx_selective_scan_params p{};
        p.struct_size = sizeof p;
        p.u = token_tensor(u);
        p.delta = token_tensor(delta);
        p.A = pmx_test::dense(a.data(), PMX_DTYPE_F32, {c.dm, c.ns}, 4);
        p.B = group_tensor(bm);
        p.C = group_tensor(cm);
        if (c.has_d) p.D = pmx_test::dense(d.data(), PMX_DTYPE_F32, {c.dm}, 4);
        if (c.has_z) p.z = token_tensor(z);
        if (c.has_bias) p.delta_bias = pmx_test::dense(bias.data(), PMX_DTYPE_F32, {c.dm}, 4);
        p.delta_softplus = c.softplus ? 1 : 0;
        if (c.state_in) p.state_in = pmx_test::dense(state_in.data(), PMX_DTYPE_F32, {c.batch, c.dm, c.ns}, 4);
        if (varlen()) p.cu_seqlens = pmx_test::dense(cu.data(), PMX_DTYPE_I32, {c.batch + 1}, 4);
        p.chunk = c.chunk;
        p.out = token_tensor(out);
        if (c.state_out) p.state_out = pmx_test::dense(state_out.data(), PMX_DTYPE_F32, {c.batch, c.dm, c.ns}, 4);
        return p;
    }

    // The recurrence in float64, as panamax.h states it.
    void reference(std::vector<double> &y, std::vector<double> &s_final) const {
        y.assign(out.size(), 0.0);
        s_final.assign(state_out.size(), 0.0);
        const int64_t cpg = c.dm / c.groups;
        for (int64_t b = 0; b < c.batch; ++b)
            for (int64_t dd = 0; dd < c.dm; ++dd) {
                std::vector<double> s(size_t(c.ns));
                for (int64_t n = 0; n < c.ns; ++n) s[size_t(n)] = c.state_in ? state_in[size_t(si(b, dd, n))] : 0.0;
                for (int64_t t = row0(b); t < row0(b) + len(b); ++t) {
                    double dt = double(delta[size_t(ui(b, t, dd))]) + (c.has_bias ? bias[size_t(dd)] : 0.0);
                    if (c.softplus) dt = std::log1p(std::exp(dt));
                    const double uv = u[size_t(ui(b, t, dd))];
                    double acc = 0.0;
                    for (int64_t n = 0; n < c.ns; ++n) {
                        const int64_t g = dd / cpg;
                        s[size_t(n)] = std::exp(dt * double(a[size_t(dd * c.ns + n)])) * s[size_t(n)] +
                                       dt * double(bm[size_t(bi(b, t, g, n))]) * uv;
                        acc += double(cm[size_t(bi(b, t, g, n))]) * s[size_t(n)];
                    }
                    if (c.has_d) acc += double(d[size_t(dd)]) * uv;
                    if (c.has_z) {
                        const double zv = z[size_t(ui(b, t, dd))];
                        acc *= zv / (1.0 + std::exp(-zv));
                    }
                    y[size_t(ui(b, t, dd))] = acc;
                }
                for (int64_t n = 0; n < c.ns; ++n) s_final[size_t(si(b, dd, n))] = s[size_t(n)];
            }
    }
};

std::vector<bool> token_mask(const Data &x) {
    std::vector<bool> m(x.out.size(), false);
    for (int64_t b = 0; b < x.c.batch; ++b)
        for (int64_t t = x.row0(b); t < x.row0(b) + x.len(b); ++t)
            for (int64_t dd = 0; dd < x.c.dm; ++dd) m[size_t(x.ui(b, t, dd))] = true;
    return m;
}

pmx_status run_scan(pmx_context *ctx, const pmx_selective_scan_params &p) {
    int64_t bytes = -1;
    pmx_status st = pmx_selective_scan_workspace_size(ctx, &p, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    pmx_test::Aligned ws{size_t(bytes)};
    return pmx_selective_scan(ctx, &p, bytes > 0 ? ws.p : nullptr, bytes);
}

void run_case(pmx_context *ctx, pmx_context *ctx1, const Case &c, std::mt19937_64 &rng) {
    std::printf("case %s\n", c.name.c_str());
    Data x(c, rng);
    std::vector<double> y, s_final;
    x.reference(y, s_final);
    const std::vector<bool> tok = token_mask(x);
    const std::vector<bool> all_state(x.state_out.size(), true);

    pmx_selective_scan_params p = x.params();
    pmx_status st = run_scan(ctx, p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": scan failed: " + pmx_test::last_error(ctx));
    if (st != PMX_STATUS_SUCCESS) return;
    expect(compare("out", x.out, y, tok) == 0, c.name + ": out");
    if (c.state_out) expect(compare("state_out", x.state_out, s_final, all_state) == 0, c.name + ": state_out");

    // One thread: the same bits.
    const pmx_test::FloatBuffer out_n = x.out;
    const std::vector<float> state_n = x.state_out;
    std::fill(x.out.begin(), x.out.end(), poison());
    std::fill(x.state_out.begin(), x.state_out.end(), poison());
    expect(run_scan(ctx1, p) == PMX_STATUS_SUCCESS, c.name + ": 1-thread scan failed");
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
    st = pmx_selective_scan_reference(ctx, &p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": reference failed: " + pmx_test::last_error(ctx));
    if (st == PMX_STATUS_SUCCESS) {
        for (size_t i = 0; i < y.size(); ++i)
            if (tok[i] && std::fabs(double(x.out[i]) - y[i]) > 1e-6 * (std::fabs(y[i]) + 1e-3)) {
                expect(false, c.name + ": library reference out differs at " + std::to_string(i));
                break;
            }
    }
}

// The step form, token by token with the state updated in place, equals the
// unchunked full scan bit for bit (the same arithmetic per token).
void run_steps(pmx_context *ctx, const Case &c, std::mt19937_64 &rng) {
    std::printf("steps %s\n", c.name.c_str());
    Data x(c, rng);
    pmx_selective_scan_params full = x.params();
    full.chunk = 0;
    expect(run_scan(ctx, full) == PMX_STATUS_SUCCESS, c.name + ": full scan failed");
    std::vector<float> state = x.state_in;
    std::vector<float> y(size_t(c.batch * c.dm), poison());
    const int64_t B = c.batch, Dm = c.dm, G = c.groups, Ns = c.ns;
    int bad = 0;
    for (int64_t t = 0; t < c.seq; ++t) {
        pmx_selective_scan_params s{};
        s.struct_size = sizeof s;
        const int64_t bytes_tok = int64_t(x.u.size() * 4), bytes_grp = int64_t(x.bm.size() * 4);
        s.u = view(x.u.data() + t * x.us[1], PMX_DTYPE_F32, {B, Dm}, {x.us[0], x.us[2]}, bytes_tok - t * x.us[1] * 4);
        s.delta = view(x.delta.data() + t * x.us[1], PMX_DTYPE_F32, {B, Dm}, {x.us[0], x.us[2]},
                       bytes_tok - t * x.us[1] * 4);
        if (c.has_z)
            s.z = view(x.z.data() + t * x.us[1], PMX_DTYPE_F32, {B, Dm}, {x.us[0], x.us[2]}, bytes_tok - t * x.us[1] * 4);
        s.B = view(x.bm.data() + t * x.bs[1], PMX_DTYPE_F32, {B, G, Ns}, {x.bs[0], x.bs[2], x.bs[3]},
                   bytes_grp - t * x.bs[1] * 4);
        s.C = view(x.cm.data() + t * x.bs[1], PMX_DTYPE_F32, {B, G, Ns}, {x.bs[0], x.bs[2], x.bs[3]},
                   bytes_grp - t * x.bs[1] * 4);
        s.A = pmx_test::dense(x.a.data(), PMX_DTYPE_F32, {Dm, Ns}, 4);
        if (c.has_d) s.D = pmx_test::dense(x.d.data(), PMX_DTYPE_F32, {Dm}, 4);
        if (c.has_bias) s.delta_bias = pmx_test::dense(x.bias.data(), PMX_DTYPE_F32, {Dm}, 4);
        s.delta_softplus = c.softplus ? 1 : 0;
        s.state_in = pmx_test::dense(state.data(), PMX_DTYPE_F32, {B, Dm, Ns}, 4);
        s.state_out = s.state_in;  // in place
        s.out = pmx_test::dense(y.data(), PMX_DTYPE_F32, {B, Dm}, 4);
        std::fill(y.begin(), y.end(), poison());
        const pmx_status st = pmx_selective_scan_step(ctx, &s);
        if (st != PMX_STATUS_SUCCESS) {
            expect(false, c.name + ": step failed: " + pmx_test::last_error(ctx));
            return;
        }
        for (int64_t b = 0; b < B; ++b)
            for (int64_t dd = 0; dd < Dm; ++dd)
                if (std::memcmp(&y[size_t(b * Dm + dd)], &x.out[size_t(x.ui(b, t, dd))], 4) != 0 && bad++ < 3)
                    std::printf("  t=%lld b=%lld d=%lld: step %.9g full %.9g\n", (long long)t, (long long)b,
                                (long long)dd, double(y[size_t(b * Dm + dd)]), double(x.out[size_t(x.ui(b, t, dd))]));
    }
    expect(bad == 0, c.name + ": steps differ from the full scan");
    expect(std::memcmp(state.data(), x.state_out.data(), state.size() * 4) == 0,
           c.name + ": final state of the steps differs from the full scan's");
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 3)) return 1;
    std::mt19937_64 rng(20261129);

    std::vector<Case> cases;
    cases.push_back({"all options"});
    {
        Case c{"no options"};
        c.has_d = c.has_z = c.has_bias = c.softplus = c.state_in = c.state_out = false;
        cases.push_back(c);
    }
    {
        Case c{"Ns 5, G = Dm"};
        c.ns = 5, c.groups = c.dm;
        cases.push_back(c);
    }
    {
        Case c{"Ns 21 (two register blocks), G 4 (groups of 10 channels)"};
        c.ns = 21, c.groups = 4;
        cases.push_back(c);
    }
    {
        Case c{"Ns 1, Dm 1, L 1"};
        c.ns = 1, c.dm = 1, c.seq = 1;
        cases.push_back(c);
    }
    {
        Case c{"L 0"};
        c.seq = 0;
        cases.push_back(c);
    }
    {
        Case c{"channel-major views"};
        c.channel_major = true, c.groups = 2;
        cases.push_back(c);
    }
    {
        Case c{"varlen 5, 0, 1, 40"};
        c.lengths = {5, 0, 1, 40};
        c.batch = 4;
        cases.push_back(c);
    }
    for (int64_t chunk : {1, 7, 36}) {
        Case c{"chunk " + std::to_string(chunk)};
        c.chunk = chunk;
        cases.push_back(c);
    }
    {
        Case c{"varlen chunk 6, channel-major"};
        c.lengths = {13, 0, 1, 6, 20};
        c.batch = 5;
        c.chunk = 6;
        c.channel_major = true;
        cases.push_back(c);
    }
    {
        Case c{"automatic chunks: B 1, Dm 24, L 9000"};
        c.batch = 1, c.dm = 24, c.seq = 9000, c.ns = 16;
        cases.push_back(c);
    }
    {
        Case c{"long sequence unchunked: B 1, Dm 520, L 3000"};
        c.batch = 1, c.dm = 520, c.seq = 3000, c.ns = 16;
        cases.push_back(c);
    }
    {
        // out above 64 MiB (and 64-byte aligned rows): the output stores
        // stream past the caches.
        Case c{"streamed outputs: B 1, Dm 1040, L 16200, Ns 3"};
        c.batch = 1, c.dm = 1040, c.seq = 16200, c.ns = 3;
        cases.push_back(c);
    }
    for (const Case &c : cases) run_case(ctx, ctx1, c, rng);

    Case steps{"steps: all options"};
    steps.seq = 12;
    run_steps(ctx, steps, rng);
    Case steps2{"steps: Ns 21, G = Dm, no options"};
    steps2.seq = 9, steps2.ns = 21, steps2.groups = steps2.dm;
    steps2.has_d = steps2.has_z = steps2.has_bias = steps2.softplus = false;
    run_steps(ctx, steps2, rng);

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%s (%d failures)\n", pmx_test::failures == 0 ? "PASS" : "FAIL", pmx_test::failures);
    return pmx_test::failures == 0 ? 0 : 1;
}
