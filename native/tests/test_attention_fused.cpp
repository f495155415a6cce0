// The fused CPU attention forward against the float64 reference, through the
// public C API, on the ISA path this process runs (CTest runs it once per
// PMX_ISA value). Covers odd sequence lengths and head dims, GQA/MQA, packed
// varlen batches with empty sequences, bottom-right causal masks with
// Nq < Nk and Nq > Nk, non-contiguous views, extreme logits, and that results
// are bit-identical for any thread count and under concurrent callers.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using pmx_test::is_poison;
using pmx_test::poison;
using pmx_test::run_fused;
using pmx_test::view;




pmx_tensor dense_of(void *data, int32_t dtype, const pmx_tensor &like, int64_t elem_bytes) {
    pmx_tensor t{};
    t.data = data;
    t.dtype = dtype;
    t.device = PMX_DEVICE_CPU;
    t.ndim = like.ndim;
    int64_t stride = 1;
    for (int d = t.ndim - 1; d >= 0; --d) {
        t.shape[d] = like.shape[d];
        t.stride[d] = stride;
        stride *= like.shape[d];
    }
    t.byte_size = stride * elem_bytes;
    return t;
}

enum class Layout {
    Dense,      // [B, N, H, D]
    FusedQkv,   // q, k, v interleaved in one [B, N, H + 2 Hkv, D] buffer
    HeadMajor,  // [B, H, N, D] memory order
    DStride2,   // [B, N, H, D] with every element two apart (q, k, v and out)
};

// A non-finite value written into one element of q, k or v (dense layout).
struct Inject {
    char tensor;  // 'q', 'k' or 'v'
    int64_t b, n, h, d;
    float value;
};

struct Case {
    std::string name;
    std::vector<Inject> injects;
    int64_t batch = 1, heads = 1, kv_heads = 1, head_dim = 64, nq = 1, nk = 1;
    bool causal = false;
    std::vector<int32_t> len_q, len_k;  // packed varlen when non-empty
    Layout layout = Layout::Dense;
    float amplitude = 1.f;  // inputs uniform in [-a, a]
    float scale = 0.f;      // 0: 1/sqrt(D)
};

// Buffers and the params that view them.
struct Problem {
    std::vector<float> qkv_buf, k_buf, v_buf, out_buf, lse_buf;
    std::vector<int32_t> cu_q, cu_k;
    pmx_attention_params params{};
    int64_t total_q = 0, total_k = 0;
    bool varlen = false;
};

