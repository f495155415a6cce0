// The attention a user writes first: S = QKᵀ materialised in full, softmax by
// rows, then S·V. Plain loops the compiler may vectorise; O(Nq·Nk) memory.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "reference/attention_reference.h"

namespace pmx::reference {
namespace {

int64_t max_tile(const attention::FwdProblem &p) {
    int64_t best = 0;
    for (int64_t b = 0; b < p.batch; ++b) best = std::max(best, p.q_len(b) * p.k_len(b));
    return best;
}

}  // namespace

int64_t naive_workspace_bytes(const attention::FwdProblem &p, int threads) {
    const int64_t per_thread = (max_tile(p) * static_cast<int64_t>(sizeof(float)) + 63) / 64 * 64;
    return per_thread * threads;
}

void attention_fwd_naive(const attention::FwdProblem &p, void *workspace, int threads) {
    const int64_t per_thread = naive_workspace_bytes(p, 1);
    const int64_t group = p.heads / p.kv_heads;
    const int64_t items = p.batch * p.heads;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t item = 0; item < items; ++item) {
        const int64_t b = item / p.heads, h = item % p.heads, hk = h / group;
        const int64_t nq = p.q_len(b), nk = p.k_len(b), dl = p.head_dim;
        float *s = reinterpret_cast<float *>(static_cast<char *>(workspace) + omp_get_thread_num() * per_thread);
        const float *q = p.q + p.q_base(b) + h * p.q_sh;
        const float *k = p.k + p.k_base(b) + hk * p.k_sh;
        const float *v = p.v + p.v_base(b) + hk * p.v_sh;
        float *o = p.out + p.o_base(b) + h * p.o_sh;
        for (int64_t i = 0; i < nq; ++i)
            for (int64_t j = 0; j < nk; ++j) {
                float dot = 0.f;
                for (int64_t d = 0; d < dl; ++d) dot += q[i * p.q_sn + d * p.q_sd] * k[j * p.k_sn + d * p.k_sd];
                const bool masked = p.causal && j > i + nk - nq;
                s[i * nk + j] = masked ? -std::numeric_limits<float>::infinity() : dot * p.scale;
            }
        for (int64_t i = 0; i < nq; ++i) {
            float *row = s + i * nk;
            float m = -std::numeric_limits<float>::infinity();
            for (int64_t j = 0; j < nk; ++j) m = std::max(m, row[j]);
            float sum = 0.f;
            for (int64_t j = 0; j < nk; ++j) {
                row[j] = m == -std::numeric_limits<float>::infinity() ? 0.f : std::exp(row[j] - m);
                sum += row[j];
            }
            const float inv = sum > 0.f ? 1.f / sum : 0.f;
            for (int64_t d = 0; d < dl; ++d) o[i * p.o_sn + d * p.o_sd] = 0.f;
            for (int64_t j = 0; j < nk; ++j) {
                const float w = row[j] * inv;
                for (int64_t d = 0; d < dl; ++d) o[i * p.o_sn + d * p.o_sd] += w * v[j * p.v_sn + d * p.v_sd];
            }
            if (p.lse != nullptr)
                p.lse[p.lse_base(b) + h * p.l_sh + i * p.l_sn] =
                    sum > 0.f ? m + std::log(sum) : -std::numeric_limits<float>::infinity();
        }
    }
}

}  // namespace pmx::reference
