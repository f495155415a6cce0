// Fused RoPE in pmx_attention_fwd: equal to attention over q and k rotated
// first by the standalone pmx_rope (query i at position i + Nk - Nq, key j at
// j, both plus rope.offset), and the float64 reference with fused RoPE equal
// to the reference over q and k rotated by pmx_rope_reference. Every style,
// a partial rotary dim, scalings, Nq != Nk, varlen, GQA, and with window and
// global tokens (gathered keys are rotated too). Per ISA path (CTest).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using pmx_test::run_fused;
using pmx_test::dense;

struct Case {
    std::string name;
    int64_t heads = 4, kv_heads = 2, head_dim = 48, nq = 150, nk = 150;
    std::vector<int32_t> len_q, len_k;  // varlen when non-empty
    bool causal = true;
    pmx_rope_config rope{};
    bool window = false;
    std::vector<int32_t> global;
};

pmx_rope_config rope_of(int32_t style, int32_t rd, int32_t scaling, int64_t offset) {
    pmx_rope_config r{};
    r.style = style;
    r.rotary_dim = rd;
    r.theta = 10000.0;
    r.scaling = scaling;
    r.offset = offset;
    if (scaling == PMX_ROPE_SCALING_LINEAR) r.factor = 4.f;
    if (scaling == PMX_ROPE_SCALING_NTK) r.ntk_alpha = 8.f;
    if (scaling == PMX_ROPE_SCALING_YARN) {
        r.factor = 8.f;
        r.original_max_position = 64;
    }
    if (scaling == PMX_ROPE_SCALING_LLAMA3) {
        r.factor = 8.f;
        r.low_freq_factor = 1.f;
        r.high_freq_factor = 4.f;
        r.original_max_position = 64;
    }
    return r;
}


double max_abs_diff(const std::vector<float> &a, const std::vector<float> &b) {
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - double(b[i])));
    return m;
}

