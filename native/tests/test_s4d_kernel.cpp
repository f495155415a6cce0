// pmx_s4d_kernel and pmx_s4d_kernel_reference (S4D kernel with zero-order
// hold) against a float64 Vandermonde product written out here again
// (Ā^l = exp(l·dt·A) for every l, never repeated products), through the
// public C API, on the ISA path this process runs (CTest runs it once per
// PMX_ISA value). S4D-Lin and S4D-Inv initialisations, random complex A,
// A = 0 (B̄ = dt·B) and tiny A; Lk at the 64-lag block and 16384-lag span
// edges, Lk = 1 and 0, Ch = 0, Nh = 1; strided views (A, B, C state-major,
// out lag-major); Lk = 2^20 with modes that barely decay, where powers by
// repeated float products would be off by percents; outputs poisoned first
// and every element checked; 1 vs N threads bit for bit.
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using cd = std::complex<double>;
using pmx_test::expect;
using pmx_test::poison;
using pmx_test::view;

enum class Init { Lin, Inv, Random, Zero, Tiny, Slow };

struct Case {
    std::string name;
    int64_t ch = 3, nh = 8, lk = 200;
    Init init = Init::Lin;
    bool strided = false;  // A, B, C as [Nh, Ch, 2] memory; out as [Lk, Ch] memory
};

struct Data {
    const Case &c;
    std::vector<float> a, b, cm, dt, out;
    int64_t cs[3] = {}, ks[2] = {};

    Data(const Case &c_, std::mt19937_64 &rng) : c(c_) {
        const int64_t Ch = c.ch, N = c.nh;
        if (c.strided) cs[0] = 2, cs[1] = 2 * Ch, cs[2] = 1, ks[0] = 1, ks[1] = Ch;
        else cs[0] = 2 * N, cs[1] = 2, cs[2] = 1, ks[0] = c.lk, ks[1] = 1;
        a.assign(size_t(Ch * N * 2), 0.f);
        b = pmx_test::random_floats(a.size(), rng);
        cm = pmx_test::random_floats(a.size(), rng);
        // log dt uniform in [log 0.001, log 0.1], S4D's default range.
        dt = pmx_test::random_floats(size_t(Ch), rng, std::log(0.001f), std::log(0.1f));
        std::uniform_real_distribution<float> unit(-1.f, 1.f);
        for (int64_t ch = 0; ch < Ch; ++ch)
            for (int64_t n = 0; n < N; ++n) {
                float re = 0.f, im = 0.f;
                switch (c.init) {
                    case Init::Lin: re = -0.5f, im = float(M_PI) * float(n); break;
                    case Init::Inv: re = -0.5f, im = float(N) / float(M_PI) * (float(N) / float(2 * n + 1) - 1.f); break;
                    case Init::Random: re = -std::fabs(unit(rng)) * 2.f, im = unit(rng) * 50.f; break;
                    case Init::Zero: re = 0.f, im = 0.f; break;
                    case Init::Tiny: re = -1e-9f, im = 1e-9f * float(n); break;
                    case Init::Slow: re = -2e-5f, im = float(M_PI) * float(n + 1); break;
                }
                a[size_t(ci(ch, n))] = re;
                a[size_t(ci(ch, n) + cs[2])] = im;
            }
        if (c.init == Init::Slow) std::fill(dt.begin(), dt.end(), std::log(0.05f));
        out.assign(size_t(Ch * c.lk), poison());
    }

    int64_t ci(int64_t ch, int64_t n) const { return ch * cs[0] + n * cs[1]; }
    int64_t ki(int64_t ch, int64_t l) const { return ch * ks[0] + l * ks[1]; }
    cd at(const std::vector<float> &v, int64_t ch, int64_t n) const {
        return cd(v[size_t(ci(ch, n))], v[size_t(ci(ch, n) + cs[2])]);
    }
    static int64_t bytes(const std::vector<float> &v) { return int64_t(std::max<size_t>(v.size(), 1) * 4); }

