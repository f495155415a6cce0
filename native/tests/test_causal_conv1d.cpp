// pmx_causal_conv1d, pmx_causal_conv1d_step and pmx_causal_conv1d_reference
// against a float64 oracle written out again here (the definition in
// panamax.h, read from the caller's buffers through their strides), through
// the public C API, on the ISA path this process runs (CTest runs it once per
// PMX_ISA value). Widths 1, 2, 3, 4, 8; C = 1, 37 (not a multiple of any
// lane count), 64, 160; L = 0, 1, L < W - 1, long sequences cut into several
// work items; with and without bias, SiLU, state_in, state_out; channel-major
// ([B, C, L] memory), gapped (channel stride 2) and row-padded views,
// transposed state and weight views; packed varlen with empty and length-1
// sequences (== separate dense calls, bit for bit); L decoding steps (state
// in place, and ping-pong) == one full call, bit for bit; NaN inputs; outputs
// poisoned first, every element checked, gaps of strided outputs left
// untouched, and results bit-identical for 1 and N threads.
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

namespace {

using pmx_test::is_poison;
using pmx_test::poison;
using pmx_test::view;

// 64-byte aligned, so that large outputs take the streaming-store path.
using FloatBuffer = std::vector<float, pmx_test::AlignedAllocator<float>>;

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
Strides3 token_strides(const Case &c, int64_t rows_per_batch) {
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

Strides3 state_strides(const Case &c) {
    const int64_t B = c.batch, C = c.channels, W1 = c.width - 1;
    if (c.state_transposed) return {{C * W1, 1, C}, B * C * W1};
    return {{C * W1, W1, 1}, B * C * W1};
}

pmx_tensor tensor3(void *data, int32_t dtype, int64_t d0, int64_t d1, int64_t d2, const Strides3 &st,
                   int64_t elem_bytes) {
    return view(data, dtype, {d0, d1, d2}, {st.s[0], st.s[1], st.s[2]}, std::max<int64_t>(st.elems, 1) * elem_bytes);
}

float draw(std::mt19937_64 &rng, float magnitude) {
    std::uniform_real_distribution<float> mag(0.1f, 1.f);
    std::bernoulli_distribution negative(0.5);
    const float v = mag(rng) * magnitude;
    return negative(rng) ? -v : v;
}

void fill(FloatBuffer &buf, size_t n, std::mt19937_64 &rng, float magnitude) {
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

void build(const Case &c, Problem &pr, std::mt19937_64 &rng) {
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
void compare_value(double got, bool poisoned, double want, double scale, double rel, Tally &t) {
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
void check_kernel(const Problem &pr, Tally &t) {
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
bool check_reference(pmx_context *ctx, const Problem &pr, Tally &t) {
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

bool same_bits(const FloatBuffer &a, const FloatBuffer &b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Varlen: each sequence again as its own dense call (B = 1, its state_in
// slice), which must give the same bits.
bool varlen_matches_dense(pmx_context *ctx, const Problem &pr) {
    const Case &c = pr.c;
    const int64_t C = c.channels, W = c.width;
    for (int64_t b = 0; b < c.batch; ++b) {
        const int64_t len = pr.length(b);
        FloatBuffer out(size_t(std::max<int64_t>(len * C, 1)), poison());
        FloatBuffer state(size_t(std::max<int64_t>(C * (W - 1), 1)), poison());
        pmx_causal_conv1d_params a = pr.params;
        a.cu_seqlens = pmx_tensor{};
        const int64_t first = len > 0 ? pr.x_offset(b, 0, 0) : 0;
        a.x = view(const_cast<float *>(pr.x.data()) + first, PMX_DTYPE_F32, {1, len, C}, {0, pr.xs.s[1], pr.xs.s[2]},
                   (int64_t(pr.x.size()) - first) * 4);
        a.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {1, len, C}, 4);
        if (c.state_in) {
            const Strides3 &s = pr.ss;
            a.state_in = view(const_cast<float *>(pr.state_in.data()) + b * s.s[0], PMX_DTYPE_F32, {1, C, W - 1},
                              {0, s.s[1], s.s[2]}, (int64_t(pr.state_in.size()) - b * s.s[0]) * 4);
        }
        if (c.state_out) a.state_out = pmx_test::dense(state.data(), PMX_DTYPE_F32, {1, C, W - 1}, 4);
        if (pmx_causal_conv1d(ctx, &a) != PMX_STATUS_SUCCESS) {
            std::printf("FAIL %s: dense call of sequence %lld: %s\n", c.name.c_str(), (long long)b,
                        pmx_test::last_error(ctx).c_str());
            return false;
        }
        for (int64_t t = 0; t < len; ++t)
            for (int64_t ch = 0; ch < C; ++ch)
                if (std::memcmp(&out[size_t(t * C + ch)], &pr.out[size_t(pr.x_offset(b, t, ch))], 4) != 0) return false;
        if (c.state_out)
            for (int64_t ch = 0; ch < C; ++ch)
                for (int64_t j = 0; j < W - 1; ++j)
                    if (std::memcmp(&state[size_t(ch * (W - 1) + j)], &pr.state_out[size_t(pr.state_offset(b, ch, j))],
                                    4) != 0)
                        return false;
    }
    return true;
}

bool check_case(const Case &c, pmx_context *ctx, pmx_context *ctx1, std::mt19937_64 &rng) {
    Problem pr;
    build(c, pr, rng);
    if (pmx_causal_conv1d(ctx, &pr.params) != PMX_STATUS_SUCCESS) {
        std::printf("FAIL %s: pmx_causal_conv1d: %s\n", c.name.c_str(), pmx_test::last_error(ctx).c_str());
        return false;
    }
    Tally kernel;
    check_kernel(pr, kernel);

    // Bit-identical with one thread.
    const FloatBuffer out = pr.out, state = pr.state_out;
    std::fill(pr.out.begin(), pr.out.end(), poison());
    std::fill(pr.state_out.begin(), pr.state_out.end(), poison());
    const bool ran1 = pmx_causal_conv1d(ctx1, &pr.params) == PMX_STATUS_SUCCESS;
    const bool same = ran1 && same_bits(out, pr.out) && same_bits(state, pr.state_out);

    Tally reference;
    const bool ref_ran = check_reference(ctx, pr, reference);
    const bool split_ok = !c.varlen || varlen_matches_dense(ctx, pr);

    const bool ok = kernel.bad == 0 && kernel.unwritten == 0 && kernel.gaps_touched == 0 && kernel.state_bad == 0 &&
                    same && ref_ran && reference.bad == 0 && reference.unwritten == 0 && reference.state_bad == 0 &&
                    split_ok;
    std::printf("%s %-62s err/tol %.3f (ref %.3f)  bad %lld  unwritten %lld  gaps %lld  state %lld  1-thread %s%s\n",
                ok ? "ok  " : "FAIL", c.name.c_str(), kernel.worst, reference.worst,
                (long long)(kernel.bad + reference.bad), (long long)(kernel.unwritten + reference.unwritten),
                (long long)kernel.gaps_touched, (long long)(kernel.state_bad + reference.state_bad),
                same ? "identical" : "DIFFERS", c.varlen ? (split_ok ? "  == dense calls" : "  != DENSE CALLS") : "");
    return ok;
}

// ---- decoding steps ------------------------------------------------------------

// L calls of pmx_causal_conv1d_step on the slices x[:, t, :] give the full
// call's out and state_out bit for bit: with the state updated in place
// (state_out = state_in, started from state_in or zeros), and ping-ponging
// between two buffers (the first step without state_in when the case has none).
bool check_steps(const Case &c, pmx_context *ctx, std::mt19937_64 &rng) {
    Problem pr;
    Case full = c;
    full.state_out = true;
    build(full, pr, rng);
    if (pmx_causal_conv1d(ctx, &pr.params) != PMX_STATUS_SUCCESS) {
        std::printf("FAIL %s: full call: %s\n", c.name.c_str(), pmx_test::last_error(ctx).c_str());
        return false;
    }
    Tally oracle;
    check_kernel(pr, oracle);
    const int64_t B = c.batch, C = c.channels, W = c.width;
    const Strides3 &xs = pr.xs, &ss = pr.ss;
    bool ok = oracle.bad == 0 && oracle.unwritten == 0 && oracle.state_bad == 0;

    for (bool in_place : {true, false}) {
        FloatBuffer out(pr.out.size(), poison());
        FloatBuffer s0(pr.state_in.size(), 0.f), s1(pr.state_in.size(), poison());
        if (c.state_in) s0 = pr.state_in;
        FloatBuffer *cur = &s0, *next = in_place ? &s0 : &s1;
        bool ran = true;
        for (int64_t t = 0; t < c.seq && ran; ++t) {
            pmx_causal_conv1d_params a = pr.params;
            a.x = view(pr.x.data() + t * xs.s[1], PMX_DTYPE_F32, {B, C}, {xs.s[0], xs.s[2]},
                       (int64_t(pr.x.size()) - t * xs.s[1]) * 4);
            a.out = view(out.data() + t * xs.s[1], PMX_DTYPE_F32, {B, C}, {xs.s[0], xs.s[2]},
                         (int64_t(out.size()) - t * xs.s[1]) * 4);
            a.state_in = tensor3(cur->data(), PMX_DTYPE_F32, B, C, W - 1, ss, 4);
            if (!in_place && t == 0 && !c.state_in) a.state_in = pmx_tensor{};
            a.state_out = tensor3(next->data(), PMX_DTYPE_F32, B, C, W - 1, ss, 4);
            ran = pmx_causal_conv1d_step(ctx, &a) == PMX_STATUS_SUCCESS;
            if (!ran) std::printf("FAIL %s: step %lld: %s\n", c.name.c_str(), (long long)t, pmx_test::last_error(ctx).c_str());
            if (!in_place) std::swap(cur, next);
        }
        const FloatBuffer &final_state = *cur;
        bool state_same = true;
        for (int64_t b = 0; b < B; ++b)
            for (int64_t ch = 0; ch < C; ++ch)
                for (int64_t j = 0; j < W - 1; ++j) {
                    const size_t i = size_t(pr.state_offset(b, ch, j));
                    if (c.seq > 0 && std::memcmp(&final_state[i], &pr.state_out[i], 4) != 0) state_same = false;
                }
        const bool out_same = same_bits(out, pr.out);
        const bool good = ran && out_same && state_same;
        std::printf("%s %-62s %s: out %s, state %s\n", good ? "ok  " : "FAIL", c.name.c_str(),
                    in_place ? "in place " : "ping-pong", out_same ? "== full call" : "DIFFERS",
                    state_same ? "== full call" : "DIFFERS");
        ok = ok && good;
    }
    return ok;
}

std::vector<Case> cases() {
    std::vector<Case> cs;
    auto add = [&](Case c) { cs.push_back(c); };
    for (int64_t w : {1, 2, 3, 4, 8})
        for (int64_t ch : {37, 1, 64, 160}) {
            Case c;
            c.width = w;
            c.channels = ch;
            c.name = "W=" + std::to_string(w) + " C=" + std::to_string(ch) + " B=2 L=17 bias silu state in/out";
            add(c);
        }
    for (int64_t ch : {37, 128}) {
        const std::string s = " W=4 C=" + std::to_string(ch);
        Case c;
        c.channels = ch;
        c.bias = false;
        c.name = "no bias" + s;
        add(c);
        c = Case{};
        c.channels = ch;
        c.silu = false;
        c.name = "no silu" + s;
        add(c);
        c = Case{};
        c.channels = ch;
        c.state_in = false;
        c.name = "no state_in (zeros before the start)" + s;
        add(c);
        c = Case{};
        c.channels = ch;
        c.state_out = false;
        c.name = "no state_out" + s;
        add(c);
        c = Case{};
        c.channels = ch;
        c.bias = c.silu = c.state_in = c.state_out = false;
        c.name = "plain (nothing optional)" + s;
        add(c);
    }
    for (int64_t w : {4, 8})
        for (int64_t l : {0, 1, 2})
            for (bool si : {true, false}) {
                Case c;
                c.width = w;
                c.seq = l;
                c.state_in = si;
                c.channels = 70;
                c.name = "L=" + std::to_string(l) + " W=" + std::to_string(w) + " C=70" +
                         (si ? " state_in" : " no state_in") + (l < w - 1 ? " (L < W - 1)" : "");
                add(c);
            }
    {
        Case c;
        c.batch = 0;
        c.name = "B=0";
        add(c);
        c = Case{};
        c.channels = 0;
        c.name = "C=0";
        add(c);
    }
    for (Layout layout : {Layout::ChannelMajor, Layout::Gapped, Layout::RowPadded}) {
        const char *lname = layout == Layout::ChannelMajor ? "channel-major [B, C, L] view"
                            : layout == Layout::Gapped     ? "gapped (channel stride 2)"
                                                           : "row-padded (row stride C + 3)";
        for (int64_t ch : {37, 64, 131}) {
            Case c;
            c.layout = layout;
            c.channels = ch;
            c.seq = 100;
            c.name = std::string(lname) + " W=4 C=" + std::to_string(ch) + " L=100";
            add(c);
        }
    }
    {
        Case c;
        c.state_transposed = true;
        c.weight_transposed = true;
        c.channels = 80;
        c.width = 3;
        c.name = "state [B, W-1, C] and weight [W, C] memory, W=3 C=80";
        add(c);
        c.seq = 1;
        c.name = "same, L=1";
        add(c);
    }
    // Long enough for several chunks per sequence, several threads.
    {
        Case c;
        c.batch = 2, c.seq = 1013, c.channels = 100, c.width = 4;
        c.name = "B=2 L=1013 C=100 W=4 (chunks cut sequences)";
        add(c);
        c.width = 8;
        c.silu = false;
        c.name = "B=2 L=1013 C=100 W=8 no silu";
        add(c);
        c = Case{};
        c.batch = 1, c.seq = 1013, c.channels = 96, c.layout = Layout::ChannelMajor;
        c.name = "channel-major B=1 L=1013 C=96";
        add(c);
        c = Case{};
        c.batch = 3, c.seq = 700, c.channels = 37, c.width = 2;
        c.name = "B=3 L=700 C=37 W=2";
        add(c);
        // Over 16 MiB of output without SiLU: the streaming-store path where
        // the ISA has it (rows 64-byte aligned; C = 528 ends each row with a
        // partial block).
        c = Case{};
        c.batch = 1, c.seq = 8000, c.channels = 528, c.width = 4, c.silu = false;
        c.name = "B=1 L=8000 C=528 W=4 no silu (16.9 MB: streaming stores)";
        add(c);
    }
    {
        Case c;
        c.magnitude = 40.f;
        c.channels = 64;
        c.name = "large inputs (|x| to 40: SiLU saturates both ways)";
        add(c);
        c = Case{};
        c.inject_nan = true;
        c.channels = 64;
        c.name = "a NaN in x propagates to the W outputs it feeds";
        add(c);
    }
    // Packed varlen: each sequence from its own state.
    {
        Case c;
        c.varlen = true;
        c.lengths = {5, 0, 1, 17, 2, 0};
        c.batch = 6;
        c.name = "varlen {5, 0, 1, 17, 2, 0} W=4 C=37";
        add(c);
        c.width = 8;
        c.extra_rows = 3;
        c.name = "varlen same, W=8, 3 rows past the last sequence";
        add(c);
        c.width = 4;
        c.extra_rows = 0;
        c.layout = Layout::ChannelMajor;
        c.name = "varlen same, channel-major";
        add(c);
        c = Case{};
        c.varlen = true;
        c.lengths = {300, 0, 1, 700, 2, 513};
        c.batch = 6;
        c.channels = 80;
        c.width = 3;
        c.name = "varlen {300, 0, 1, 700, 2, 513} C=80 W=3 (chunks span sequences)";
        add(c);
        c = Case{};
        c.varlen = true;
        c.lengths = {0, 0};
        c.batch = 2;
        c.name = "varlen {0, 0} (total 0: state_out = state_in)";
        add(c);
        c.state_in = false;
        c.name = "varlen {0, 0} without state_in (state_out = 0)";
        add(c);
        c = Case{};
        c.varlen = true;
        c.lengths = {};
        c.batch = 0;
        c.name = "varlen B=0 (cu_seqlens {0})";
        add(c);
    }
    return cs;
}

std::vector<Case> step_cases() {
    std::vector<Case> cs;
    Case c;
    c.batch = 3, c.seq = 9, c.channels = 37, c.width = 4;
    c.name = "steps B=3 C=37 W=4 L=9";
    cs.push_back(c);
    c.state_in = false;
    c.name = "steps, starting from zeros";
    cs.push_back(c);
    c = Case{};
    c.width = 1, c.seq = 5;
    c.name = "steps W=1 (no state)";
    cs.push_back(c);
    c = Case{};
    c.width = 8, c.seq = 3, c.channels = 80;
    c.name = "steps W=8 L=3 C=80 (fewer steps than W - 1)";
    cs.push_back(c);
    c = Case{};
    c.width = 2, c.seq = 6, c.channels = 128, c.silu = false, c.bias = false;
    c.name = "steps W=2 C=128 no bias, no silu";
    cs.push_back(c);
    c = Case{};
    c.layout = Layout::ChannelMajor, c.state_transposed = true, c.channels = 96;
    c.name = "steps channel-major x, transposed state";
    cs.push_back(c);
    c = Case{};
    c.batch = 5, c.seq = 4, c.channels = 3000, c.width = 4;
    c.name = "steps B=5 C=3000 (several threads)";
    cs.push_back(c);
    return cs;
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 3)) return 1;

    std::mt19937_64 rng(20261129);
    int failures = 0;
    for (const Case &c : cases()) failures += check_case(c, ctx, ctx1, rng) ? 0 : 1;
    for (const Case &c : step_cases()) failures += check_steps(c, ctx, rng) ? 0 : 1;

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
