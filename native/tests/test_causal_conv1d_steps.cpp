// pmx_causal_conv1d_step against pmx_causal_conv1d (itself checked against
// the float64 oracle of conv1d_test_case.h first), on the ISA path this
// process runs: L decoding steps, with the state updated in place and
// ping-ponging between two buffers, give the full call's out and state_out
// bit for bit; widths 1, 2, 4 and 8, fewer steps than W - 1, channel-major x,
// a transposed state, several threads.
#include <cstdio>
#include <random>
#include <utility>
#include <vector>

#include "conv1d_test_case.h"
#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using namespace conv1d_test;
using pmx_test::poison;
using pmx_test::view;

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
    for (const Case &c : step_cases()) failures += check_steps(c, ctx, rng) ? 0 : 1;
    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