    pmx_tensor complex(std::vector<float> &v) const {
        return view(v.data(), PMX_DTYPE_F32, {c.ch, c.nh, 2}, {cs[0], cs[1], cs[2]}, bytes(v));
    }
    pmx_s4d_kernel_params params() {
        pmx_s4d_kernel_params p{};
        p.struct_size = sizeof p;
        p.A = complex(a);
        p.B = complex(b);
        p.C = complex(cm);
        p.log_dt = pmx_test::dense(dt.data(), PMX_DTYPE_F32, {c.ch}, 4);
        p.out = view(out.data(), PMX_DTYPE_F32, {c.ch, c.lk}, {ks[0], ks[1]}, bytes(out));
        return p;
    }

    // K in float64 as panamax.h states it, and the size bound of each
    // element: sum_n |2·C·B̄|·|Ā|^l.
    void reference(std::vector<double> &k, std::vector<double> &bound) const {
        k.assign(out.size(), 0.0);
        bound.assign(out.size(), 0.0);
        for (int64_t ch = 0; ch < c.ch; ++ch) {
            const double d = std::exp(double(dt[size_t(ch)]));
            for (int64_t n = 0; n < c.nh; ++n) {
                const cd A = at(a, ch, n), dA = d * A;
                // e^dA - 1 with expm1: the plain difference loses digits at tiny dt·A.
                const double h = std::sin(0.5 * dA.imag());
                const cd em1(std::expm1(dA.real()) * std::cos(dA.imag()) - 2.0 * h * h,
                             std::exp(dA.real()) * std::sin(dA.imag()));
                const cd bbar = A == cd(0, 0) ? d * at(b, ch, n) : em1 / A * at(b, ch, n);
                const cd w = 2.0 * at(cm, ch, n) * bbar;
                for (int64_t l = 0; l < c.lk; ++l) {
                    const cd z = std::exp(double(l) * dA);
                    k[size_t(ki(ch, l))] += (w * z).real();
                    bound[size_t(ki(ch, l))] += std::abs(w) * std::abs(z);
                }
            }
        }
    }
};

// Tolerance: 1e-5 of the element's size bound (plus 1e-30 where it
// underflows float). K[l] is a sum of 2·Nh float products of Ā^r and
// W·Ā^(64q), each accurate to about 2^-24 of its size, so the error stays a
// few 1e-7 of the bound whatever l (measured: 2e-7 up to l = 2^20); a drift
// like l·2^-24 from repeated float products, or a wrong block, state or
// channel, exceeds it.
int compare(const std::vector<float> &got, const std::vector<double> &want, const std::vector<double> &bound) {
    int bad = 0;
    double worst = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        const double err = std::fabs(double(got[i]) - want[i]);
        worst = std::max(worst, err / (bound[i] + 1e-30));
        if (!(err <= 1e-5 * bound[i] + 1e-30) && bad++ < 5)
            std::printf("  K[%zu]: got %.9g want %.9g (bound %.3g)%s\n", i, double(got[i]), want[i], bound[i],
                        pmx_test::is_poison(got[i]) ? " (never written)" : "");
    }
    std::printf("  worst error %.2e of the size bound\n", worst);
    return bad;
}

