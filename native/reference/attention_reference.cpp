#include "reference/attention_reference.h"

#include <algorithm>
#include <utility>
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
    int64_t lay_sq = 0, lay_sk = 0;

    bool global(int64_t x) const { return std::binary_search(p.global, p.global + p.n_global, int32_t(x)); }

    bool operator()(int64_t i, int64_t j) const {
        if (p.causal && j > i + off) return false;
        bool in_window = true;
        if (p.window) {
            if (p.window_left >= 0 && j < i + off - p.window_left) in_window = false;
            if (p.window_right >= 0 && j > i + off + p.window_right) in_window = false;
        }
        if (!in_window && !(p.n_global > 0 && (global(i) || global(j)))) return false;
        if (lay != nullptr && lay[(i / p.block_q) * lay_sq + (j / p.block_k) * lay_sk] == 0) return false;
        return true;
    }
};

// Row `pos` of x (D values) rotated by the problem's RoPE in float64 (the
// closed form: angle = (pos + offset)·inv_freq[i], cos and sin times the
// attention factor); unchanged when RoPE is off.
void rope_in_place(const rope::RopeSpec &r, int64_t pos, double *x, int64_t d) {
    if (!r.enabled) return;
    const int64_t half = r.rotary_dim / 2;
    for (int64_t i = 0; i < half; ++i) {
        const double angle = double(pos + r.offset) * r.inv_freq[i];
        const double c = std::cos(angle) * r.attention_factor, s = std::sin(angle) * r.attention_factor;
        const int64_t a = r.interleaved ? 2 * i : i, b = r.interleaved ? 2 * i + 1 : i + half;
        const double xa = x[a], xb = x[b];
        x[a] = xa * c - xb * s;
        x[b] = xb * c + xa * s;
    }
}

// The top-k selection in float64 (panamax.h): per query block, the local
// key block plus the k best other eligible ones by mean(q block) ·
// mean(k block), ties to the lower index, NaN last. Writes [nbq][nbk].
void select_topk(const attention::FwdReferenceProblem &p, const std::vector<double> &qh,
                 const std::vector<double> &kh, int64_t nq, int64_t nk, std::vector<uint8_t> &lay) {
    const int64_t d_len = p.head_dim, bq = p.block_q, bk = p.block_k, off = nk - nq;
    lay.assign(size_t(p.nbq * p.nbk), 0);
    const int64_t nbk = (nk + bk - 1) / bk;
    std::vector<double> kmean(size_t(nbk * d_len), 0.0);
    for (int64_t kb = 0; kb < nbk; ++kb) {
        const int64_t j1 = std::min(nk, (kb + 1) * bk);
        for (int64_t j = kb * bk; j < j1; ++j)
            for (int64_t d = 0; d < d_len; ++d) kmean[size_t(kb * d_len + d)] += kh[size_t(j * d_len + d)];
        for (int64_t d = 0; d < d_len; ++d) kmean[size_t(kb * d_len + d)] /= double(j1 - kb * bk);
    }
    for (int64_t qb = 0; qb * bq < nq; ++qb) {
        const int64_t i1 = std::min(nq, (qb + 1) * bq), last = i1 - 1 + off;
        std::vector<double> qmean(size_t(d_len), 0.0);
        for (int64_t i = qb * bq; i < i1; ++i)
            for (int64_t d = 0; d < d_len; ++d) qmean[size_t(d)] += qh[size_t(i * d_len + d)];
        for (double &x : qmean) x /= double(i1 - qb * bq);
        const int64_t local = last >= 0 ? last / bk : -1;
        std::vector<std::pair<double, int64_t>> ranked;
        for (int64_t kb = 0; kb < nbk; ++kb) {
            if (kb == local || (p.causal && kb * bk > last)) continue;
            double s = 0;
            for (int64_t d = 0; d < d_len; ++d) s += qmean[size_t(d)] * kmean[size_t(kb * d_len + d)];
            ranked.push_back({std::isnan(s) ? -std::numeric_limits<double>::infinity() : s, kb});
        }
        std::stable_sort(ranked.begin(), ranked.end(), [](const auto &x, const auto &y) { return x.first > y.first; });
        if (local >= 0) lay[size_t(qb * p.nbk + local)] = 1;
        for (size_t r = 0; r < ranked.size() && int64_t(r) < p.topk; ++r) lay[size_t(qb * p.nbk + ranked[r].second)] = 1;
    }
}

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
            // q and k rows of this head in float64, rotated when RoPE is on.
            std::vector<double> qh(size_t(nq * d_len)), kh(size_t(nk * d_len));
            for (int64_t i = 0; i < nq; ++i) {
                for (int64_t d = 0; d < d_len; ++d)
                    qh[size_t(i * d_len + d)] = p.q.load(p.q_base(b) + i * p.q_sn + h * p.q_sh + d * p.q_sd);
                rope_in_place(p.rope, i + nk - nq, &qh[size_t(i * d_len)], d_len);
            }
            for (int64_t j = 0; j < nk; ++j) {
                for (int64_t d = 0; d < d_len; ++d)
                    kh[size_t(j * d_len + d)] = p.k.load(p.k_base(b) + j * p.k_sn + hk * p.k_sh + d * p.k_sd);
                rope_in_place(p.rope, j, &kh[size_t(j * d_len)], d_len);
            }
            Visible visible{p, b, h, nk - nq};
            if (p.layout != nullptr) {
                visible.lay = p.layout + p.outer(b) * p.lay_sb + h * p.lay_sh;
                visible.lay_sq = p.lay_sq;
                visible.lay_sk = p.lay_sk;
            }
            std::vector<uint8_t> selected;
            if (p.topk > 0) {
                // Scored on q and k as given (before RoPE).
                std::vector<double> q_in(qh.size()), k_in(kh.size());
                for (int64_t i = 0; i < nq; ++i)
                    for (int64_t d = 0; d < d_len; ++d)
                        q_in[size_t(i * d_len + d)] = p.q.load(p.q_base(b) + i * p.q_sn + h * p.q_sh + d * p.q_sd);
                for (int64_t j = 0; j < nk; ++j)
                    for (int64_t d = 0; d < d_len; ++d)
                        k_in[size_t(j * d_len + d)] = p.k.load(p.k_base(b) + j * p.k_sn + hk * p.k_sh + d * p.k_sd);
                select_topk(p, q_in, k_in, nq, nk, selected);
                visible.lay = selected.data();
                visible.lay_sq = p.nbk;
                visible.lay_sk = 1;
                if (p.layout_out != nullptr)
                    for (int64_t qb = 0; qb < p.nbq; ++qb)
                        for (int64_t kb = 0; kb < p.nbk; ++kb)
                            p.layout_out[b * p.out_sb + h * p.out_sh + qb * p.out_sq + kb * p.out_sk] =
                                selected[size_t(qb * p.nbk + kb)];
            }
            const double slope = p.alibi != nullptr ? double(p.alibi[p.outer(b) * p.alibi_sb + h * p.alibi_sh]) : 0.0;
            for (int64_t i = 0; i < nq; ++i) {
                double row_max = -std::numeric_limits<double>::infinity();
                int64_t n_seen = 0;
                for (int64_t j = 0; j < nk; ++j) {
                    seen[j] = visible(i, j);
                    if (!seen[j]) continue;
                    ++n_seen;
                    double dot = 0;
                    for (int64_t d = 0; d < d_len; ++d) dot += qh[size_t(i * d_len + d)] * kh[size_t(j * d_len + d)];
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
