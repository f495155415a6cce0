#include "reference/selective_scan_reference.h"

#include <cmath>
#include <vector>

namespace pmx::reference {

namespace {

double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

}  // namespace

void selective_scan(const ssm::ScanReferenceProblem &p) {
    std::vector<double> s(size_t(p.ns));
    const int64_t cpg = p.channels_per_group();
    for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t row0 = p.first_row(b), len = p.length(b);
        const int64_t bb = p.varlen ? 0 : b;
        for (int64_t d = 0; d < p.dm; ++d) {
            const int64_t g = d / cpg;
            for (int64_t n = 0; n < p.ns; ++n)
                s[size_t(n)] = p.has_state_in ? p.state_in_data.load(p.state_in.at(b, d, n)) : 0.0;
            const double bias = p.has_bias ? p.bias_data.load(d * p.bias_s) : 0.0;
            for (int64_t t = row0; t < row0 + len; ++t) {
                double dt = p.delta_data.load(p.delta.at(bb, t, d)) + bias;
                if (p.softplus) dt = softplus(dt);
                const double u = p.u_data.load(p.u.at(bb, t, d));
                double y = 0.0;
                for (int64_t n = 0; n < p.ns; ++n) {
                    const double a = p.a_data.load(d * p.a_sd + n * p.a_sn);
                    const double bn = p.b_data.load(p.bm.at(bb, t, g, n));
                    const double cn = p.c_data.load(p.cm.at(bb, t, g, n));
                    s[size_t(n)] = std::exp(dt * a) * s[size_t(n)] + dt * bn * u;
                    y += cn * s[size_t(n)];
                }
                if (p.has_d) y += p.d_data.load(d * p.d_s) * u;
                if (p.has_z) {
                    const double z = p.z_data.load(p.z.at(bb, t, d));
                    y *= z / (1.0 + std::exp(-z));
                }
                p.out_data.store(p.out.at(bb, t, d), y);
            }
            if (p.has_state_out)
                for (int64_t n = 0; n < p.ns; ++n) p.state_out_data.store(p.state_out.at(b, d, n), s[size_t(n)]);
        }
    }
}

}  // namespace pmx::reference
