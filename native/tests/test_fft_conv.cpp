// pmx_fft_conv and pmx_fft_conv_reference (S4 long convolution) against a
// float64 direct sum written out here again (never the library's), through
// the public C API, on the ISA path this process runs (CTest runs it once
// per PMX_ISA value). Methods FFT, DIRECT and AUTO (AUTO must equal one of
// the other two bit for bit); L not a power of two, L = 1, L = 0, Lk > L,
// Lk = 1; C below, at and above the 16 lanes of a transform; B > 1;
// channel-major views of u and out and a lag-major kernel; single-row and
// four-step FFT sizes (odd and even log2); outputs poisoned first and every
// element checked; 1 vs N threads bit for bit; a NaN tap reaching only the
// outputs it should on the direct path.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using pmx_test::expect;
using pmx_test::poison;
using pmx_test::view;

struct Case {
    std::string name;
    int64_t batch = 2, seq = 37, channels = 5, klen = 9;
    bool has_d = true;
    bool channel_major = false;  // u, out as [B, C, L] memory; kernel as [Lk, C] memory
    bool decaying = false;       // kernel taps shrinking like an S4 kernel's
    int32_t auto_is = -1;        // the method AUTO must match bit for bit (-1: either)
};

struct Data {
    const Case &c;
    std::vector<float> u, k, d, out;
    int64_t us[3] = {}, ks[2] = {};

    Data(const Case &c_, std::mt19937_64 &rng) : c(c_) {
        const int64_t B = c.batch, L = c.seq, C = c.channels, K = c.klen;
        if (c.channel_major) {
            us[0] = C * L, us[1] = 1, us[2] = L;
            ks[0] = 1, ks[1] = C;
        } else {
            us[0] = L * C, us[1] = C, us[2] = 1;
            ks[0] = K, ks[1] = 1;
        }
        u = pmx_test::random_floats(size_t(B * L * C), rng);
        k = pmx_test::random_floats(size_t(C * K), rng);
        if (c.decaying)
            for (int64_t ch = 0; ch < C; ++ch)
                for (int64_t j = 0; j < K; ++j) k[size_t(ch * ks[0] + j * ks[1])] *= float(std::exp(-double(j) / 300.0));
        d = pmx_test::random_floats(size_t(C), rng);
        out.assign(u.size(), poison());
    }

    int64_t ui(int64_t b, int64_t t, int64_t ch) const { return b * us[0] + t * us[1] + ch * us[2]; }
    static int64_t bytes(const std::vector<float> &v) { return int64_t(std::max<size_t>(v.size(), 1) * 4); }

    pmx_fft_conv_params params(int32_t method) {
        pmx_fft_conv_params p{};
        p.struct_size = sizeof p;
        p.u = view(u.data(), PMX_DTYPE_F32, {c.batch, c.seq, c.channels}, {us[0], us[1], us[2]}, bytes(u));
        p.kernel = view(k.data(), PMX_DTYPE_F32, {c.channels, c.klen}, {ks[0], ks[1]}, bytes(k));
        if (c.has_d) p.D = pmx_test::dense(d.data(), PMX_DTYPE_F32, {c.channels}, 4);
        p.method = method;
        p.out = view(out.data(), PMX_DTYPE_F32, {c.batch, c.seq, c.channels}, {us[0], us[1], us[2]}, bytes(out));
        return p;
    }

    // The convolution in float64, as panamax.h states it.
    std::vector<double> reference() const {
        std::vector<double> y(out.size(), 0.0);
        for (int64_t b = 0; b < c.batch; ++b)
            for (int64_t ch = 0; ch < c.channels; ++ch)
                for (int64_t t = 0; t < c.seq; ++t) {
                    double acc = c.has_d ? double(d[size_t(ch)]) * u[size_t(ui(b, t, ch))] : 0.0;
                    for (int64_t j = 0; j <= std::min(t, c.klen - 1); ++j)
                        acc += double(k[size_t(ch * ks[0] + j * ks[1])]) * u[size_t(ui(b, t - j, ch))];
                    y[size_t(ui(b, t, ch))] = acc;
                }
        return y;
    }
};

