#include "baseline/scan_sequential.h"

#include <cmath>
#include <vector>

namespace pmx::baseline {

void selective_scan_sequential(const ssm::ScanProblem &p) {
    std::vector<float> s(size_t(p.ns));
    const int64_t cpg = p.channels_per_group();
    for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t row0 = p.first_row(b), len = p.length(b), bb = p.varlen ? 0 : b;
        for (int64_t d = 0; d < p.dm; ++d) {
            const int64_t g = d / cpg;
            for (int64_t n = 0; n < p.ns; ++n)
                s[size_t(n)] = p.has_state_in ? p.state_in_data[p.state_in.at(b, d, n)] : 0.f;
            const float bias = p.has_bias ? p.bias_data[d * p.bias_s] : 0.f;
            for (int64_t t = row0; t < row0 + len; ++t) {
                float dt = p.delta_data[p.delta.at(bb, t, d)] + bias;
                if (p.softplus) dt = dt > 20.f ? dt : std::log1p(std::exp(dt));
                const float u = p.u_data[p.u.at(bb, t, d)];
                float y = 0.f;
                for (int64_t n = 0; n < p.ns; ++n) {
                    s[size_t(n)] = std::exp(dt * p.a_data[d * p.a_sd + n * p.a_sn]) * s[size_t(n)] +
                                   dt * p.b_data[p.bm.at(bb, t, g, n)] * u;
                    y += p.c_data[p.cm.at(bb, t, g, n)] * s[size_t(n)];
                }
                if (p.has_d) y += p.d_data[d * p.d_s] * u;
                if (p.has_z) {
                    const float z = p.z_data[p.z.at(bb, t, d)];
                    y *= z / (1.f + std::exp(-z));
                }
                p.out_data[p.out.at(bb, t, d)] = y;
            }
            if (p.has_state_out)
                for (int64_t n = 0; n < p.ns; ++n) p.state_out_data[p.state_out.at(b, d, n)] = s[size_t(n)];
        }
    }
}

}  // namespace pmx::baseline