pmx_status run_kernel(pmx_context *ctx, const pmx_s4d_kernel_params &p) {
    int64_t bytes = -1;
    pmx_status st = pmx_s4d_kernel_workspace_size(ctx, &p, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    pmx_test::Aligned ws{size_t(bytes > 0 ? bytes : 1)};
    return pmx_s4d_kernel(ctx, &p, bytes > 0 ? ws.p : nullptr, bytes);
}

void run_case(pmx_context *ctx, pmx_context *ctx1, const Case &c, std::mt19937_64 &rng, bool with_library_reference) {
    std::printf("case %s\n", c.name.c_str());
    Data x(c, rng);
    std::vector<double> want, bound;
    x.reference(want, bound);
    const pmx_s4d_kernel_params p = x.params();
    pmx_status st = run_kernel(ctx, p);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": failed: " + pmx_test::last_error(ctx));
    if (st != PMX_STATUS_SUCCESS) return;
    expect(compare(x.out, want, bound) == 0, c.name + ": K");

    const std::vector<float> k_n = x.out;
    std::fill(x.out.begin(), x.out.end(), poison());
    expect(run_kernel(ctx1, p) == PMX_STATUS_SUCCESS, c.name + ": 1-thread run failed");
    expect(k_n.empty() || std::memcmp(k_n.data(), x.out.data(), k_n.size() * 4) == 0,
           c.name + ": 1 thread and N threads differ");

    if (!with_library_reference) return;
    std::vector<double> ref(x.out.size(), 0.0);
    pmx_s4d_kernel_params r = p;
    r.out = view(ref.data(), PMX_DTYPE_F64, {c.ch, c.lk}, {x.ks[0], x.ks[1]}, int64_t(std::max<size_t>(ref.size(), 1) * 8));
    st = pmx_s4d_kernel_reference(ctx, &r);
    expect(st == PMX_STATUS_SUCCESS, c.name + ": reference failed: " + pmx_test::last_error(ctx));
    for (size_t i = 0; i < ref.size() && st == PMX_STATUS_SUCCESS; ++i)
        if (std::fabs(ref[i] - want[i]) > 1e-12 * (bound[i] + 1e-300)) {
            expect(false, c.name + ": library reference differs at " + std::to_string(i));
            break;
        }
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 3)) return 1;
    std::mt19937_64 rng(20261202);

    std::vector<Case> cases;
    cases.push_back({"S4D-Lin, Ch 3, Nh 8, Lk 200"});
    {
        Case c{"S4D-Inv, Nh 32, Lk 1000"};
        c.init = Init::Inv, c.nh = 32, c.lk = 1000;
        cases.push_back(c);
    }
    {
        Case c{"random A, Nh 17, Lk 333"};
        c.init = Init::Random, c.nh = 17, c.lk = 333, c.ch = 5;
        cases.push_back(c);
    }
    {
        Case c{"A = 0 (B̄ = dt·B)"};
        c.init = Init::Zero, c.nh = 3, c.lk = 70;
        cases.push_back(c);
    }
    {
        Case c{"tiny A (no cancellation in Ā - 1)"};
        c.init = Init::Tiny, c.nh = 4, c.lk = 70;
        cases.push_back(c);
    }
    for (int64_t lk : {1, 63, 64, 65, 16384, 16385}) {
        Case c{"Lk " + std::to_string(lk)};
        c.lk = lk, c.ch = 2, c.nh = 5, c.init = Init::Random;
        cases.push_back(c);
    }
    {
        Case c{"Lk 0"};
        c.lk = 0;
        cases.push_back(c);
    }
    {
        Case c{"Ch 0"};
        c.ch = 0;
        cases.push_back(c);
    }
    {
        Case c{"Nh 1, Ch 1"};
        c.nh = 1, c.ch = 1, c.lk = 129;
        cases.push_back(c);
    }
    {
        Case c{"strided: A, B, C state-major, out lag-major"};
        c.strided = true, c.ch = 7, c.nh = 6, c.lk = 300, c.init = Init::Random;
        cases.push_back(c);
    }
    for (const Case &c : cases) run_case(ctx, ctx1, c, rng, true);
    {
        Case c{"Lk 2^20, modes that barely decay (|Ā|^l >= 0.35)"};
        c.lk = 1 << 20, c.ch = 2, c.nh = 3, c.init = Init::Slow;
        run_case(ctx, ctx1, c, rng, false);
    }

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%s (%d failures)\n", pmx_test::failures == 0 ? "PASS" : "FAIL", pmx_test::failures);
    return pmx_test::failures == 0 ? 0 : 1;
}