// Tolerance: 1e-4 of |want| plus 1e-4 of the output's RMS. The FFT's
// rounding is about log2(n)·2^-24 of ‖u‖·‖kernel‖ spread over every output
// of a channel, so small outputs get an absolute error on the scale of the
// large ones: hence the RMS term (measured: about 1.5e-6 of the RMS at
// n = 2^15..2^19). The direct sum in float accumulates about sqrt(taps)·2^-24
// of the terms' sizes (2e-5 of the RMS at 9000 taps). Both stay well inside
// 1e-4, which a wrong tap, lag, channel or sequence exceeds by far.
int compare(const std::string &what, const std::vector<float> &got, const std::vector<double> &want) {
    double rms = 0;
    for (double w : want) rms += w * w;
    rms = want.empty() ? 0.0 : std::sqrt(rms / double(want.size()));
    int bad = 0;
    double worst = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        const double err = std::fabs(double(got[i]) - want[i]);
        const double tol = 1e-4 * std::fabs(want[i]) + 1e-4 * rms + 1e-30;
        worst = std::max(worst, err / (std::fabs(want[i]) + rms + 1e-30));
        if (!(err <= tol) && bad++ < 5)
            std::printf("  %s[%zu]: got %.9g want %.9g%s\n", what.c_str(), i, double(got[i]), want[i],
                        pmx_test::is_poison(got[i]) ? " (never written)" : "");
    }
    std::printf("  %s: worst error %.2e of |want| + RMS\n", what.c_str(), worst);
    return bad;
}

pmx_status run_conv(pmx_context *ctx, const pmx_fft_conv_params &p) {
    int64_t bytes = -1;
    pmx_status st = pmx_fft_conv_workspace_size(ctx, &p, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    pmx_test::Aligned ws{size_t(bytes > 0 ? bytes : 1)};
    return pmx_fft_conv(ctx, &p, bytes > 0 ? ws.p : nullptr, bytes);
}

const char *method_name(int32_t m) { return m == PMX_FFT_CONV_FFT ? "fft" : m == PMX_FFT_CONV_DIRECT ? "direct" : "auto"; }

bool same_bits(const std::vector<float> &a, const std::vector<float> &b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
}

void run_case(pmx_context *ctx, pmx_context *ctx1, const Case &c, std::mt19937_64 &rng, bool with_library_reference) {
    std::printf("case %s\n", c.name.c_str());
    Data x(c, rng);
    const std::vector<double> want = x.reference();
    std::vector<float> by_method[3];
    for (int32_t m : {PMX_FFT_CONV_FFT, PMX_FFT_CONV_DIRECT, PMX_FFT_CONV_AUTO}) {
        const std::string label = c.name + " [" + method_name(m) + "]";
        std::fill(x.out.begin(), x.out.end(), poison());
        const pmx_fft_conv_params p = x.params(m);
        const pmx_status st = run_conv(ctx, p);
        expect(st == PMX_STATUS_SUCCESS, label + ": failed: " + pmx_test::last_error(ctx));
        if (st != PMX_STATUS_SUCCESS) continue;
        expect(compare(std::string("out ") + method_name(m), x.out, want) == 0, label + ": out");
        by_method[m] = x.out;

        // One thread: the same bits.
        std::fill(x.out.begin(), x.out.end(), poison());
        expect(run_conv(ctx1, p) == PMX_STATUS_SUCCESS, label + ": 1-thread run failed");
        expect(same_bits(by_method[m], x.out), label + ": 1 thread and N threads differ");
    }
    if (c.auto_is >= 0)
        expect(same_bits(by_method[PMX_FFT_CONV_AUTO], by_method[c.auto_is]),
               c.name + ": AUTO did not take " + method_name(c.auto_is));
    else
        expect(same_bits(by_method[PMX_FFT_CONV_AUTO], by_method[PMX_FFT_CONV_FFT]) ||
                   same_bits(by_method[PMX_FFT_CONV_AUTO], by_method[PMX_FFT_CONV_DIRECT]),
               c.name + ": AUTO equals neither FFT nor DIRECT bit for bit");

    if (!with_library_reference) return;
    // The library's float64 reference (F64 output) against this file's.
    std::vector<double> ref(x.out.size(), 0.0);
    pmx_fft_conv_params r = x.params(PMX_FFT_CONV_AUTO);
    r.out = view(ref.data(), PMX_DTYPE_F64, {c.batch, c.seq, c.channels}, {x.us[0], x.us[1], x.us[2]},
                 int64_t(std::max<size_t>(ref.size(), 1) * 8));
    const pmx_status st = pmx_fft_conv_reference(ctx, &r);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": reference failed: " + pmx_test::last_error(ctx));
    for (size_t i = 0; i < ref.size() && st == PMX_STATUS_SUCCESS; ++i)
        if (std::fabs(ref[i] - want[i]) > 1e-12 * (std::fabs(want[i]) + 1.0)) {
            expect(false, c.name + ": library reference differs at " + std::to_string(i));
            break;
        }
}

