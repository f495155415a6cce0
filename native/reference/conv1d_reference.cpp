#include "reference/conv1d_reference.h"

#include <cmath>

namespace pmx::reference {
namespace {

// Input of sequence b at position pos (< its length), channel c: x, or
// state_in (oldest first) before the start, or 0 when it is absent.
double input_at(const ssm::Conv1dReferenceProblem &p, int64_t b, int64_t pos, int64_t c) {
    if (pos >= 0) return p.x.load(p.x_offset(b, pos) + c * p.x_sc);
    if (!p.has_state_in) return 0.0;
    return p.state_in.load(b * p.si_sb + c * p.si_sc + (p.width - 1 + pos) * p.si_sk);
}

}  // namespace

void causal_conv1d(const ssm::Conv1dReferenceProblem &p) {
    const int64_t w = p.width;
    for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t len = p.length(b);
        for (int64_t c = 0; c < p.channels; ++c) {
            const double bias = p.has_bias ? p.bias.load(c * p.bias_sc) : 0.0;
            for (int64_t t = 0; t < len; ++t) {
                double acc = bias;
                for (int64_t k = 0; k < w; ++k)
                    acc += p.weight.load(c * p.w_sc + k * p.w_sk) * input_at(p, b, t - w + 1 + k, c);
                if (p.silu) acc = acc / (1.0 + std::exp(-acc));
                p.out.store(p.out_offset(b, t) + c * p.o_sc, acc);
            }
            if (p.has_state_out)
                for (int64_t j = 0; j < w - 1; ++j)
                    p.state_out.store(b * p.so_sb + c * p.so_sc + j * p.so_sk, input_at(p, b, len - (w - 1) + j, c));
        }
    }
}

}  // namespace pmx::reference
