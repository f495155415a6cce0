#include "reference/s4d_kernel_reference.h"

#include <cmath>
#include <complex>
#include <vector>

namespace pmx::reference {
namespace {

// e^z - 1 without cancellation for small |z|: the real part as
// expm1(x)·cos y - 2·sin²(y/2).
std::complex<double> exp_minus_1(std::complex<double> z) {
    const double x = z.real(), y = z.imag(), h = std::sin(0.5 * y);
    return {std::expm1(x) * std::cos(y) - 2.0 * h * h, std::exp(x) * std::sin(y)};
}

}  // namespace

void s4d_kernel(const ssm::S4dReferenceProblem &p) {
    using cd = std::complex<double>;
    const int64_t N = p.nstate;
    std::vector<cd> dA(static_cast<size_t>(N)), w(static_cast<size_t>(N));
    for (int64_t c = 0; c < p.channels; ++c) {
        const double dt = std::exp(p.dt_data.load(c * p.dt_s));
        for (int64_t n = 0; n < N; ++n) {
            const int64_t ia = p.a.at(c, n), ib = p.b.at(c, n), ic = p.c.at(c, n);
            const cd a(p.a_data.load(ia), p.a_data.load(ia + p.a.part));
            const cd b(p.b_data.load(ib), p.b_data.load(ib + p.b.part));
            const cd cc(p.c_data.load(ic), p.c_data.load(ic + p.c.part));
            dA[size_t(n)] = dt * a;
            const cd bbar = a == cd(0.0, 0.0) ? dt * b : exp_minus_1(dt * a) / a * b;
            w[size_t(n)] = 2.0 * cc * bbar;
        }
        for (int64_t l = 0; l < p.klen; ++l) {
            double k = 0.0;
            for (int64_t n = 0; n < N; ++n) k += (w[size_t(n)] * std::exp(double(l) * dA[size_t(n)])).real();
            p.k_data.store(c * p.k_sc + l * p.k_sl, k);
        }
    }
}

}  // namespace pmx::reference