void build(const Case &c, Problem &pr, std::mt19937_64 &rng) {
    pmx_attention_params &a = pr.params;
    a = pmx_attention_params{};
    a.struct_size = sizeof(pmx_attention_params);
    a.scale = c.scale;
    a.causal = c.causal ? 1 : 0;
    pr.varlen = !c.len_q.empty();
    const int64_t H = c.heads, Hk = c.kv_heads, D = c.head_dim;
    int64_t B = c.batch, nq = c.nq, nk = c.nk;
    if (pr.varlen) {
        pr.cu_q = {0};
        pr.cu_k = {0};
        for (size_t i = 0; i < c.len_q.size(); ++i) {
            pr.cu_q.push_back(pr.cu_q.back() + c.len_q[i]);
            pr.cu_k.push_back(pr.cu_k.back() + c.len_k[i]);
        }
        B = 1;  // one packed "batch" of rows for the buffer shapes below
        nq = pr.cu_q.back();
        nk = pr.cu_k.back();
        const int64_t nb = static_cast<int64_t>(c.len_q.size());
        a.cu_seqlens_q = view(pr.cu_q.data(), PMX_DTYPE_I32, {nb + 1}, {1}, (nb + 1) * 4);
        a.cu_seqlens_k = view(pr.cu_k.data(), PMX_DTYPE_I32, {nb + 1}, {1}, (nb + 1) * 4);
    }
    pr.total_q = B * nq;
    pr.total_k = B * nk;
    const float amp = c.amplitude;
    auto fill = [&](std::vector<float> &v, int64_t n) { v = pmx_test::random_floats(size_t(n), rng, -amp, amp); };

    // Element strides (sb, sn, sh, sd) of q, k, v and out.
    int64_t q_s[4], k_s[4], v_s[4], o_s[4];
    float *q = nullptr, *k = nullptr, *v = nullptr;
    int64_t q_bytes = 0, k_bytes = 0, v_bytes = 0, o_elems = 0;
    switch (c.layout) {
        case Layout::FusedQkv: {
            const int64_t row = (H + 2 * Hk) * D;  // needs nq == nk
            fill(pr.qkv_buf, B * nq * row);
            q = pr.qkv_buf.data();
            k = q + H * D;
            v = q + (H + Hk) * D;
            const int64_t s[4] = {nq * row, row, D, 1};
            std::copy(s, s + 4, q_s);
            std::copy(s, s + 4, k_s);
            std::copy(s, s + 4, v_s);
            q_bytes = int64_t(pr.qkv_buf.size()) * 4;
            k_bytes = q_bytes - H * D * 4;
            v_bytes = q_bytes - (H + Hk) * D * 4;
            break;
        }
        case Layout::HeadMajor: {
            fill(pr.qkv_buf, B * H * nq * D);
            fill(pr.k_buf, B * Hk * nk * D);
            fill(pr.v_buf, B * Hk * nk * D);
            q = pr.qkv_buf.data();
            k = pr.k_buf.data();
            v = pr.v_buf.data();
            const int64_t sq[4] = {H * nq * D, D, nq * D, 1}, sk[4] = {Hk * nk * D, D, nk * D, 1};
            std::copy(sq, sq + 4, q_s);
            std::copy(sk, sk + 4, k_s);
            std::copy(sk, sk + 4, v_s);
            q_bytes = int64_t(pr.qkv_buf.size()) * 4;
            k_bytes = int64_t(pr.k_buf.size()) * 4;
            v_bytes = int64_t(pr.v_buf.size()) * 4;
            break;
        }
        case Layout::Dense:
        case Layout::DStride2: {
            const int64_t e = c.layout == Layout::DStride2 ? 2 : 1;
            fill(pr.qkv_buf, B * nq * H * D * e);
            fill(pr.k_buf, B * nk * Hk * D * e);
            fill(pr.v_buf, B * nk * Hk * D * e);
            q = pr.qkv_buf.data();
            k = pr.k_buf.data();
            v = pr.v_buf.data();
            const int64_t sq[4] = {nq * H * D * e, H * D * e, D * e, e};
            const int64_t sk[4] = {nk * Hk * D * e, Hk * D * e, D * e, e};
            std::copy(sq, sq + 4, q_s);
            std::copy(sk, sk + 4, k_s);
            std::copy(sk, sk + 4, v_s);
            q_bytes = int64_t(pr.qkv_buf.size()) * 4;
            k_bytes = int64_t(pr.k_buf.size()) * 4;
            v_bytes = int64_t(pr.v_buf.size()) * 4;
            break;
        }
    }
    // out mirrors q's layout (head-major / d-stride 2 outputs too).
    {
        const int64_t e = c.layout == Layout::DStride2 ? 2 : 1;
        if (c.layout == Layout::HeadMajor) {
            const int64_t s[4] = {H * nq * D, D, nq * D, 1};
            std::copy(s, s + 4, o_s);
        } else {
            const int64_t s[4] = {nq * H * D * e, H * D * e, D * e, e};
            std::copy(s, s + 4, o_s);
        }
        o_elems = B * nq * H * D * e;
        pr.out_buf.assign(size_t(o_elems), poison());
    }
    pr.lse_buf.assign(size_t(B * H * nq), poison());
    float *o = pr.out_buf.data();
    if (pr.varlen) {
        a.q = view(q, PMX_DTYPE_F32, {nq, H, D}, {q_s[1], q_s[2], q_s[3]}, q_bytes);
        a.k = view(k, PMX_DTYPE_F32, {nk, Hk, D}, {k_s[1], k_s[2], k_s[3]}, k_bytes);
        a.v = view(v, PMX_DTYPE_F32, {nk, Hk, D}, {v_s[1], v_s[2], v_s[3]}, v_bytes);
        a.out = view(o, PMX_DTYPE_F32, {nq, H, D}, {o_s[1], o_s[2], o_s[3]}, o_elems * 4);
        a.lse = view(pr.lse_buf.data(), PMX_DTYPE_F32, {H, nq}, {nq, 1}, H * nq * 4);
    } else {
        a.q = view(q, PMX_DTYPE_F32, {B, nq, H, D}, {q_s[0], q_s[1], q_s[2], q_s[3]}, q_bytes);
        a.k = view(k, PMX_DTYPE_F32, {B, nk, Hk, D}, {k_s[0], k_s[1], k_s[2], k_s[3]}, k_bytes);
        a.v = view(v, PMX_DTYPE_F32, {B, nk, Hk, D}, {v_s[0], v_s[1], v_s[2], v_s[3]}, v_bytes);
        a.out = view(o, PMX_DTYPE_F32, {B, nq, H, D}, {o_s[0], o_s[1], o_s[2], o_s[3]}, o_elems * 4);
        a.lse = view(pr.lse_buf.data(), PMX_DTYPE_F32, {B, H, nq}, {H * nq, nq, 1}, B * H * nq * 4);
    }
    for (const Inject &in : c.injects) {
        const pmx_tensor &t = in.tensor == 'q' ? a.q : in.tensor == 'k' ? a.k : a.v;
        static_cast<float *>(t.data)[in.b * t.stride[0] + in.n * t.stride[1] + in.h * t.stride[2] +
                                     in.d * t.stride[3]] = in.value;
    }
}

