#include "reference/rope_reference.h"

#include <cmath>

namespace pmx::reference {

void rope(const rope::RopeReferenceProblem &p) {
    const rope::RopeSpec &s = p.spec;
    const int64_t half = s.rotary_dim / 2;
    for (int64_t b = 0; b < p.batch; ++b) {
        for (int64_t n = 0; n < p.seq; ++n) {
            const double pos = double(p.position(b, n) + s.offset);
            for (int64_t h = 0; h < p.heads; ++h) {
                const int64_t xo = b * p.x_sb + n * p.x_sn + h * p.x_sh;
                const int64_t oo = b * p.o_sb + n * p.o_sn + h * p.o_sh;
                for (int64_t i = 0; i < half; ++i) {
                    const int64_t ia = s.interleaved ? 2 * i : i, ib = s.interleaved ? 2 * i + 1 : i + half;
                    const double angle = pos * s.inv_freq[i];
                    const double c = std::cos(angle) * s.attention_factor, sn = std::sin(angle) * s.attention_factor;
                    const double xa = p.x.load(xo + ia * p.x_sd), xb = p.x.load(xo + ib * p.x_sd);
                    p.out.store(oo + ia * p.o_sd, xa * c - xb * sn);
                    p.out.store(oo + ib * p.o_sd, xb * c + xa * sn);
                }
                for (int64_t d = s.rotary_dim; d < p.head_dim; ++d)
                    p.out.store(oo + d * p.o_sd, p.x.load(xo + d * p.x_sd));
            }
        }
    }
}

}  // namespace pmx::reference
