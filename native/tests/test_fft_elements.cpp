// The S4 convolution's own FFT (ssm/fft_elem.h: 16 channels per transform,
// one per lane) on the ISA path this process runs, against a float64 FFT
// for M = 1 .. 2^16 points, forward and inverse, every lane of every
// element; the float64 FFT is itself checked against the plain DFT for
// M <= 256. The element transform is hidden in libpanamax, so this test
// compiles the per-ISA sources in (native/tests/CMakeLists.txt).
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "panamax/panamax.h"
#include "ssm/fft_conv_isa.h"
#include "ssm/fft_plan.h"
#include "test_support.h"

namespace {

using cd = std::complex<double>;
using pmx::ssm::fft::kElem;
using pmx::ssm::fft::kLanes;

// Recursive radix-2 in float64, sign -1 forward.
void fft64(std::vector<cd> &a, bool inverse) {
    const size_t n = a.size();
    if (n == 1) return;
    std::vector<cd> even(n / 2), odd(n / 2);
    for (size_t i = 0; i < n / 2; ++i) even[i] = a[2 * i], odd[i] = a[2 * i + 1];
    fft64(even, inverse);
    fft64(odd, inverse);
    const double s = inverse ? 2.0 : -2.0;
    for (size_t k = 0; k < n / 2; ++k) {
        const cd w = std::polar(1.0, s * M_PI * double(k) / double(n)) * odd[k];
        a[k] = even[k] + w;
        a[k + n / 2] = even[k] - w;
    }
}

std::vector<cd> dft64(const std::vector<cd> &a) {
    const size_t n = a.size();
    std::vector<cd> y(n);
    for (size_t k = 0; k < n; ++k)
        for (size_t m = 0; m < n; ++m) y[k] += a[m] * std::polar(1.0, -2.0 * M_PI * double((k * m) % n) / double(n));
    return y;
}

pmx::ssm::ElementFftFn fn_for_isa(int32_t isa) {
    if (isa == PMX_ISA_AVX512) return &pmx::ssm::element_fft_avx512;
    if (isa == PMX_ISA_AVX2) return &pmx::ssm::element_fft_avx2;
    return &pmx::ssm::element_fft_portable;
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    int32_t isa = 0;
    pmx_cpu_isa(&isa);
    const pmx::ssm::ElementFftFn fft = fn_for_isa(isa);
    std::mt19937_64 rng(7);

    // The float64 FFT this test trusts, against the DFT.
    for (size_t n = 1; n <= 256; n *= 2) {
        std::vector<cd> a(n);
        for (cd &v : a) v = cd(std::uniform_real_distribution<double>(-1, 1)(rng), 0.5);
        std::vector<cd> f = a;
        fft64(f, false);
        const std::vector<cd> d = dft64(a);
        double err = 0;
        for (size_t k = 0; k < n; ++k) err = std::max(err, std::abs(f[k] - d[k]));
        pmx_test::expect(err < 1e-12 * double(n), "float64 FFT against the DFT, n = " + std::to_string(n));
    }

    for (int lg = 0; lg <= 16; ++lg) {
        const int64_t M = int64_t(1) << lg;
        std::vector<float, pmx_test::AlignedAllocator<float>> x(size_t(M * kElem)), y(x.size()), tw(size_t(2 * M));
        for (int64_t k = 0; k < M; ++k) {
            tw[size_t(2 * k)] = float(std::cos(-2.0 * M_PI * double(k) / double(M)));
            tw[size_t(2 * k + 1)] = float(std::sin(-2.0 * M_PI * double(k) / double(M)));
        }
        const std::vector<float> in = pmx_test::random_floats(x.size(), rng);
        for (bool inverse : {false, true}) {
            std::copy(in.begin(), in.end(), x.begin());
            fft(x.data(), y.data(), M, tw.data(), inverse);
            // Error relative to the RMS of the exact result, worst over lanes:
            // about log2(M)·2^-24 for a float FFT with float64 twiddles.
            double worst = 0;
            for (int64_t lane = 0; lane < kLanes; ++lane) {
                std::vector<cd> a(static_cast<size_t>(M));
                for (int64_t m = 0; m < M; ++m) a[size_t(m)] = cd(in[size_t(m * kElem + lane)], in[size_t(m * kElem + kLanes + lane)]);
                fft64(a, inverse);
                double rms = 0, err = 0;
                for (int64_t k = 0; k < M; ++k) {
                    rms += std::norm(a[size_t(k)]);
                    const cd got(x[size_t(k * kElem + lane)], x[size_t(k * kElem + kLanes + lane)]);
                    err = std::max(err, std::abs(got - a[size_t(k)]));
                }
                worst = std::max(worst, err / std::sqrt(rms / double(M)));
            }
            const double bound = 2e-7 * (lg + 1);
            std::printf("M = 2^%-2d %-7s worst error %.2e of the RMS (bound %.1e)\n", lg, inverse ? "inverse" : "forward",
                        worst, bound);
            pmx_test::expect(worst <= bound, "element FFT M = 2^" + std::to_string(lg) + (inverse ? " inverse" : " forward"));
        }
    }
    std::printf("%s (%d failures)\n", pmx_test::failures == 0 ? "PASS" : "FAIL", pmx_test::failures);
    return pmx_test::failures == 0 ? 0 : 1;
}