// Whether IEEE arithmetic makes out[b, i, h, d] (d < 0: lse[b, h, i]) NaN,
// derived from the injections alone (dense cases): a NaN or +inf in q row i
// reaches all of that row; a NaN in key row j every row that sees j; a NaN
// in V[j][d] column d of those rows (lse does not read V).
bool expect_nan(const Case &c, int64_t b, int64_t i, int64_t h, int64_t d) {
    const int64_t hk = h / (c.heads / c.kv_heads);
    for (const Inject &in : c.injects) {
        if (in.b != b) continue;
        const bool sees = !c.causal || in.n <= i + (c.nk - c.nq);
        if (in.tensor == 'q' && in.n == i && in.h == h) return true;
        if (in.tensor == 'k' && in.h == hk && sees) return true;
        if (in.tensor == 'v' && in.h == hk && sees && d == in.d) return true;
    }
    return false;
}

// Element offset of (row, head, dim) in a tensor view, row being the
// sequence-major row index (dense: b * N + n).
int64_t offset(const pmx_tensor &t, bool varlen, int64_t n_per_batch, int64_t row, int64_t h, int64_t d) {
    if (varlen) return row * t.stride[0] + h * t.stride[1] + d * t.stride[2];
    return (row / n_per_batch) * t.stride[0] + (row % n_per_batch) * t.stride[1] + h * t.stride[2] +
           d * t.stride[3];
}


// fp32 conditioning of row (b, h, i)'s scores: a bound on how far any fp32
// evaluation of q·k·scale may be off, (D + 4)·u·scale·max_j Σ_d |q_d k_jd|.
// Only used for the extreme-logit cases, where it exceeds 1e-5.
double score_error_bound(const Case &c, const Problem &pr, int64_t b, int64_t h, int64_t i) {
    const pmx_attention_params &a = pr.params;
    const float *q = static_cast<const float *>(a.q.data);
    const float *k = static_cast<const float *>(a.k.data);
    const int64_t D = c.head_dim, hk = h / (c.heads / c.kv_heads);
    const int64_t qrow = pr.varlen ? pr.cu_q[b] + i : b * c.nq + i;
    const int64_t k0 = pr.varlen ? pr.cu_k[b] : b * c.nk;
    const int64_t nk = pr.varlen ? pr.cu_k[b + 1] - pr.cu_k[b] : c.nk;
    const double scale = c.scale != 0.f ? c.scale : 1.0 / std::sqrt(double(D));
    double worst = 0;
    for (int64_t j = 0; j < nk; ++j) {
        double s = 0;
        for (int64_t d = 0; d < D; ++d)
            s += std::fabs(double(q[offset(a.q, pr.varlen, c.nq, qrow, h, d)]) *
                           double(k[offset(a.k, pr.varlen, c.nk, k0 + j, hk, d)]));
        worst = std::max(worst, s);
    }
    return double(D + 4) * 0x1p-24 * scale * worst;
}