// DIRECT: a NaN at lag 5 of one channel reaches exactly the outputs t >= 5
// of that channel; FFT: the whole channel (documented), no other channel.
void run_nan_tap(pmx_context *ctx, std::mt19937_64 &rng) {
    std::printf("case NaN tap\n");
    Case c{"NaN tap"};
    c.batch = 1, c.seq = 40, c.channels = 18, c.klen = 12;
    Data x(c, rng);
    x.k[size_t(3 * x.ks[0] + 5 * x.ks[1])] = NAN;
    for (int32_t m : {PMX_FFT_CONV_DIRECT, PMX_FFT_CONV_FFT}) {
        std::fill(x.out.begin(), x.out.end(), poison());
        expect(run_conv(ctx, x.params(m)) == PMX_STATUS_SUCCESS, "NaN tap: run failed");
        bool ok = true;
        for (int64_t t = 0; t < c.seq; ++t)
            for (int64_t ch = 0; ch < c.channels; ++ch) {
                const float v = x.out[size_t(x.ui(0, t, ch))];
                const bool nan_expected = ch == 3 && (m == PMX_FFT_CONV_FFT || t >= 5);
                if (pmx_test::is_poison(v) || std::isnan(v) != nan_expected) ok = false;
            }
        expect(ok, std::string("NaN tap: wrong outputs reached [") + method_name(m) + "]");
    }
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 3)) return 1;
    std::mt19937_64 rng(20261201);

    std::vector<Case> cases;
    cases.push_back({"B 2, L 37, C 5, Lk 9"});
    {
        Case c{"no D, C 16 (one full transform)"};
        c.has_d = false, c.channels = 16;
        cases.push_back(c);
    }
    {
        Case c{"C 33 (a partial last 16-channel block)"};
        c.channels = 33, c.seq = 50;
        cases.push_back(c);
    }
    {
        Case c{"L 1"};
        c.seq = 1;
        cases.push_back(c);
    }
    {
        Case c{"L 2, Lk 1"};
        c.seq = 2, c.klen = 1;
        cases.push_back(c);
    }
    {
        Case c{"L 0"};
        c.seq = 0;
        cases.push_back(c);
    }
    {
        Case c{"B 0"};
        c.batch = 0;
        cases.push_back(c);
    }
    {
        Case c{"Lk 1"};
        c.klen = 1, c.seq = 100;
        cases.push_back(c);
    }
    {
        Case c{"Lk > L (lags past L - 1 unused)"};
        c.klen = 300, c.seq = 77;
        cases.push_back(c);
    }
    {
        Case c{"Lk = L = 1000, B 3"};
        c.klen = 1000, c.seq = 1000, c.batch = 3, c.channels = 7;
        cases.push_back(c);
    }
    {
        Case c{"channel-major u, out; lag-major kernel"};
        c.channel_major = true, c.seq = 200, c.klen = 90, c.channels = 19;
        cases.push_back(c);
    }
    // AUTO's crossover at n = 1024, B = 2: 256·(3·2 + 1)/(4·2) = 224 taps.
    for (int64_t lk : {224, 225}) {
        Case c{"AUTO's crossover, B 2, n 1024: Lk " + std::to_string(lk)};
        c.klen = lk, c.seq = 500, c.channels = 20;
        c.auto_is = lk == 224 ? PMX_FFT_CONV_DIRECT : PMX_FFT_CONV_FFT;
        cases.push_back(c);
    }
    {
        Case c{"last single-row FFT size: n 4096 (L 3000, Lk 1097)"};
        c.seq = 3000, c.klen = 1097, c.batch = 1, c.channels = 16;
        cases.push_back(c);
    }
    {
        Case c{"first four-step size: n 8192, n1 = n2 = 64 (L 4097, Lk 2000)"};
        c.seq = 4097, c.klen = 2000, c.batch = 1, c.channels = 3;
        cases.push_back(c);
    }
    {
        Case c{"four-step, odd log2 N: n 16384 (n1 128, n2 64), channel-major, B 2"};
        c.seq = 9000, c.klen = 700, c.channels = 18, c.channel_major = true;
        cases.push_back(c);
    }
    for (const Case &c : cases) run_case(ctx, ctx1, c, rng, true);

    // Long: L not a power of two, n = 2^18 (n1 = 512, n2 = 256, a radix-2
    // last stage in the rows), a decaying kernel as S4 makes. Only this
    // file's reference (the library's would double the float64 time).
    {
        Case c{"long: L 2^17 + 123, Lk 3000 decaying, C 3"};
        c.batch = 1, c.seq = (1 << 17) + 123, c.klen = 3000, c.channels = 3, c.decaying = true;
        run_case(ctx, ctx1, c, rng, false);
    }
    run_nan_tap(ctx, rng);

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%s (%d failures)\n", pmx_test::failures == 0 ? "PASS" : "FAIL", pmx_test::failures);
    return pmx_test::failures == 0 ? 0 : 1;
}