bool check(const Case &c, pmx_context *ctx, std::mt19937_64 &rng) {
    const bool varlen = !c.len_q.empty();
    const int64_t H = c.heads, Hk = c.kv_heads, D = c.head_dim;
    std::vector<int32_t> cu_q{0}, cu_k{0};
    for (size_t i = 0; i < c.len_q.size(); ++i) {
        cu_q.push_back(cu_q.back() + c.len_q[i]);
        cu_k.push_back(cu_k.back() + c.len_k[i]);
    }
    const int64_t rows_q = varlen ? cu_q.back() : c.nq, rows_k = varlen ? cu_k.back() : c.nk;
    std::vector<float> q = pmx_test::random_floats(size_t(rows_q * H * D), rng);
    std::vector<float> k = pmx_test::random_floats(size_t(rows_k * Hk * D), rng);
    std::vector<float> v = pmx_test::random_floats(size_t(rows_k * Hk * D), rng);
    std::vector<int32_t> global = c.global;

    auto shape4 = [&](float *data, int64_t rows, int64_t heads) {
        return varlen ? dense(data, PMX_DTYPE_F32, {rows, heads, D}, 4) : dense(data, PMX_DTYPE_F32, {1, rows, heads, D}, 4);
    };
    auto params = [&](float *qd, float *kd, float *out, float *lse, bool with_rope) {
        pmx_attention_params a{};
        a.struct_size = sizeof a;
        a.q = shape4(qd, rows_q, H);
        a.k = shape4(kd, rows_k, Hk);
        a.v = shape4(v.data(), rows_k, Hk);
        a.out = shape4(out, rows_q, H);
        a.lse = varlen ? dense(lse, PMX_DTYPE_F32, {H, rows_q}, 4) : dense(lse, PMX_DTYPE_F32, {1, H, rows_q}, 4);
        if (varlen) {
            a.cu_seqlens_q = dense(cu_q.data(), PMX_DTYPE_I32, {int64_t(cu_q.size())}, 4);
            a.cu_seqlens_k = dense(cu_k.data(), PMX_DTYPE_I32, {int64_t(cu_k.size())}, 4);
        }
        a.causal = c.causal;
        a.window = c.window;
        a.window_left = 9;
        a.window_right = 4;
        if (!global.empty()) a.global_tokens = dense(global.data(), PMX_DTYPE_I32, {int64_t(global.size())}, 4);
        if (with_rope) a.rope = c.rope;
        return a;
    };

    // Positions: query row i of sequence b at i + (len_k - len_q), key j at j (the config adds its offset).
    std::vector<int32_t> qpos(static_cast<size_t>(rows_q)), kpos(static_cast<size_t>(rows_k));
    const size_t nseq = varlen ? c.len_q.size() : 1;
    for (size_t b = 0; b < nseq; ++b) {
        const int64_t lq = varlen ? c.len_q[b] : c.nq, lk = varlen ? c.len_k[b] : c.nk;
        const int64_t q0 = varlen ? cu_q[b] : 0, k0 = varlen ? cu_k[b] : 0;
        for (int64_t i = 0; i < lq; ++i) qpos[size_t(q0 + i)] = int32_t(i + lk - lq);
        for (int64_t j = 0; j < lk; ++j) kpos[size_t(k0 + j)] = int32_t(j);
    }
    auto rotate = [&](std::vector<float> &x, int64_t rows, int64_t heads, std::vector<int32_t> &pos, bool reference,
                      std::vector<double> *x64) {
        pmx_rope_params r{};
        r.struct_size = sizeof r;
        r.x = dense(x.data(), PMX_DTYPE_F32, {rows, heads, D}, 4);
        r.positions = dense(pos.data(), PMX_DTYPE_I32, {rows}, 4);
        r.rope = c.rope;
        std::vector<float> out(x.size());
        r.out = reference ? dense(x64->data(), PMX_DTYPE_F64, {rows, heads, D}, 8) : dense(out.data(), PMX_DTYPE_F32, {rows, heads, D}, 4);
        const pmx_status st = reference ? pmx_rope_reference(ctx, &r) : pmx_rope(ctx, &r);
        if (st != PMX_STATUS_SUCCESS) std::printf("FAIL %s: pmx_rope: %s\n", c.name.c_str(), pmx_test::last_error(ctx).c_str());
        if (!reference) x = out;
        return st == PMX_STATUS_SUCCESS;
    };

    // Fused RoPE.
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> out_fused(q.size(), nan), lse_fused(size_t(rows_q * H), nan);
    pmx_attention_params a = params(q.data(), k.data(), out_fused.data(), lse_fused.data(), true);
    if (pmx_status st = run_fused(ctx, a); st != PMX_STATUS_SUCCESS) {
        std::printf("FAIL %s: fused: %s\n", c.name.c_str(), pmx_test::last_error(ctx).c_str());
        return false;
    }
    // Rotate first, then attention without RoPE.
    std::vector<float> qr = q, kr = k;
    if (!rotate(qr, rows_q, H, qpos, false, nullptr) || !rotate(kr, rows_k, Hk, kpos, false, nullptr)) return false;
    std::vector<float> out_two(q.size(), nan), lse_two(size_t(rows_q * H), nan);
    pmx_attention_params b = params(qr.data(), kr.data(), out_two.data(), lse_two.data(), false);
    if (run_fused(ctx, b) != PMX_STATUS_SUCCESS) return false;

    // The float64 reference: fused RoPE against RoPE first (both in float64).
    std::vector<double> q64(q.size()), k64(k.size());
    if (!rotate(q, rows_q, H, qpos, true, &q64) || !rotate(k, rows_k, Hk, kpos, true, &k64)) return false;
    std::vector<double> ref_fused(q.size(), NAN), ref_two(q.size(), NAN), lref(size_t(rows_q * H)), lref2(lref.size());
    pmx_attention_params r1 = params(q.data(), k.data(), out_fused.data(), lse_fused.data(), true);
    pmx_attention_params r2 = params(q.data(), k.data(), out_fused.data(), lse_fused.data(), false);
    auto to64 = [&](pmx_tensor &t, void *data, int64_t bytes) {
        t.data = data;
        t.dtype = PMX_DTYPE_F64;
        t.byte_size = bytes;
    };
    to64(r1.out, ref_fused.data(), int64_t(ref_fused.size() * 8));
    to64(r1.lse, lref.data(), int64_t(lref.size() * 8));
    to64(r2.q, q64.data(), int64_t(q64.size() * 8));
    to64(r2.k, k64.data(), int64_t(k64.size() * 8));
    to64(r2.out, ref_two.data(), int64_t(ref_two.size() * 8));
    to64(r2.lse, lref2.data(), int64_t(lref2.size() * 8));
    if (pmx_attention_fwd_reference(ctx, &r1) != PMX_STATUS_SUCCESS || pmx_attention_fwd_reference(ctx, &r2) != PMX_STATUS_SUCCESS) {
        std::printf("FAIL %s: reference: %s\n", c.name.c_str(), pmx_test::last_error(ctx).c_str());
        return false;
    }
    double ref_diff = 0, kernel_vs_ref = 0;
    for (size_t i = 0; i < ref_fused.size(); ++i) {
        ref_diff = std::max(ref_diff, std::fabs(ref_fused[i] - ref_two[i]));
        kernel_vs_ref = std::max(kernel_vs_ref, std::fabs(double(out_fused[i]) - ref_fused[i]));
    }
    const double fused_vs_two = max_abs_diff(out_fused, out_two), lse_diff = max_abs_diff(lse_fused, lse_two);
    const bool ok = fused_vs_two <= 2e-5 && lse_diff <= 5e-5 && ref_diff <= 1e-12 && kernel_vs_ref <= 2e-5 &&
                    !std::isnan(fused_vs_two) && !std::isnan(kernel_vs_ref);
    std::printf("%s %s: fused vs rope-then-attention %.2e (lse %.2e), kernel vs reference %.2e, "
                "reference fused vs rope first %.2e\n", ok ? "ok  " : "FAIL", c.name.c_str(), fused_vs_two, lse_diff,
                kernel_vs_ref, ref_diff);
    return ok;
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr;
    if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS) return 1;
    pmx_context_set_num_threads(ctx, 2);
    std::mt19937_64 rng(8);
    std::vector<Case> cases;
    for (int32_t style : {PMX_ROPE_HALF, PMX_ROPE_INTERLEAVED})
        for (int32_t scaling : {PMX_ROPE_SCALING_NONE, PMX_ROPE_SCALING_LINEAR, PMX_ROPE_SCALING_NTK,
                                PMX_ROPE_SCALING_YARN, PMX_ROPE_SCALING_LLAMA3}) {
            Case c;
            c.name = std::string(style == PMX_ROPE_HALF ? "half" : "interleaved") + " scaling " + std::to_string(scaling);
            c.rope = rope_of(style, 0, scaling, 0);
            cases.push_back(c);
        }
    {
        Case c;
        c.name = "half rd 32 of D 48, Nq < Nk, offset 1000";
        c.rope = rope_of(PMX_ROPE_HALF, 32, PMX_ROPE_SCALING_NONE, 1000);
        c.nq = 70;
        c.nk = 201;
        cases.push_back(c);
        c.name = "interleaved rd 16, Nq > Nk, not causal";
        c.rope = rope_of(PMX_ROPE_INTERLEAVED, 16, PMX_ROPE_SCALING_YARN, 0);
        c.causal = false;
        c.nq = 201;
        c.nk = 70;
        cases.push_back(c);
        c.name = "varlen, window, globals, yarn";
        c.causal = true;
        c.window = true;
        c.global = {0, 40, 99};
        c.len_q = {100, 0, 33, 130};
        c.len_k = c.len_q;
        cases.push_back(c);
        c.name = "varlen Nq != Nk, llama3, rd 2";
        c.window = false;
        c.global.clear();
        c.rope = rope_of(PMX_ROPE_HALF, 2, PMX_ROPE_SCALING_LLAMA3, 7);
        c.len_k = {120, 5, 33, 300};
        cases.push_back(c);
    }
    int failed = 0;
    for (const Case &c : cases)
        if (!check(c, ctx, rng)) ++failed;
    pmx_context_destroy(ctx);
    std::printf("%d of %zu cases failed\n", failed, cases.size());
    return failed == 0 ? 0 : 1;
}