bool check_case(const Case &c, pmx_context *ctx, pmx_context *ctx1, std::mt19937_64 &rng) {
    Problem pr;
    build(c, pr, rng);
    pmx_attention_params a = pr.params;
    const pmx_status st = run_fused(ctx, a);
    if (st != PMX_STATUS_SUCCESS) {
        std::printf("FAIL %s: pmx_attention_fwd returned %s: %s\n", c.name.c_str(), pmx_status_name(st),
                    pmx_test::last_error(ctx).c_str());
        return false;
    }

    // float64 reference into dense F64 outputs.
    std::vector<double> ref_out(size_t(pr.total_q * c.heads * c.head_dim), std::nan(""));
    std::vector<double> ref_lse(size_t(pr.total_q * c.heads), std::nan(""));
    pmx_attention_params r = a;
    r.out = dense_of(ref_out.data(), PMX_DTYPE_F64, a.out, 8);
    r.lse = dense_of(ref_lse.data(), PMX_DTYPE_F64, a.lse, 8);
    const pmx_status rs = pmx_attention_fwd_reference(ctx, &r);
    if (rs != PMX_STATUS_SUCCESS) {
        std::printf("FAIL %s: reference returned %s: %s\n", c.name.c_str(), pmx_status_name(rs),
                    pmx_test::last_error(ctx).c_str());
        return false;
    }

    const bool extreme = c.amplitude > 4.f;
    const int64_t H = c.heads, D = c.head_dim;
    const int64_t nseq = pr.varlen ? int64_t(c.len_q.size()) : c.batch;
    double max_ref = 0, vmax = 0;
    for (double x : ref_out)
        if (std::isfinite(x)) max_ref = std::max(max_ref, std::fabs(x));
    // max |v| (the fused-QKV layout keeps v inside the shared buffer).
    for (float x : pr.v_buf.empty() ? pr.qkv_buf : pr.v_buf) vmax = std::max(vmax, double(std::fabs(x)));
    const float *out = pr.out_buf.data();
    const float *lse = pr.lse_buf.data();
    int64_t bad = 0, bad_ref = 0, unwritten = 0, nan_rows = 0;
    double worst_rel = 0, worst_lse = 0;
    for (int64_t b = 0; b < nseq; ++b) {
        const int64_t len = pr.varlen ? pr.cu_q[b + 1] - pr.cu_q[b] : c.nq;
        for (int64_t h = 0; h < H; ++h) {
            for (int64_t i = 0; i < len; ++i) {
                const int64_t row = pr.varlen ? pr.cu_q[b] + i : b * c.nq + i;
                const double bound = extreme ? score_error_bound(c, pr, b, h, i) : 0.0;
                const double out_tol = 1e-5 * std::max(max_ref, 1e-30) + 2.0 * vmax * bound;
                for (int64_t d = 0; d < D; ++d) {
                    const float got = out[offset(a.out, pr.varlen, c.nq, row, h, d)];
                    const double want = ref_out[size_t(offset(r.out, pr.varlen, c.nq, row, h, d))];
                    if (is_poison(got)) {
                        ++unwritten;
                        continue;
                    }
                    if (std::isnan(want) != expect_nan(c, b, i, h, d)) ++bad_ref;
                    if (std::isnan(want) || std::isnan(got)) {
                        nan_rows += std::isnan(got) && d == 0;
                        if (std::isnan(want) != std::isnan(got)) ++bad;
                        continue;
                    }
                    const double err = std::fabs(got - want);
                    worst_rel = std::max(worst_rel, err / std::max(max_ref, 1e-30));
                    if (err > out_tol || (want == 0.0 && got != 0.f)) ++bad;
                }
                const int64_t li = pr.varlen ? h * pr.total_q + row : (b * H + h) * c.nq + i;
                const float got = lse[li];
                const double want = ref_lse[size_t(li)];
                if (std::isnan(want) != expect_nan(c, b, i, h, -1)) ++bad_ref;
                if (is_poison(got)) {
                    ++unwritten;
                } else if (std::isnan(want) || std::isnan(got)) {
                    if (std::isnan(want) != std::isnan(got)) ++bad;
                } else if (std::isinf(want)) {
                    if (!(std::isinf(got) && got < 0)) ++bad;
                } else {
                    const double err = std::fabs(got - want);
                    worst_lse = std::max(worst_lse, err / std::max(1.0, std::fabs(want)));
                    if (err > 1e-5 * std::max(1.0, std::fabs(want)) + bound) ++bad;
                }
            }
        }
    }

    // Bit-identical with one thread.
    std::vector<float> out_n = pr.out_buf, lse_n = pr.lse_buf;
    std::fill(pr.out_buf.begin(), pr.out_buf.end(), poison());
    std::fill(pr.lse_buf.begin(), pr.lse_buf.end(), poison());
    bool same = run_fused(ctx1, a) == PMX_STATUS_SUCCESS;
    for (size_t i = 0; same && i < out_n.size(); ++i)
        same = std::memcmp(&out_n[i], &pr.out_buf[i], sizeof(float)) == 0;
    for (size_t i = 0; same && i < lse_n.size(); ++i)
        same = std::memcmp(&lse_n[i], &pr.lse_buf[i], sizeof(float)) == 0;

    const bool ok = bad == 0 && bad_ref == 0 && unwritten == 0 && same;
    std::printf("%s %-46s max err/max|ref| %.2e  lse rel %.2e  bad %lld  unwritten %lld  1-thread identical %s",
                ok ? "ok  " : "FAIL", c.name.c_str(), worst_rel, worst_lse, (long long)bad, (long long)unwritten,
                same ? "yes" : "NO");
    if (!c.injects.empty()) std::printf("  NaN rows %lld  reference NaN misplaced %lld", (long long)nan_rows, (long long)bad_ref);
    std::printf("\n");
    return ok;
}

