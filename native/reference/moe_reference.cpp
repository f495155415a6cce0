#include "reference/moe_reference.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/status.h"

namespace pmx::reference {
namespace {

double activate(double a, int32_t kind) {
    switch (kind) {
        case PMX_MOE_SILU: return a / (1.0 + std::exp(-a));
        case PMX_MOE_GELU: return 0.5 * a * (1.0 + std::erf(a / std::sqrt(2.0)));
        case PMX_MOE_GELU_TANH:
            return 0.5 * a * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (a + 0.044715 * a * a * a)));
        default: return a > 0 ? a : (a == a ? 0.0 : a);
    }
}

}  // namespace

void moe(const moe::MoeProblem &p) {
    const moe::RouterProblem &r = p.router;
    const moe::ExpertsProblem &x = p.experts;
    const int64_t T = r.tokens, E = r.experts, K = r.k, d = r.dmodel, h = x.hidden;

    std::vector<double> logits(size_t(T * E));
    for (int64_t t = 0; t < T; ++t)
        for (int64_t e = 0; e < E; ++e) {
            double v = 0;
            if (r.computed)
                for (int64_t j = 0; j < d; ++j) v += r.x.load(r.x.off(t, j)) * r.gate_weight.load(r.gate_weight.off(j, e));
            else v = r.logits.load(r.logits.off(t, e));
            logits[size_t(t * E + e)] = v;
        }
    for (int64_t t = 0; t < T; ++t)
        for (int64_t e = 0; e < E; ++e) {
            double &v = logits[size_t(t * E + e)];
            if (r.noise_std > 0) v += r.noise_std * moe::router_noise(r.noise_seed, t, e, E);
            if (!std::isfinite(v))
                fail(PMX_STATUS_INVALID_ARGUMENT, "%s: token %lld has a non-finite logit",
                     r.computed ? "x·gate_weight" : "logits", (long long)t);
        }
    if (r.computed && r.logits.present())
        for (int64_t t = 0; t < T; ++t)
            for (int64_t e = 0; e < E; ++e) {
                double v = 0;
                for (int64_t j = 0; j < d; ++j) v += r.x.load(r.x.off(t, j)) * r.gate_weight.load(r.gate_weight.off(j, e));
                r.logits.store(r.logits.off(t, e), v);
            }

    std::vector<double> scores(size_t(T * E)), weights(size_t(T * K));
    std::vector<int32_t> idx(size_t(T * K));
    double z = 0;
    std::vector<double> mean(size_t(E), 0.0);
    for (int64_t t = 0; t < T; ++t) {
        const double *l = &logits[size_t(t * E)];
        double *s = &scores[size_t(t * E)];
        const double m = *std::max_element(l, l + E);
        double sum = 0;
        for (int64_t e = 0; e < E; ++e) sum += std::exp(l[e] - m);
        const double lse = m + std::log(sum);
        z += lse * lse;
        for (int64_t e = 0; e < E; ++e) {
            s[e] = r.scoring == PMX_MOE_SOFTMAX ? std::exp(l[e] - lse) : 1.0 / (1.0 + std::exp(-l[e]));
            mean[size_t(e)] += s[e];
        }
        std::vector<int32_t> order(static_cast<size_t>(E));
        for (int32_t e = 0; e < E; ++e) order[size_t(e)] = e;
        std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return s[a] > s[b]; });
        double ksum = 0;
        for (int64_t j = 0; j < K; ++j) ksum += s[order[size_t(j)]];
        for (int64_t j = 0; j < K; ++j) {
            idx[size_t(t * K + j)] = order[size_t(j)];
            weights[size_t(t * K + j)] = r.renormalize ? s[order[size_t(j)]] / ksum : s[order[size_t(j)]];
        }
    }

    std::vector<int64_t> load(size_t(E), 0), kept(size_t(E), 0);
    std::vector<uint8_t> dropped(size_t(T * K), 0);
    const int64_t cap = r.capacity();
    for (int64_t t = 0; t < T; ++t)
        for (int64_t j = 0; j < K; ++j) {
            const int32_t e = idx[size_t(t * K + j)];
            ++load[size_t(e)];
            if (kept[size_t(e)] >= cap) dropped[size_t(t * K + j)] = 1;
            else ++kept[size_t(e)];
        }
    double aux = 0;
    if (T > 0) {
        for (int64_t e = 0; e < E; ++e) aux += double(load[size_t(e)]) / double(T * K) * (mean[size_t(e)] / double(T));
        aux *= double(E);
        z /= double(T);
    }

    for (int64_t t = 0; t < T; ++t)
        for (int64_t j = 0; j < K; ++j) {
            const size_t i = size_t(t * K + j);
            if (r.indices.present()) r.indices.i32()[r.indices.off(t, j)] = idx[i];
            if (r.weights.present()) r.weights.store(r.weights.off(t, j), weights[i]);
            if (r.dropped.present()) r.dropped.u8()[r.dropped.off(t, j)] = dropped[i];
        }
    if (r.counts.present())
        for (int64_t e = 0; e < E; ++e) r.counts.i32()[r.counts.off(e)] = int32_t(load[size_t(e)]);
    if (r.aux_loss.present()) r.aux_loss.store(0, aux);
    if (r.z_loss.present()) r.z_loss.store(0, z);

    std::vector<double> a(static_cast<size_t>(h)), out(static_cast<size_t>(d));
    for (int64_t t = 0; t < T; ++t) {
        std::fill(out.begin(), out.end(), 0.0);
        for (int64_t j = 0; j < K; ++j) {
            const size_t i = size_t(t * K + j);
            if (dropped[i]) continue;
            const int64_t e = idx[i];
            for (int64_t c = 0; c < h; ++c) {
                double v = x.b1.present() ? x.b1.load(x.b1.off(e, c)) : 0.0, g = x.b3.present() ? x.b3.load(x.b3.off(e, c)) : 0.0;
                for (int64_t q = 0; q < d; ++q) {
                    const double xv = r.x.load(r.x.off(t, q));
                    v += xv * x.w1.load(x.w1.off(e, q, c));
                    if (x.gated) g += xv * x.w3.load(x.w3.off(e, q, c));
                }
                a[size_t(c)] = x.gated ? activate(v, x.activation) * g : activate(v, x.activation);
            }
            for (int64_t q = 0; q < d; ++q) {
                double v = x.b2.present() ? x.b2.load(x.b2.off(e, q)) : 0.0;
                for (int64_t c = 0; c < h; ++c) v += a[size_t(c)] * x.w2.load(x.w2.off(e, c, q));
                out[size_t(q)] += weights[i] * v;
            }
        }
        for (int64_t q = 0; q < d; ++q) p.out.store(p.out.off(t, q), out[size_t(q)]);
    }
}

}  // namespace pmx::reference
