// The unfused attention baseline (pmx_bench_attention_unfused) against the
// float64 reference, through the public C API, on fresh random inputs: causal
// and not, GQA/MQA, packed varlen with empty sequences, N = 1 and 17, Nq != Nk,
// D = 1, 13, 64, 128, q/k/v read from one fused QKV buffer with a head-major
// output, with and without lse, NaN propagation; and its argument errors
// (workspace too small or misaligned, sizes that overflow 64 bits).
//
// Tolerance: 1e-5 of the largest |output| (and of max(1, |lse|)). The inputs
// are uniform in [-1, 1], so scores are at most sqrt(D) in size and fp32
// rounding (u = 6e-8) over D-term sgemm dot products, Nk-term sums and one
// exp per score gave at most 5e-7 here: 1e-5 leaves room for any summation
// order oneDNN picks and still catches a wrong mask, scale, stride or row
// (each changes results at the 1e-2 level).
#include <algorithm>
#include <cmath>
#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "panamax/panamax.h"
#include "test_support.h"

namespace {

using pmx_test::view;

constexpr float kPoison = 12345.f;  // no output of these inputs can be this large

struct Case {
    std::string name;
    int64_t batch = 1, heads = 1, kv_heads = 1, head_dim = 64, nq = 1, nk = 1;
    bool causal = false;
    std::vector<int32_t> len_q, len_k;  // packed varlen when non-empty
    bool fused_qkv = false;             // q, k, v rows interleaved in one buffer; out head-major
    bool lse = true;
    int threads = 3;
    bool nan_inputs = false;  // NaN in q row 3 (head 0) and in one element of the last value row
};

// Row-major placement of a [rows, heads, D] block inside a buffer.
struct Placement {
    int64_t offset = 0, row_stride = 0, head_stride = 0;
};

struct Problem {
    std::vector<float> qkv, kbuf, vbuf, out, lse;
    std::vector<int32_t> cu_q, cu_k;
    pmx_attention_params params{};
    int64_t rows_q = 0, rows_k = 0;  // all query / key rows (B·N dense, total varlen)
};

pmx_tensor tensor_of(float *buf, size_t buf_elems, const Placement &at, bool varlen, int64_t batch, int64_t rows,
                     int64_t heads, int64_t d, int64_t batch_stride) {
    const int64_t bytes = int64_t(buf_elems - size_t(at.offset)) * 4;
    if (varlen) return view(buf + at.offset, PMX_DTYPE_F32, {rows, heads, d}, {at.row_stride, at.head_stride, 1}, bytes);
    return view(buf + at.offset, PMX_DTYPE_F32, {batch, rows / batch, heads, d},
                {batch_stride, at.row_stride, at.head_stride, 1}, bytes);
}

void build(const Case &c, Problem &pr, std::mt19937_64 &rng) {
    const bool varlen = !c.len_q.empty();
    const int64_t H = c.heads, Hk = c.kv_heads, D = c.head_dim;
    int64_t seqs = c.batch;
    pr.rows_q = c.batch * c.nq;
    pr.rows_k = c.batch * c.nk;
    pmx_attention_params &a = pr.params;
    a = pmx_attention_params{};
    a.struct_size = sizeof a;
    a.causal = c.causal;
    if (varlen) {
        pr.cu_q = {0};
        pr.cu_k = {0};
        for (size_t i = 0; i < c.len_q.size(); ++i) {
            pr.cu_q.push_back(pr.cu_q.back() + c.len_q[i]);
            pr.cu_k.push_back(pr.cu_k.back() + c.len_k[i]);
        }
        seqs = int64_t(c.len_q.size());
        pr.rows_q = pr.cu_q.back();
        pr.rows_k = pr.cu_k.back();
        a.cu_seqlens_q = view(pr.cu_q.data(), PMX_DTYPE_I32, {seqs + 1}, {1}, (seqs + 1) * 4);
        a.cu_seqlens_k = view(pr.cu_k.data(), PMX_DTYPE_I32, {seqs + 1}, {1}, (seqs + 1) * 4);
    }
    const int64_t nq = pr.rows_q / (varlen ? 1 : c.batch), nk = pr.rows_k / (varlen ? 1 : c.batch);
    const int64_t b = varlen ? 1 : c.batch;
    if (c.fused_qkv) {  // [rows, H + 2 Hkv, D]; needs nq == nk
        const int64_t row = (H + 2 * Hk) * D;
        pr.qkv = pmx_test::random_floats(size_t(pr.rows_q * row), rng);
        const Placement q{0, row, D}, k{H * D, row, D}, v{(H + Hk) * D, row, D};
        a.q = tensor_of(pr.qkv.data(), pr.qkv.size(), q, varlen, b, pr.rows_q, H, D, nq * row);
        a.k = tensor_of(pr.qkv.data(), pr.qkv.size(), k, varlen, b, pr.rows_k, Hk, D, nk * row);
        a.v = tensor_of(pr.qkv.data(), pr.qkv.size(), v, varlen, b, pr.rows_k, Hk, D, nk * row);
    } else {
        pr.qkv = pmx_test::random_floats(size_t(pr.rows_q * H * D), rng);
        pr.kbuf = pmx_test::random_floats(size_t(pr.rows_k * Hk * D), rng);
        pr.vbuf = pmx_test::random_floats(size_t(pr.rows_k * Hk * D), rng);
        a.q = tensor_of(pr.qkv.data(), pr.qkv.size(), {0, H * D, D}, varlen, b, pr.rows_q, H, D, nq * H * D);
        a.k = tensor_of(pr.kbuf.data(), pr.kbuf.size(), {0, Hk * D, D}, varlen, b, pr.rows_k, Hk, D, nk * Hk * D);
        a.v = tensor_of(pr.vbuf.data(), pr.vbuf.size(), {0, Hk * D, D}, varlen, b, pr.rows_k, Hk, D, nk * Hk * D);
    }
    if (c.nan_inputs) {
        static_cast<float *>(a.q.data)[3 * a.q.stride[varlen ? 0 : 1]] = std::nanf("");
        const int64_t last_v = (pr.rows_k - 1) * a.v.stride[varlen ? 0 : 1];
        static_cast<float *>(a.v.data)[last_v + D / 2] = std::nanf("");
    }
    pr.out.assign(size_t(pr.rows_q * H * D), kPoison);
    // Head-major output ([B, H, N, D] in memory) when reading a fused QKV buffer.
    const Placement o = c.fused_qkv ? Placement{0, D, nq * D} : Placement{0, H * D, D};
    a.out = tensor_of(pr.out.data(), pr.out.size(), o, varlen, b, pr.rows_q, H, D, nq * H * D);
    if (c.lse) {
        pr.lse.assign(size_t(pr.rows_q * H), kPoison);
        a.lse = varlen ? view(pr.lse.data(), PMX_DTYPE_F32, {H, nq}, {nq, 1}, H * nq * 4)
                       : view(pr.lse.data(), PMX_DTYPE_F32, {b, H, nq}, {H * nq, nq, 1}, b * H * nq * 4);
    }
}

struct AlignedFree {
    void operator()(void *p) const { std::free(p); }
};
using Workspace = std::unique_ptr<void, AlignedFree>;

Workspace workspace_of(int64_t bytes) {
    return Workspace(std::aligned_alloc(64, size_t((std::max<int64_t>(bytes, 1) + 63) / 64 * 64)));
}

pmx_status run_unfused(pmx_context *ctx, const pmx_attention_params &a) {
    int64_t bytes = -1;
    const pmx_status st = pmx_bench_attention_unfused_workspace_size(ctx, &a, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    Workspace ws = workspace_of(bytes);
    return pmx_bench_attention_unfused(ctx, &a, ws.get(), bytes);
}

// Element offset of (row, head, d) in t, `row` counting all rows (dense: b·N + n).
int64_t at(const pmx_tensor &t, int64_t row, int64_t h, int64_t d) {
    if (t.ndim == 3) return row * t.stride[0] + h * t.stride[1] + d * t.stride[2];
    return (row / t.shape[1]) * t.stride[0] + (row % t.shape[1]) * t.stride[1] + h * t.stride[2] + d * t.stride[3];
}

// got vs want: equal NaN-ness and infinities, else |got - want| <= tol;
// an exact 0 (a row that sees no key) must be exactly 0.
bool close(float got, double want, double tol) {
    if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
    if (std::isinf(want) || std::isinf(got)) return double(got) == want;
    if (want == 0.0) return got == 0.f;
    return std::fabs(got - want) <= tol;
}

bool check_case(const Case &c, std::mt19937_64 &rng) {
    Problem pr;
    build(c, pr, rng);
    const pmx_attention_params &a = pr.params;
    pmx_context *ctx = nullptr;
    pmx_context_create(&ctx);
    pmx_context_set_num_threads(ctx, c.threads);
    const pmx_status st = run_unfused(ctx, a);
    if (st != PMX_STATUS_SUCCESS) {
        std::printf("FAIL %s: %s: %s\n", c.name.c_str(), pmx_status_name(st), pmx_test::last_error(ctx).c_str());
        pmx_context_destroy(ctx);
        return false;
    }

    const int64_t H = c.heads, D = c.head_dim, rows = pr.rows_q;
    std::vector<double> ref_out(size_t(rows * H * D), std::nan("")), ref_lse(size_t(rows * H), std::nan(""));
    pmx_attention_params r = a;
    const bool varlen = !c.len_q.empty();
    const int64_t b = varlen ? 1 : c.batch, nq = rows / b;
    r.out = varlen ? pmx_test::dense(ref_out.data(), PMX_DTYPE_F64, {rows, H, D}, 8)
                   : pmx_test::dense(ref_out.data(), PMX_DTYPE_F64, {b, nq, H, D}, 8);
    r.lse = varlen ? pmx_test::dense(ref_lse.data(), PMX_DTYPE_F64, {H, rows}, 8)
                   : pmx_test::dense(ref_lse.data(), PMX_DTYPE_F64, {b, H, nq}, 8);
    const pmx_status rs = pmx_attention_fwd_reference(ctx, &r);
    pmx_context_destroy(ctx);
    if (rs != PMX_STATUS_SUCCESS) {
        std::printf("FAIL %s: reference returned %s\n", c.name.c_str(), pmx_status_name(rs));
        return false;
    }

    double max_ref = 1e-30;
    for (double x : ref_out)
        if (std::isfinite(x)) max_ref = std::max(max_ref, std::fabs(x));
    int64_t bad = 0, nan_outputs = 0;
    double worst = 0;
    for (int64_t row = 0; row < rows; ++row)
        for (int64_t h = 0; h < H; ++h) {
            for (int64_t d = 0; d < D; ++d) {
                const float got = pr.out[size_t(at(a.out, row, h, d))];
                const double want = ref_out[size_t(at(r.out, row, h, d))];
                if (std::isfinite(want)) worst = std::max(worst, std::fabs(got - want) / max_ref);
                bad += !close(got, want, 1e-5 * max_ref);
                nan_outputs += std::isnan(want);
            }
            if (!c.lse) continue;
            const int64_t li = varlen ? h * rows + row : (row / nq * H + h) * nq + row % nq;
            bad += !close(pr.lse[size_t(li)], ref_lse[size_t(li)], 1e-5 * std::max(1.0, std::fabs(ref_lse[size_t(li)])));
        }
    const bool ok = bad == 0 && (nan_outputs > 0) == c.nan_inputs;
    std::printf("%s %-46s max err/max|ref| %.2e  bad %lld  NaN outputs %lld\n", ok ? "ok  " : "FAIL", c.name.c_str(),
                worst, (long long)bad, (long long)nan_outputs);
    return ok;
}

std::vector<Case> cases() {
    std::vector<Case> cs;
    for (bool causal : {false, true}) {
        const std::string cz = causal ? " causal" : "";
        auto add = [&](Case c) {
            c.causal = causal;
            c.name += cz;
            cs.push_back(c);
        };
        Case c;
        c = {"dense B=2 H=3 N=17 D=13", 2, 3, 3, 13, 17, 17};
        add(c);
        c = {"dense N=1 D=1", 1, 1, 1, 1, 1, 1};
        add(c);
        c = {"dense H=2 N=17 D=128 1 thread", 1, 2, 2, 128, 17, 17};
        c.threads = 1;
        add(c);
        c = {"Nq=17 Nk=40 D=64", 2, 2, 2, 64, 17, 40};
        add(c);
        c = {"Nq=40 Nk=17 D=64", 1, 2, 2, 64, 40, 17};
        add(c);
        c = {"gqa 8:2 N=65 D=64", 2, 8, 2, 64, 65, 65};
        add(c);
        c = {"mqa 4:1 N=33 D=128 no lse", 1, 4, 1, 128, 33, 33};
        c.lse = false;
        add(c);
        c = {"varlen lens 5,0,33,1,17 / 7,3,33,0,40", 1, 4, 2, 64, 0, 0};
        c.len_q = {5, 0, 33, 1, 17};
        c.len_k = {7, 3, 33, 0, 40};
        add(c);
        c = {"fused qkv B=2 N=50 H=4:2 D=64", 2, 4, 2, 64, 50, 50};
        c.fused_qkv = true;
        add(c);
        c = {"fused qkv varlen lens 9,0,20", 1, 2, 1, 13, 0, 0};
        c.len_q = c.len_k = {9, 0, 20};
        c.fused_qkv = true;
        add(c);
        c = {"NaN in q row 3 and the last v row N=20", 1, 2, 1, 16, 20, 20};
        c.nan_inputs = true;
        add(c);
    }
    return cs;
}

bool expect(bool cond, const char *what, pmx_context *ctx) {
    std::printf("%s %s%s%s\n", cond ? "ok  " : "FAIL", what, cond ? "" : " — last error: ",
                cond ? "" : pmx_test::last_error(ctx).c_str());
    return cond;
}

bool starts_with(const std::string &s, const char *prefix) { return s.rfind(prefix, 0) == 0; }

// Workspace errors leave the outputs untouched.
bool check_workspace_errors(std::mt19937_64 &rng) {
    pmx_context *ctx = nullptr;
    pmx_context_create(&ctx);
    bool ok = true;
    Case dense{"", 1, 2, 2, 16, 30, 30};
    Case varlen{"", 1, 2, 2, 16, 0, 0};
    varlen.len_q = varlen.len_k = {10, 20};
    for (const Case &c : {dense, varlen}) {
        Problem pr;
        build(c, pr, rng);
        const char *kind = c.len_q.empty() ? "dense" : "varlen";
        const int64_t largest_scores = c.len_q.empty() ? 30 * 30 : 20 * 20;
        int64_t bytes = -1;
        ok &= expect(pmx_bench_attention_unfused_workspace_size(ctx, &pr.params, &bytes) == PMX_STATUS_SUCCESS &&
                         bytes >= largest_scores * 4,
                     "workspace size holds the [Nq, Nk] score matrix", ctx);
        pmx_context *one = nullptr;
        pmx_context_create(&one);
        pmx_context_set_num_threads(one, 1);
        int64_t bytes_one = -1;
        pmx_bench_attention_unfused_workspace_size(one, &pr.params, &bytes_one);
        pmx_context_destroy(one);
        ok &= expect(bytes_one == bytes, "workspace size does not grow with the thread count", ctx);
        Workspace ws = workspace_of(bytes);
        for (int64_t given : {bytes - 64, int64_t(0)}) {
            const pmx_status st = pmx_bench_attention_unfused(ctx, &pr.params, ws.get(), given);
            const std::string what = std::string(kind) + ": " + std::to_string(given) + " of " +
                                     std::to_string(bytes) + " bytes -> WORKSPACE_TOO_SMALL";
            ok &= expect(st == PMX_STATUS_WORKSPACE_TOO_SMALL &&
                             starts_with(pmx_test::last_error(ctx), "workspace: "),
                         what.c_str(), ctx);
        }
        const pmx_status misaligned =
            pmx_bench_attention_unfused(ctx, &pr.params, static_cast<char *>(ws.get()) + 4, bytes);
        ok &= expect(misaligned == PMX_STATUS_INVALID_ARGUMENT &&
                         pmx_test::last_error(ctx) == "workspace: must be 64-byte aligned",
                     "misaligned workspace -> INVALID_ARGUMENT", ctx);
        const bool untouched = std::all_of(pr.out.begin(), pr.out.end(), [](float x) { return x == kPoison; }) &&
                               std::all_of(pr.lse.begin(), pr.lse.end(), [](float x) { return x == kPoison; });
        ok &= expect(untouched, "failed calls leave out and lse untouched", ctx);
        ok &= expect(pmx_bench_attention_unfused_workspace_size(ctx, &pr.params, nullptr) ==
                             PMX_STATUS_INVALID_ARGUMENT &&
                         starts_with(pmx_test::last_error(ctx), "out_bytes: "),
                     "out_bytes NULL -> INVALID_ARGUMENT", ctx);
    }
    pmx_context_destroy(ctx);
    return ok;
}

// q, k, v broadcast one element over 3·2^30 rows (stride 0): valid views
// whose Nq·Nk score matrix does not fit 64-bit sizes. Must fail cleanly; out
// is 12 GiB of inaccessible address space, so any write would crash.
bool check_score_matrix_overflow() {
    const int64_t n = int64_t(3) << 30;
    void *reserved = mmap(nullptr, size_t(n) * 4, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserved == MAP_FAILED) {
        std::printf("FAIL could not reserve 12 GiB of address space for the overflow case\n");
        return false;
    }
    pmx_context *ctx = nullptr;
    pmx_context_create(&ctx);
    float q = 0.5f, k = 0.25f, v = 1.f;
    pmx_attention_params a{};
    a.struct_size = sizeof a;
    a.q = view(&q, PMX_DTYPE_F32, {1, n, 1, 1}, {0, 0, 0, 0}, 4);
    a.k = view(&k, PMX_DTYPE_F32, {1, n, 1, 1}, {0, 0, 0, 0}, 4);
    a.v = view(&v, PMX_DTYPE_F32, {1, n, 1, 1}, {0, 0, 0, 0}, 4);
    a.out = view(reserved, PMX_DTYPE_F32, {1, n, 1, 1}, {n, 1, 1, 1}, n * 4);
    const char *message = "q, k: Nq·Nk score matrix overflows 64-bit sizes";
    int64_t bytes = -1;
    bool ok = expect(pmx_bench_attention_unfused_workspace_size(ctx, &a, &bytes) == PMX_STATUS_INVALID_ARGUMENT &&
                         pmx_test::last_error(ctx) == message && bytes == -1,
                     "3·2^30 rows: workspace size -> INVALID_ARGUMENT (score matrix overflows)", ctx);
    Workspace ws = workspace_of(1 << 20);
    ok &= expect(pmx_bench_attention_unfused(ctx, &a, ws.get(), 1 << 20) == PMX_STATUS_INVALID_ARGUMENT &&
                     pmx_test::last_error(ctx) == message,
                 "3·2^30 rows: run -> INVALID_ARGUMENT", ctx);
    pmx_context_destroy(ctx);
    munmap(reserved, size_t(n) * 4);
    return ok;
}

}  // namespace

int main() {
    const uint64_t seed = std::random_device{}();
    std::printf("seed %llu\n", (unsigned long long)seed);
    std::mt19937_64 rng(seed);
    int failures = 0;
    for (const Case &c : cases()) failures += !check_case(c, rng);
    failures += !check_workspace_errors(rng);
    failures += !check_score_matrix_overflow();
    std::printf("%s: %d failure(s)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
