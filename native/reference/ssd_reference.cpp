#include "reference/ssd_reference.h"

#include <cmath>
#include <vector>

namespace pmx::reference {

namespace {

double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

}  // namespace

void ssd(const ssm::SsdReferenceProblem &p) {
    const int64_t P = p.hdim, N = p.nstate, hpg = p.heads_per_group();
    std::vector<double> s(size_t(P * N));
    for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t row0 = p.first_row(b), len = p.length(b);
        const int64_t bb = p.varlen ? 0 : b;
        for (int64_t h = 0; h < p.heads; ++h) {
            const int64_t g = h / hpg;
            for (int64_t i = 0; i < P; ++i)
                for (int64_t n = 0; n < N; ++n)
                    s[size_t(i * N + n)] = p.has_state_in ? p.state_in_data.load(p.state_in.at(b, h, i, n)) : 0.0;
            const double a = p.a_data.load(h * p.a_s);
            const double bias = p.has_bias ? p.bias_data.load(h * p.bias_s) : 0.0;
            const double dcoef = p.has_d ? p.d_data.load(h * p.d_s) : 0.0;
            for (int64_t t = row0; t < row0 + len; ++t) {
                double dt = p.dt_data.load(p.dt.at(bb, t, h)) + bias;
                if (p.softplus) dt = softplus(dt);
                const double decay = std::exp(dt * a);
                for (int64_t i = 0; i < P; ++i) {
                    const double xv = p.x_data.load(p.x.at(bb, t, h, i));
                    double y = 0.0;
                    for (int64_t n = 0; n < N; ++n) {
                        double &sv = s[size_t(i * N + n)];
                        sv = decay * sv + dt * xv * p.b_data.load(p.bm.at(bb, t, g, n));
                        y += sv * p.c_data.load(p.cm.at(bb, t, g, n));
                    }
                    p.out_data.store(p.out.at(bb, t, h, i), y + dcoef * xv);
                }
            }
            if (p.has_state_out)
                for (int64_t i = 0; i < P; ++i)
                    for (int64_t n = 0; n < N; ++n)
                        p.state_out_data.store(p.state_out.at(b, h, i, n), s[size_t(i * N + n)]);
        }
    }
}

}  // namespace pmx::reference