// 8 callers at once, each with its own context, workspace and output, must
// produce the single-threaded result bit for bit.
bool check_concurrent_callers(pmx_context *ctx1, std::mt19937_64 &rng) {
    Case c;
    c.name = "concurrent";
    c.batch = 2;
    c.heads = 4;
    c.kv_heads = 2;
    c.head_dim = 80;
    c.nq = c.nk = 300;
    c.causal = true;
    Problem pr;
    build(c, pr, rng);
    if (run_fused(ctx1, pr.params) != PMX_STATUS_SUCCESS) return false;
    const std::vector<float> want = pr.out_buf, want_lse = pr.lse_buf;

    constexpr int kCallers = 8;
    std::atomic<int> failures{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < kCallers; ++t) {
        callers.emplace_back([&, t] {
            pmx_context *ctx = nullptr;
            if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS) {
                ++failures;
                return;
            }
            pmx_context_set_num_threads(ctx, 1 + t % 3);
            std::vector<float> out(pr.out_buf.size(), poison()), lse(pr.lse_buf.size(), poison());
            pmx_attention_params a = pr.params;
            a.out.data = out.data();
            a.lse.data = lse.data();
            for (int rep = 0; rep < 3; ++rep) {
                if (run_fused(ctx, a) != PMX_STATUS_SUCCESS ||
                    std::memcmp(out.data(), want.data(), out.size() * sizeof(float)) != 0 ||
                    std::memcmp(lse.data(), want_lse.data(), lse.size() * sizeof(float)) != 0)
                    ++failures;
            }
            pmx_context_destroy(ctx);
        });
    }
    for (auto &th : callers) th.join();
    std::printf("%s %d concurrent callers (1..3 threads each) bit-identical to 1 thread\n",
                failures == 0 ? "ok  " : "FAIL", kCallers);
    return failures == 0;
}

