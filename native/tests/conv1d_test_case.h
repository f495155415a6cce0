// The cases, buffers and float64 oracle of the causal conv1d tests
// (test_causal_conv1d: whole calls; test_causal_conv1d_steps: decoding steps):
// the definition in panamax.h, read from the caller's buffers through their
// strides. Header-only, C API only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "panamax/panamax.h"
#include "test_support.h"

namespace conv1d_test {

using pmx_test::is_poison;
using pmx_test::poison;
using pmx_test::view;

// 64-byte aligned, so that large outputs take the streaming-store path.
using pmx_test::FloatBuffer;

enum class Layout {
    Dense,         // [B, L, C]
    ChannelMajor,  // [B, L, C] viewed over [B, C, L] memory (Mamba's layout)
    Gapped,        // [B, L, C], every element two apart (the odd slots never addressed)
    RowPadded,     // [B, L, C] with rows C + 3 apart (channel stride 1, rows unaligned)
};

struct Case {
    std::string name;
    int64_t batch = 2, seq = 17, channels = 37, width = 4;
    std::vector<int32_t> lengths;  // packed varlen when non-empty (then batch = lengths.size())
    bool varlen = false;           // also for an empty lengths list (B = 0)
    int64_t extra_rows = 0;        // varlen: packed rows past the last sequence (never written)
    bool bias = true, silu = true, state_in = true, state_out = true;
    Layout layout = Layout::Dense;
    bool state_transposed = false;   // state [B, C, W - 1] over [B, W - 1, C] memory
    bool weight_transposed = false;  // weight [C, W] over [W, C] memory
    float magnitude = 1.f;           // inputs have |v| in [0.1, 1]·magnitude
    bool inject_nan = false;         // one NaN in x
};

struct Strides3 {
    int64_t s[3] = {0, 0, 0};  // x/out: batch, token, channel; states: batch, channel, k
    int64_t elems = 0;
};

// x and out; varlen: [rows, C] with batch stride 0.
inline Strides3 token_strides(const Case &c, int64_t rows_per_batch) {
    const int64_t B = c.varlen ? 1 : c.batch, L = rows_per_batch, C = c.channels;
    Strides3 st;
    switch (c.layout) {
        case Layout::Dense: st = {{L * C, C, 1}, B * L * C}; break;
        case Layout::ChannelMajor: st = {{C * L, 1, L}, B * L * C}; break;
        case Layout::Gapped: st = {{2 * L * C, 2 * C, 2}, 2 * B * L * C}; break;
        case Layout::RowPadded: st = {{L * (C + 3), C + 3, 1}, B * L * (C + 3)}; break;
    }
    if (c.varlen) st.s[0] = 0;
    return st;
}

inline Strides3 state_strides(const Case &c) {
    const int64_t B = c.batch, C = c.channels, W1 = c.width - 1;
    if (c.state_transposed) return {{C * W1, 1, C}, B * C * W1};
    return {{C * W1, W1, 1}, B * C * W1};
}

inline pmx_tensor tensor3(void *data, int32_t dtype, int64_t d0, int64_t d1, int64_t d2, const Strides3 &st,
                   int64_t elem_bytes) {
    return view(data, dtype, {d0, d1, d2}, {st.s[0], st.s[1], st.s[2]}, std::max<int64_t>(st.elems, 1) * elem_bytes);
}

inline float draw(std::mt19937_64 &rng, float magnitude) {
    std::uniform_real_distribution<float> mag(0.1f, 1.f);
    std::bernoulli_distribution negative(0.5);
    const float v = mag(rng) * magnitude;
    return negative(rng) ? -v : v;
}

inline void fill(FloatBuffer &buf, size_t n, std::mt19937_64 &rng, float magnitude) {
    buf.resize(std::max<size_t>(n, 1));
    for (float &v : buf) v = draw(rng, magnitude);
}

// One call's buffers and params (dense or varlen), and the oracle's answers.
struct Problem {
    Case c;
    int64_t rows = 0;  // packed rows (varlen: total + extra), dense: L per batch
    std::vector<int32_t> cu;
    Strides3 xs, ss;
    FloatBuffer x, w, bias, state_in, out, state_out;
    int64_t w_sc = 0, w_sk = 0;
    pmx_causal_conv1d_params params{};

    int64_t length(int64_t b) const { return c.varlen ? cu[size_t(b) + 1] - cu[size_t(b)] : c.seq; }
    int64_t row(int64_t b, int64_t t) const { return c.varlen ? cu[size_t(b)] + t : b * c.seq + t; }
    int64_t x_offset(int64_t b, int64_t t, int64_t ch) const {
        return c.varlen ? (cu[size_t(b)] + t) * xs.s[1] + ch * xs.s[2] : b * xs.s[0] + t * xs.s[1] + ch * xs.s[2];
    }
    int64_t state_offset(int64_t b, int64_t ch, int64_t k) const { return b * ss.s[0] + ch * ss.s[1] + k * ss.s[2]; }
    int64_t total_rows() const { return c.varlen ? rows : c.batch * c.seq; }

