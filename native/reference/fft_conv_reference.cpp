#include "reference/fft_conv_reference.h"

#include <vector>

namespace pmx::reference {

void fft_conv(const ssm::FftConvReferenceProblem &p) {
    const int64_t taps = p.taps();
    std::vector<double> k(size_t(taps > 0 ? taps : 1)), u(size_t(p.seq > 0 ? p.seq : 1));
    for (int64_t c = 0; c < p.channels; ++c) {
        for (int64_t j = 0; j < taps; ++j) k[size_t(j)] = p.k_data.load(c * p.k_sc + j * p.k_sl);
        const double d = p.has_d ? p.d_data.load(c * p.d_s) : 0.0;
        for (int64_t b = 0; b < p.batch; ++b) {
            for (int64_t t = 0; t < p.seq; ++t) u[size_t(t)] = p.u_data.load(p.u.at(b, t, c));
            for (int64_t t = 0; t < p.seq; ++t) {
                double y = d * u[size_t(t)];
                const int64_t jend = t + 1 < taps ? t + 1 : taps;
                for (int64_t j = 0; j < jend; ++j) y += k[size_t(j)] * u[size_t(t - j)];
                p.out_data.store(p.out.at(b, t, c), y);
            }
        }
    }
}

}  // namespace pmx::reference
