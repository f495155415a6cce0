#include "reference/linear_reference.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "panamax/panamax.h"

namespace pmx::reference {

namespace {

// φ of one query or key row (Dk elements at `x` with stride `xs`) into
// phi[F], in float64 from the closed forms of panamax.h. FAVOR+ without a
// stabiliser: the test inputs keep every feature within double's range.
void features(const linear::LinearReferenceProblem &p, ConstTypedData x, int64_t off, int64_t xs,
              std::vector<double> &xd, std::vector<double> &phi) {
    const int64_t dk = p.dk;
    for (int64_t i = 0; i < dk; ++i) xd[size_t(i)] = x.load(off + i * xs);
    switch (p.feature_map) {
    case PMX_FEATURE_ELU1:
        for (int64_t i = 0; i < dk; ++i) phi[size_t(i)] = xd[size_t(i)] > 0 ? xd[size_t(i)] + 1.0 : std::exp(xd[size_t(i)]);
        break;
    case PMX_FEATURE_RELU:
        for (int64_t i = 0; i < dk; ++i) phi[size_t(i)] = std::max(xd[size_t(i)], 0.0);
        break;
    case PMX_FEATURE_IDENTITY:
        for (int64_t i = 0; i < dk; ++i) phi[size_t(i)] = xd[size_t(i)];
        break;
    case PMX_FEATURE_FAVOR: {
        const double scale = std::pow(double(dk), -0.25);
        double sq = 0.0;
        for (int64_t i = 0; i < dk; ++i) {
            xd[size_t(i)] *= scale;
            sq += xd[size_t(i)] * xd[size_t(i)];
        }
        const double inv_sqrt_m = 1.0 / std::sqrt(double(p.features));
        for (int64_t r = 0; r < p.features; ++r) {
            double wx = 0.0;
            for (int64_t i = 0; i < dk; ++i) wx += p.w_data.load(r * p.w_r + i * p.w_c) * xd[size_t(i)];
            phi[size_t(r)] = std::exp(wx - 0.5 * sq) * inv_sqrt_m;
        }
        break;
    }
    default:
        break;
    }
}

}  // namespace

void linear_attention(const linear::LinearReferenceProblem &p) {
    const int64_t F = p.features, Dv = p.dv, N = p.seq, group = p.group();
    std::vector<double> s(static_cast<size_t>(F * Dv)), z(static_cast<size_t>(F)), phi(static_cast<size_t>(F)),
        xd(static_cast<size_t>(p.dk)), v(static_cast<size_t>(Dv));

    // out[b, t, h] for every query head h of kv head g, from the current S, Z.
    auto emit = [&](int64_t b, int64_t t, int64_t g) {
        for (int64_t h = g * group; h < (g + 1) * group; ++h) {
            features(p, p.q_data, p.q.at(b, t, h, 0), p.q.d, xd, phi);
            double den = 1.0;
            if (p.normalize) {
                den = p.eps;
                for (int64_t f = 0; f < F; ++f) den += phi[size_t(f)] * z[size_t(f)];
            }
            for (int64_t j = 0; j < Dv; ++j) {
                double num = 0.0;
                for (int64_t f = 0; f < F; ++f) num += phi[size_t(f)] * s[size_t(f * Dv + j)];
                p.out_data.store(p.out.at(b, t, h, j), p.normalize ? num / den : num);
            }
        }
    };
    // S += φ(k_t) v_tᵀ, Z += φ(k_t).
    auto add_key = [&](int64_t b, int64_t t, int64_t g) {
        features(p, p.k_data, p.k.at(b, t, g, 0), p.k.d, xd, phi);
        for (int64_t j = 0; j < Dv; ++j) v[size_t(j)] = p.v_data.load(p.v.at(b, t, g, j));
        for (int64_t f = 0; f < F; ++f) {
            z[size_t(f)] += phi[size_t(f)];
            for (int64_t j = 0; j < Dv; ++j) s[size_t(f * Dv + j)] += phi[size_t(f)] * v[size_t(j)];
        }
    };

    for (int64_t b = 0; b < p.batch; ++b)
        for (int64_t g = 0; g < p.kv_heads; ++g) {
            // The whole state is read before any of it is written (the step
            // may run in place).
            for (int64_t f = 0; f < F; ++f) {
                z[size_t(f)] = p.has_norm_in ? p.norm_in_data.load(p.norm_in.at(b, g, f, 0)) : 0.0;
                for (int64_t j = 0; j < Dv; ++j)
                    s[size_t(f * Dv + j)] = p.has_state_in ? p.state_in_data.load(p.state_in.at(b, g, f, j)) : 0.0;
            }
            if (p.causal) {
                for (int64_t t = 0; t < N; ++t) {
                    add_key(b, t, g);
                    emit(b, t, g);
                }
            } else {
                for (int64_t t = 0; t < N; ++t) add_key(b, t, g);
                for (int64_t t = 0; t < N; ++t) emit(b, t, g);
            }
            for (int64_t f = 0; f < F; ++f) {
                if (p.has_norm_out) p.norm_out_data.store(p.norm_out.at(b, g, f, 0), z[size_t(f)]);
                if (p.has_state_out)
                    for (int64_t j = 0; j < Dv; ++j)
                        p.state_out_data.store(p.state_out.at(b, g, f, j), s[size_t(f * Dv + j)]);
            }
        }
}

void linear_recurrence(const linear::RecurrenceReferenceProblem &p) {
    const int64_t Dk = p.dk, Dv = p.dv, N = p.seq, group = p.group();
    const bool gated = p.rule == PMX_RULE_GATED || p.rule == PMX_RULE_GATED_DELTA;
    const bool delta = p.rule == PMX_RULE_DELTA || p.rule == PMX_RULE_GATED_DELTA;
    std::vector<double> s(static_cast<size_t>(Dk * Dv)), k(static_cast<size_t>(Dk)), v(static_cast<size_t>(Dv)),
        q(static_cast<size_t>(Dk)), decay(static_cast<size_t>(Dk), 1.0);

    for (int64_t b = 0; b < p.batch; ++b)
        for (int64_t g = 0; g < p.kv_heads; ++g) {
            // S_{-1}: read whole before anything is written (in-place step).
            for (int64_t i = 0; i < Dk; ++i)
                for (int64_t j = 0; j < Dv; ++j)
                    s[size_t(i * Dv + j)] = p.has_state_in ? p.state_in_data.load(p.state_in.at(b, g, i, j)) : 0.0;
            for (int64_t t = 0; t < N; ++t) {
                for (int64_t i = 0; i < Dk; ++i) k[size_t(i)] = p.k_data.load(p.k.at(b, t, g, i));
                for (int64_t j = 0; j < Dv; ++j) v[size_t(j)] = p.v_data.load(p.v.at(b, t, g, j));
                if (gated) {
                    // Per head: one value for every row; per key dim: row i by g_i.
                    for (int64_t i = 0; i < Dk; ++i)
                        decay[size_t(i)] = p.decay_data.load(p.decay.at(b, t, g, p.decay_per_key ? i : 0));
                    for (int64_t i = 0; i < Dk; ++i)
                        for (int64_t j = 0; j < Dv; ++j) s[size_t(i * Dv + j)] *= decay[size_t(i)];
                }
                if (delta) {
                    // S += β k (v − Sᵀk)ᵀ, with S the (decayed) previous state.
                    const double beta = p.beta_data.load(p.beta.at(b, t, g, 0));
                    for (int64_t j = 0; j < Dv; ++j) {
                        double sk = 0.0;
                        for (int64_t i = 0; i < Dk; ++i) sk += s[size_t(i * Dv + j)] * k[size_t(i)];
                        v[size_t(j)] = beta * (v[size_t(j)] - sk);
                    }
                }
                for (int64_t i = 0; i < Dk; ++i)
                    for (int64_t j = 0; j < Dv; ++j) s[size_t(i * Dv + j)] += k[size_t(i)] * v[size_t(j)];
                // out[t, h] = S_tᵀ q[t, h] for each query head of the group.
                for (int64_t h = g * group; h < (g + 1) * group; ++h) {
                    for (int64_t i = 0; i < Dk; ++i) q[size_t(i)] = p.q_data.load(p.q.at(b, t, h, i));
                    for (int64_t j = 0; j < Dv; ++j) {
                        double acc = 0.0;
                        for (int64_t i = 0; i < Dk; ++i) acc += s[size_t(i * Dv + j)] * q[size_t(i)];
                        p.out_data.store(p.out.at(b, t, h, j), acc);
                    }
                }
            }
            if (p.has_state_out)
                for (int64_t i = 0; i < Dk; ++i)
                    for (int64_t j = 0; j < Dv; ++j)
                        p.state_out_data.store(p.state_out.at(b, g, i, j), s[size_t(i * Dv + j)]);
        }
}

}  // namespace pmx::reference