    // The oracle's input of sequence b at position pos, channel ch.
    float input(int64_t b, int64_t pos, int64_t ch) const {
        if (pos >= 0) return x[size_t(x_offset(b, pos, ch))];
        if (!c.state_in) return 0.f;
        return state_in[size_t(state_offset(b, ch, c.width - 1 + pos))];
    }

    // out[b, t, ch] in float64, and |bias| + sum |w·x| (the scale of its rounding).
    double want(int64_t b, int64_t t, int64_t ch, double &scale) const {
        const int64_t W = c.width;
        double acc = c.bias ? double(bias[size_t(ch)]) : 0.0;
        scale = std::fabs(acc);
        for (int64_t k = 0; k < W; ++k) {
            const double term = double(w[size_t(ch * w_sc + k * w_sk)]) * double(input(b, t - W + 1 + k, ch));
            acc += term;
            scale += std::fabs(term);
        }
        return c.silu ? acc / (1.0 + std::exp(-acc)) : acc;
    }
};

inline void build(const Case &c, Problem &pr, std::mt19937_64 &rng) {
    pr.c = c;
    const int64_t B = c.batch, C = c.channels, W = c.width;
    if (c.varlen) {
        pr.cu.assign(1, 0);
        for (int32_t n : c.lengths) pr.cu.push_back(pr.cu.back() + n);
        pr.rows = pr.cu.back() + c.extra_rows;
        pr.xs = token_strides(c, pr.rows);
    } else {
        pr.rows = c.seq;
        pr.xs = token_strides(c, c.seq);
    }
    pr.ss = state_strides(c);
    fill(pr.x, size_t(pr.xs.elems), rng, c.magnitude);
    if (c.inject_nan && pr.total_rows() > 2 && C > 1) pr.x[size_t(pr.x_offset(0, 2, 1))] = std::nanf("");
    fill(pr.w, size_t(C * W), rng, 1.f);
    fill(pr.bias, size_t(C), rng, 1.f);
    fill(pr.state_in, size_t(pr.ss.elems), rng, c.magnitude);
    pr.out.assign(size_t(std::max<int64_t>(pr.xs.elems, 1)), poison());
    pr.state_out.assign(size_t(std::max<int64_t>(pr.ss.elems, 1)), poison());
    pr.w_sc = c.weight_transposed ? 1 : W;
    pr.w_sk = c.weight_transposed ? C : 1;

    pmx_causal_conv1d_params &a = pr.params;
    a = pmx_causal_conv1d_params{};
    a.struct_size = sizeof a;
    if (c.varlen) {
        const Strides3 &s = pr.xs;
        a.x = view(pr.x.data(), PMX_DTYPE_F32, {pr.rows, C}, {s.s[1], s.s[2]}, int64_t(pr.x.size()) * 4);
        a.out = view(pr.out.data(), PMX_DTYPE_F32, {pr.rows, C}, {s.s[1], s.s[2]}, int64_t(pr.out.size()) * 4);
        a.cu_seqlens = view(pr.cu.data(), PMX_DTYPE_I32, {int64_t(pr.cu.size())}, {1}, int64_t(pr.cu.size()) * 4);
    } else {
        a.x = tensor3(pr.x.data(), PMX_DTYPE_F32, B, c.seq, C, pr.xs, 4);
        a.out = tensor3(pr.out.data(), PMX_DTYPE_F32, B, c.seq, C, pr.xs, 4);
    }
    a.weight = view(pr.w.data(), PMX_DTYPE_F32, {C, W}, {pr.w_sc, pr.w_sk}, int64_t(pr.w.size()) * 4);
    if (c.bias) a.bias = view(pr.bias.data(), PMX_DTYPE_F32, {C}, {1}, int64_t(pr.bias.size()) * 4);
    if (c.state_in) a.state_in = tensor3(pr.state_in.data(), PMX_DTYPE_F32, B, C, W - 1, pr.ss, 4);
    if (c.state_out) a.state_out = tensor3(pr.state_out.data(), PMX_DTYPE_F32, B, C, W - 1, pr.ss, 4);
    a.silu = c.silu ? 1 : 0;
}

struct Tally {
    int64_t bad = 0, unwritten = 0, gaps_touched = 0, state_bad = 0;
    double worst = 0;  // largest error / tolerance
};

// fp32 tolerance. Each output sums W + 1 <= 9 terms with one rounding per
// step (fused) or two (mul, add: the portable path), so the pre-activation
// error is at most 2·9·2^-24 ≈ 1.1e-6 times |bias| + sum |w·x| (`scale`).
// SiLU's slope is at most 1.1 and simd::silu adds a relative error below
// 1e-6 (test_simd_math), plus one final rounding. 2e-6·(scale + |want|)
// leaves about 2x over that bound, and is far below the error of one wrong
// or missing term (>= 0.01·scale with these inputs).
constexpr double kF32Tolerance = 2e-6;
// float64 reference against the oracle: both sum in float64 in the same
// order; the margin is for exp().
constexpr double kF64Tolerance = 1e-13;

// Compares a float value against the oracle.
inline void compare_value(double got, bool poisoned, double want, double scale, double rel, Tally &t) {
    if (poisoned) {
        ++t.unwritten;
        return;
    }
    if (std::isnan(want)) {
        if (!std::isnan(got)) ++t.bad;
        return;
    }
    const double tol = rel * (scale + std::fabs(want));
    const double err = std::fabs(got - want);
    if (!(err <= tol)) ++t.bad;
    t.worst = std::max(t.worst, err / tol);
}

// The kernel's out (strided like x) and state_out against the oracle; every
// buffer slot the views do not address must still hold the poison.
inline void check_kernel(const Problem &pr, Tally &t) {
    const Case &c = pr.c;
    std::vector<char> addressed(pr.out.size(), 0);
    for (int64_t b = 0; b < c.batch; ++b)
        for (int64_t tt = 0; tt < pr.length(b); ++tt)
            for (int64_t ch = 0; ch < c.channels; ++ch) {
                const size_t i = size_t(pr.x_offset(b, tt, ch));
                addressed[i] = 1;
                double scale = 0;
                const double want = pr.want(b, tt, ch, scale);
                compare_value(pr.out[i], is_poison(pr.out[i]), want, scale, kF32Tolerance, t);
            }
    for (size_t i = 0; i < pr.out.size(); ++i) t.gaps_touched += !addressed[i] && !is_poison(pr.out[i]);

    std::vector<char> state_addressed(pr.state_out.size(), 0);
    if (c.state_out)
        for (int64_t b = 0; b < c.batch; ++b)
            for (int64_t ch = 0; ch < c.channels; ++ch)
                for (int64_t j = 0; j < c.width - 1; ++j) {
                    const size_t i = size_t(pr.state_offset(b, ch, j));
                    state_addressed[i] = 1;
                    const float want = pr.input(b, pr.length(b) - (c.width - 1) + j, ch);
                    // A copy of an input: bit for bit.
                    if (std::memcmp(&want, &pr.state_out[i], sizeof want) != 0) ++t.state_bad;
                }
    for (size_t i = 0; i < pr.state_out.size(); ++i)
        t.gaps_touched += !state_addressed[i] && !is_poison(pr.state_out[i]);
}

// pmx_causal_conv1d_reference into dense F64 out and state_out, against the oracle.
inline bool check_reference(pmx_context *ctx, const Problem &pr, Tally &t) {
    const Case &c = pr.c;
    const int64_t C = c.channels, W = c.width;
    const int64_t rows = c.varlen ? pr.rows : c.batch * c.seq;
    std::vector<double> out(size_t(std::max<int64_t>(rows * C, 1)), std::nan(""));
    std::vector<double> state(size_t(std::max<int64_t>(c.batch * C * (W - 1), 1)), std::nan(""));
    pmx_causal_conv1d_params r = pr.params;
    if (c.varlen) r.out = pmx_test::dense(out.data(), PMX_DTYPE_F64, {rows, C}, 8);
    else r.out = pmx_test::dense(out.data(), PMX_DTYPE_F64, {c.batch, c.seq, C}, 8);
    if (c.state_out) r.state_out = pmx_test::dense(state.data(), PMX_DTYPE_F64, {c.batch, C, W - 1}, 8);
    if (pmx_causal_conv1d_reference(ctx, &r) != PMX_STATUS_SUCCESS) {
        std::printf("FAIL %s: pmx_causal_conv1d_reference: %s\n", c.name.c_str(), pmx_test::last_error(ctx).c_str());
        return false;
    }
    for (int64_t b = 0; b < c.batch; ++b)
        for (int64_t tt = 0; tt < pr.length(b); ++tt)
            for (int64_t ch = 0; ch < C; ++ch) {
                double scale = 0;
                const double want = pr.want(b, tt, ch, scale);
                const double got = out[size_t(pr.row(b, tt) * C + ch)];
                compare_value(got, std::isnan(got) && !std::isnan(want), want, scale, kF64Tolerance, t);
            }
    if (c.state_out)
        for (int64_t b = 0; b < c.batch; ++b)
            for (int64_t ch = 0; ch < C; ++ch)
                for (int64_t j = 0; j < W - 1; ++j) {
                    const double want = pr.input(b, pr.length(b) - (W - 1) + j, ch);
                    const double got = state[size_t((b * C + ch) * (W - 1) + j)];
                    if (!(got == want || (std::isnan(got) && std::isnan(want)))) ++t.state_bad;
                }
    return true;
}

inline bool same_bits(const FloatBuffer &a, const FloatBuffer &b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace conv1d_test
