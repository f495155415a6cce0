// pmx_causal_conv1d, pmx_causal_conv1d_step and pmx_causal_conv1d_reference
// against a float64 oracle written out again (conv1d_test_case.h: the
// definition in panamax.h, read from the caller's buffers), through
// the public C API, on the ISA path this process runs (CTest runs it once per
// PMX_ISA value). Widths 1, 2, 3, 4, 8; C = 1, 37 (not a multiple of any
// lane count), 64, 160; L = 0, 1, L < W - 1, long sequences cut into several
// work items; with and without bias, SiLU, state_in, state_out; channel-major
// ([B, C, L] memory), gapped (channel stride 2) and row-padded views,
// transposed state and weight views; packed varlen with empty and length-1
// sequences (== separate dense calls, bit for bit); NaN inputs; outputs
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

#include "conv1d_test_case.h"
#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using namespace conv1d_test;

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

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 3)) return 1;

    std::mt19937_64 rng(20261129);
    int failures = 0;
    for (const Case &c : cases()) failures += check_case(c, ctx, ctx1, rng) ? 0 : 1;

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
