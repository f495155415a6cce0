// RoPE's expected values for the tests, written out again in float64 from the
// formulas of Hugging Face transformers' modeling_rope_utils
// (_compute_default/linear_scaling/yarn/llama3_parameters, and the static
// NTK-aware base theta·alpha^(rd/(rd-2))), independently of the library.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "panamax/panamax.h"

namespace rope_closed_form {

constexpr double kPi = 3.141592653589793238462643383279502884;

inline double theta_of(const pmx_rope_config &c) { return c.theta == 0 ? 10000.0 : c.theta; }

// transformers: inv_freq = 1 / (base ** (arange(0, dim, 2) / dim)), then the scaling.
inline std::vector<double> inv_freq(const pmx_rope_config &c, int rd) {
    double base = theta_of(c);
    if (c.scaling == PMX_ROPE_SCALING_NTK) base *= std::pow(double(c.ntk_alpha), double(rd) / (rd - 2));
    std::vector<double> inv(size_t(rd / 2));
    for (int i = 0; i < rd / 2; ++i) inv[size_t(i)] = 1.0 / std::pow(base, double(2 * i) / rd);
    const double factor = c.factor;
    if (c.scaling == PMX_ROPE_SCALING_LINEAR) {
        for (double &f : inv) f /= factor;
    } else if (c.scaling == PMX_ROPE_SCALING_YARN) {
        const double beta_fast = c.beta_fast != 0 ? c.beta_fast : 32, beta_slow = c.beta_slow != 0 ? c.beta_slow : 1;
        const double omp = c.original_max_position;
        // find_correction_dim(num_rotations, dim, base, max_position_embeddings)
        auto dim_of = [&](double rot) { return rd * std::log(omp / (rot * 2 * kPi)) / (2 * std::log(base)); };
        double low = std::floor(dim_of(beta_fast)), high = std::ceil(dim_of(beta_slow));
        low = std::max(low, 0.0);
        high = std::min(high, double(rd - 1));
        if (low == high) high += 0.001;
        for (int i = 0; i < rd / 2; ++i) {
            const double linear = (i - low) / (high - low);
            const double ramp = linear < 0 ? 0 : linear > 1 ? 1 : linear;
            const double extrapolation_factor = 1 - ramp;
            const double pos_freq = std::pow(base, double(2 * i) / rd);
            inv[size_t(i)] = 1 / (factor * pos_freq) * (1 - extrapolation_factor) + 1 / pos_freq * extrapolation_factor;
        }
    } else if (c.scaling == PMX_ROPE_SCALING_LLAMA3) {
        const double old_len = c.original_max_position, lff = c.low_freq_factor, hff = c.high_freq_factor;
        for (double &f : inv) {
            const double wavelen = 2 * kPi / f;
            const double llama = wavelen > old_len / lff ? f / factor : f;
            const double smooth = (old_len / wavelen - lff) / (hff - lff);
            const bool medium = !(wavelen < old_len / hff) && !(wavelen > old_len / lff);
            f = medium ? (1 - smooth) * llama / factor + smooth * llama : llama;
        }
    }
    return inv;
}

// The factor cos and sin are multiplied by.
inline double attention_factor(const pmx_rope_config &c) {
    if (c.attention_factor != 0) return c.attention_factor;
    if (c.scaling == PMX_ROPE_SCALING_YARN) return c.factor <= 1 ? 1.0 : 0.1 * std::log(double(c.factor)) + 1.0;
    return 1.0;
}

// The feature pair (a, b) rotated by frequency i.
inline void pair_of(const pmx_rope_config &c, int rd, int i, int &a, int &b) {
    a = c.style == PMX_ROPE_INTERLEAVED ? 2 * i : i;
    b = c.style == PMX_ROPE_INTERLEAVED ? 2 * i + 1 : i + rd / 2;
}

}  // namespace rope_closed_form
