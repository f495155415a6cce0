#include "reference/attention_reference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace pmx::reference {

namespace {

// Whether query i sees key j (panamax.h: causal, window, global tokens,
// block layout), with off = nk - nq.
struct Visible {
    const attention::FwdReferenceProblem &p;
    int64_t b, h, off;
    const uint8_t *lay = nullptr;

    bool global(int64_t x) const { return std::binary_search(p.global, p.global + p.n_global, int32_t(x)); }

    bool operator()(int64_t i, int64_t j) const {
        if (p.causal && j > i + off) return false;
        bool in_window = true;
        if (p.window) {
            if (p.window_left >= 0 && j < i + off - p.window_left) in_window = false;
            if (p.window_right >= 0 && j > i + off + p.window_right) in_window = false;
        }
        if (!in_window && !(p.n_global > 0 && (global(i) || global(j)))) return false;
        if (lay != nullptr && lay[(i / p.block_q) * p.lay_sq + (j / p.block_k) * p.lay_sk] == 0) return false;
        return true;
    }
};

}  // namespace

void attention_fwd(const attention::FwdReferenceProblem &p) {
    const int64_t group = p.heads / p.kv_heads;
    const int64_t d_len = p.head_dim;
    std::vector<double> scores;
    std::vector<char> seen;
    std::vector<double> acc(static_cast<size_t>(d_len));
    for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t nq = p.q_len(b), nk = p.k_len(b);
        scores.resize(static_cast<size_t>(nk));
        seen.resize(static_cast<size_t>(nk));
        for (int64_t h = 0; h < p.heads; ++h) {
            const int64_t hk = h / group;
            Visible visible{p, b, h, nk - nq};
            if (p.layout != nullptr) visible.lay = p.layout + p.outer(b) * p.lay_sb + h * p.lay_sh;
            const double slope = p.alibi != nullptr ? double(p.alibi[p.outer(b) * p.alibi_sb + h * p.alibi_sh]) : 0.0;
            for (int64_t i = 0; i < nq; ++i) {
                const int64_t q_off = p.q_base(b) + i * p.q_sn + h * p.q_sh;
                double row_max = -std::numeric_limits<double>::infinity();
                int64_t n_seen = 0;
                for (int64_t j = 0; j < nk; ++j) {
                    seen[j] = visible(i, j);
                    if (!seen[j]) continue;
                    ++n_seen;
                    const int64_t k_off = p.k_base(b) + j * p.k_sn + hk * p.k_sh;
                    double dot = 0;
                    for (int64_t d = 0; d < d_len; ++d)
                        dot += p.q.load(q_off + d * p.q_sd) * p.k.load(k_off + d * p.k_sd);
                    double s = dot * static_cast<double>(p.scale);
                    if (p.softcap > 0.f) s = double(p.softcap) * std::tanh(s / double(p.softcap));
                    s -= slope * std::fabs(double(i + nk - nq - j));
                    scores[j] = s;
                    row_max = std::max(row_max, s);
                }
                // IEEE all the way: std::max skips a NaN score, but its weight
                // exp(NaN - max) is NaN and so are sum, out and lse; a +inf score
                // gives exp(inf - inf) = NaN; all scores -inf give exp(NaN): NaN.
                double sum = 0;
                std::fill(acc.begin(), acc.end(), 0.0);
                for (int64_t j = 0; j < nk; ++j) {
                    if (!seen[j]) continue;
                    const double w = std::exp(scores[j] - row_max);
                    sum += w;
                    const int64_t v_off = p.v_base(b) + j * p.v_sn + hk * p.v_sh;
                    for (int64_t d = 0; d < d_len; ++d) acc[d] += w * p.v.load(v_off + d * p.v_sd);
                }
                const int64_t o_off = p.o_base(b) + i * p.o_sn + h * p.o_sh;
                for (int64_t d = 0; d < d_len; ++d)
                    p.out.store(o_off + d * p.o_sd, n_seen > 0 ? acc[d] / sum : 0.0);
                if (p.lse.data != nullptr) {
                    const double lse = n_seen > 0 ? row_max + std::log(sum) : -std::numeric_limits<double>::infinity();
                    p.lse.store(p.lse_base(b) + h * p.l_sh + i * p.l_sn, lse);
                }
            }
        }
    }
}

}  // namespace pmx::reference
