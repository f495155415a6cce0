#include "reference/attention_reference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace pmx::reference {

void attention_fwd(const attention::FwdReferenceProblem &p) {
    const int64_t group = p.heads / p.kv_heads;
    const int64_t d_len = p.head_dim;
    std::vector<double> scores;
    std::vector<double> acc(static_cast<size_t>(d_len));
    for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t nq = p.q_len(b), nk = p.k_len(b);
        scores.resize(static_cast<size_t>(nk));
        for (int64_t h = 0; h < p.heads; ++h) {
            const int64_t hk = h / group;
            for (int64_t i = 0; i < nq; ++i) {
                // Bottom-right aligned causal mask: key j visible iff j <= i + nk - nq.
                const int64_t visible = p.causal ? std::min(nk, std::max<int64_t>(0, i + nk - nq + 1)) : nk;
                const int64_t q_off = p.q_base(b) + i * p.q_sn + h * p.q_sh;
                double row_max = -std::numeric_limits<double>::infinity();
                for (int64_t j = 0; j < visible; ++j) {
                    const int64_t k_off = p.k_base(b) + j * p.k_sn + hk * p.k_sh;
                    double dot = 0;
                    for (int64_t d = 0; d < d_len; ++d)
                        dot += p.q.load(q_off + d * p.q_sd) * p.k.load(k_off + d * p.k_sd);
                    scores[j] = dot * static_cast<double>(p.scale);
                    row_max = std::max(row_max, scores[j]);
                }
                // IEEE all the way: std::max skips a NaN score, but its weight
                // exp(NaN - max) is NaN and so are sum, out and lse; a +inf score
                // gives exp(inf - inf) = NaN; all scores -inf give exp(NaN): NaN.
                double sum = 0;
                std::fill(acc.begin(), acc.end(), 0.0);
                for (int64_t j = 0; j < visible; ++j) {
                    const double w = std::exp(scores[j] - row_max);
                    sum += w;
                    const int64_t v_off = p.v_base(b) + j * p.v_sn + hk * p.v_sh;
                    for (int64_t d = 0; d < d_len; ++d) acc[d] += w * p.v.load(v_off + d * p.v_sd);
                }
                const int64_t o_off = p.o_base(b) + i * p.o_sn + h * p.o_sh;
                for (int64_t d = 0; d < d_len; ++d)
                    p.out.store(o_off + d * p.o_sd, visible > 0 ? acc[d] / sum : 0.0);
                if (p.lse.data != nullptr) {
                    const double lse = visible > 0 ? row_max + std::log(sum) : -std::numeric_limits<double>::infinity();
                    p.lse.store(p.lse_base(b) + h * p.l_sh + i * p.l_sn, lse);
                }
            }
        }
    }
}

}  // namespace pmx::reference