std::vector<Case> cases() {
    std::vector<Case> cs;
    auto add = [&](Case c) { cs.push_back(std::move(c)); };
    for (bool causal : {false, true}) {
        const std::string cz = causal ? " causal" : "";
        for (int64_t n : {1, 17})
            for (int64_t d : {1, 17, 32, 64, 80, 96, 128, 200, 256, 512}) {
                Case c;
                c.name = "dense B=2 H=3 N=" + std::to_string(n) + " D=" + std::to_string(d) + cz;
                c.batch = 2, c.heads = 3, c.kv_heads = 3, c.head_dim = d, c.nq = c.nk = n, c.causal = causal;
                add(c);
            }
        for (int64_t d : {17, 64, 80, 128, 200}) {
            Case c;
            c.name = "dense H=2 N=1013 D=" + std::to_string(d) + cz;
            c.heads = 2, c.kv_heads = 2, c.head_dim = d, c.nq = c.nk = 1013, c.causal = causal;
            add(c);
        }
        {
            Case c;
            c.name = "dense H=1 N=4097 D=64" + cz;
            c.head_dim = 64, c.nq = c.nk = 4097, c.causal = causal;
            add(c);
        }
        {
            Case c;
            c.name = "gqa 8:2 N=300 D=64" + cz;
            c.batch = 2, c.heads = 8, c.kv_heads = 2, c.nq = c.nk = 300, c.causal = causal;
            add(c);
            c.name = "mqa 8:1 N=129 D=96" + cz;
            c.batch = 1, c.heads = 8, c.kv_heads = 1, c.head_dim = 96, c.nq = c.nk = 129;
            add(c);
        }
        {
            Case c;
            c.name = "varlen 6 seqs incl. empty, D=64" + cz;
            c.heads = 4, c.kv_heads = 2, c.causal = causal;
            c.len_q = {100, 1, 0, 257, 64, 3};
            c.len_k = {90, 1, 5, 257, 200, 0};
            add(c);
            c.name = "varlen 3 seqs D=80 scale 0.3" + cz;
            c.heads = 2, c.kv_heads = 2, c.head_dim = 80, c.scale = 0.3f;
            c.len_q = {65, 0, 130};
            c.len_k = {65, 0, 130};
            add(c);
        }
        {
            Case c;
            c.causal = causal;
            c.name = "Nq < Nk 100x333" + cz;
            c.batch = 2, c.heads = 2, c.kv_heads = 1, c.nq = 100, c.nk = 333;
            add(c);
            c.name = "Nq > Nk 333x100" + cz;
            c.nq = 333, c.nk = 100;
            add(c);
            c.name = "Nq > Nk 70x1 D=32" + cz;
            c.batch = 1, c.head_dim = 32, c.nq = 70, c.nk = 1;
            add(c);
        }
        {
            Case c;
            c.causal = causal;
            c.name = "fused qkv view N=200 D=80 GQA 4:2" + cz;
            c.batch = 2, c.heads = 4, c.kv_heads = 2, c.head_dim = 80, c.nq = c.nk = 200, c.layout = Layout::FusedQkv;
            add(c);
            c.name = "head-major N=150 D=64" + cz;
            c.heads = 4, c.kv_heads = 4, c.head_dim = 64, c.nq = c.nk = 150, c.layout = Layout::HeadMajor;
            add(c);
            c.name = "d-stride 2 N=150 D=40 GQA 4:2" + cz;
            c.kv_heads = 2, c.head_dim = 40, c.layout = Layout::DStride2;
            add(c);
        }
        {
            // Non-finite inputs: NaN exactly where IEEE float64 puts it. The k/v
            // rows sit inside diagonal tiles, where some lanes of a vector see
            // the key and others do not.
            Case c;
            c.causal = causal;
            c.batch = 2, c.heads = 4, c.kv_heads = 2, c.head_dim = 33, c.nq = c.nk = 300;
            const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
            c.name = "NaN in one q row" + cz;
            c.injects = {{'q', 1, 77, 2, 5, nan}};
            add(c);
            c.name = "NaN in one k row and one v element" + cz;
            c.injects = {{'k', 0, 90, 1, 3, nan}, {'v', 1, 100, 0, 7, nan}};
            add(c);
            c.name = "+inf in one q row" + cz;
            c.injects = {{'q', 0, 33, 1, 0, inf}};
            add(c);
        }
        {
            Case c;
            c.causal = causal;
            c.name = "extreme logits |s|~1e4 N=200 D=64" + cz;
            c.heads = 2, c.kv_heads = 2, c.nq = c.nk = 200, c.amplitude = 60.f;
            add(c);
            c.name = "extreme logits |s|~1e4 N=77 D=17" + cz;
            c.head_dim = 17, c.nq = c.nk = 77, c.amplitude = 40.f;
            add(c);
        }
    }
    return cs;
}

}  // namespace

int main() {
    pmx_test::skip_unless_requested_isa_runs();
    pmx_context *ctx = nullptr, *ctx1 = nullptr;
    if (!pmx_test::open_contexts(ctx, ctx1, 2)) return 1;

    std::mt19937_64 rng(20261123);
    int failures = 0;
    for (const Case &c : cases()) failures += check_case(c, ctx, ctx1, rng) ? 0 : 1;
    failures += check_concurrent_callers(ctx1, rng) ? 0 : 1;

    pmx_context_destroy(ctx);
    pmx_context_destroy(ctx1);
    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
