// Every bad argument to the C API gets a status and a message naming it;
// nothing crashes, and a good call still works afterwards.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "test_support.h"

namespace {

using pmx_test::expect;
using pmx_test::failures;

struct Fixture {
    static constexpr int64_t B = 2, N = 5, H = 4, HKV = 2, D = 8;
    std::vector<float> q, k, v, out, lse;
    std::vector<int32_t> cu{0, 2, 5};
    std::vector<float> spare = std::vector<float>(1024, NAN);  // room for tensors placed by a test
    std::vector<int32_t> ints = std::vector<int32_t>(64, 0);
    std::vector<uint8_t> bytes = std::vector<uint8_t>(256, 1);
    pmx_attention_params p{};

    Fixture() {
        std::mt19937_64 rng(7);
        q = pmx_test::random_floats(B * N * H * D, rng);
        k = pmx_test::random_floats(B * N * HKV * D, rng);
        v = pmx_test::random_floats(B * N * HKV * D, rng);
        out.assign(B * N * H * D, NAN);
        lse.assign(B * H * N, NAN);
        p.struct_size = sizeof p;
        p.q = pmx_test::dense(q.data(), PMX_DTYPE_F32, {B, N, H, D}, 4);
        p.k = pmx_test::dense(k.data(), PMX_DTYPE_F32, {B, N, HKV, D}, 4);
        p.v = pmx_test::dense(v.data(), PMX_DTYPE_F32, {B, N, HKV, D}, 4);
        p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {B, N, H, D}, 4);
        p.lse = pmx_test::dense(lse.data(), PMX_DTYPE_F32, {B, H, N}, 4);
    }
};

// Turns the fixture into a packed varlen call: [total = 10, H, D] rows,
// cu_seqlens {0, 2, 5} for both q and k, no lse.
void to_varlen(Fixture &f) {
    f.p.cu_seqlens_q = pmx_test::dense(f.cu.data(), PMX_DTYPE_I32, {3}, 4);
    f.p.cu_seqlens_k = f.p.cu_seqlens_q;
    for (pmx_tensor *t : {&f.p.q, &f.p.k, &f.p.v, &f.p.out}) {
        t->ndim = 3; t->shape[0] = 10; t->shape[1] = t->shape[2]; t->shape[2] = 8;
        t->stride[0] = t->stride[1]; t->stride[1] = 8; t->stride[2] = 1;
    }
    f.p.lse = pmx_tensor{};
}

// Runs the forward on a mutated copy of the good params and checks the status
// and that the message starts with `prefix` (the argument's name first).
void check_rejects(pmx_context *ctx, const char *label, const std::function<void(Fixture &)> &mutate,
                   pmx_status expected, const char *prefix) {
    Fixture f;
    mutate(f);
    int64_t bytes = 0;
    pmx_status st = pmx_attention_fwd_workspace_size(ctx, &f.p, &bytes);
    if (st == PMX_STATUS_SUCCESS) {
        std::vector<char> ws(static_cast<size_t>(bytes) + 64);
        void *aligned = reinterpret_cast<void *>((reinterpret_cast<uintptr_t>(ws.data()) + 63) & ~uintptr_t(63));
        st = pmx_attention_fwd(ctx, &f.p, aligned, bytes);
    }
    const std::string msg = pmx_test::last_error(ctx);
    const bool ok = st == expected && msg.rfind(prefix, 0) == 0;
    std::printf("%-40s -> %-32s \"%s\"\n", label, pmx_status_name(st), msg.c_str());
    if (!ok) {
        std::printf("FAIL: %s: expected %s with a message starting '%s'\n", label, pmx_status_name(expected), prefix);
        ++failures;
    }
}

}  // namespace

int main() {
    pmx_context *ctx = nullptr;
    expect(pmx_context_create(&ctx) == PMX_STATUS_SUCCESS && ctx != nullptr, "context_create");
    expect(pmx_context_create(nullptr) == PMX_STATUS_INVALID_ARGUMENT, "context_create(NULL)");
    expect(pmx_context_destroy(nullptr) == PMX_STATUS_SUCCESS, "destroy(NULL) is a no-op");
    expect(pmx_context_set_num_threads(ctx, -1) == PMX_STATUS_INVALID_ARGUMENT, "negative threads");
    expect(pmx_context_set_num_threads(ctx, 2) == PMX_STATUS_SUCCESS, "set threads");
    int32_t threads = 0;
    expect(pmx_context_get_num_threads(ctx, &threads) == PMX_STATUS_SUCCESS && threads == 2, "get threads");
    expect(pmx_attention_fwd(nullptr, nullptr, nullptr, 0) == PMX_STATUS_INVALID_ARGUMENT, "NULL context");
    expect(pmx_abi_version() >> 16 == PMX_ABI_VERSION_MAJOR, "abi version");
    expect(std::string(pmx_status_name(12345)) == "PMX_STATUS_UNKNOWN", "unknown status name");

    using F = Fixture;
    const pmx_status INV = PMX_STATUS_INVALID_ARGUMENT;
    check_rejects(ctx, "struct_size 0", [](F &f) { f.p.struct_size = 0; }, INV, "params: struct_size 0");
    {
        int64_t bytes = -1;
        expect(pmx_attention_fwd_workspace_size(ctx, nullptr, &bytes) == INV &&
                   pmx_test::last_error(ctx).rfind("params: must not be NULL", 0) == 0,
               "params NULL rejected, naming params");
    }
    check_rejects(ctx, "q wrong rank", [](F &f) { f.p.q.ndim = 3; }, INV, "q:");
    check_rejects(ctx, "k wrong D", [](F &f) { f.p.k.shape[3] = 7; }, INV, "k:");
    check_rejects(ctx, "v shape differs from k", [](F &f) { f.p.v.shape[1] = 4; }, INV, "v:");
    check_rejects(ctx, "out shape differs from q", [](F &f) { f.p.out.shape[2] = 2; }, INV, "out:");
    check_rejects(ctx, "batch mismatch", [](F &f) { f.p.k.shape[0] = 1; f.p.v.shape[0] = 1; }, INV, "k:");
    check_rejects(ctx, "negative stride", [](F &f) { f.p.q.stride[1] = -32; }, INV, "q: stride[1]");
    check_rejects(ctx, "too-small byte_size", [](F &f) { f.p.k.byte_size -= 4; }, INV, "k: the view needs");
    check_rejects(ctx, "stride overflow", [](F &f) { f.p.q.stride[0] = INT64_MAX / 2; }, INV, "q:");
    check_rejects(ctx, "misaligned data", [](F &f) {
        f.p.v.data = static_cast<char *>(f.p.v.data) + 1; f.p.v.byte_size -= 4; }, INV, "v: data is not aligned");
    check_rejects(ctx, "NULL data", [](F &f) { f.p.q.data = nullptr; }, INV, "q: data is NULL");
    check_rejects(ctx, "f64 input", [](F &f) { f.p.q.dtype = PMX_DTYPE_F64; }, INV, "q: dtype f64");
    check_rejects(ctx, "f16 input is unsupported", [](F &f) { f.p.q.dtype = PMX_DTYPE_F16; },
                  PMX_STATUS_UNSUPPORTED, "q: dtype f16");
    check_rejects(ctx, "CUDA tensor on CPU op", [](F &f) { f.p.k.device = PMX_DEVICE_CUDA; }, INV, "k: tensor is on CUDA");
    check_rejects(ctx, "H not a multiple of Hkv", [](F &f) {
        for (pmx_tensor *t : {&f.p.k, &f.p.v}) { t->shape[2] = 3; t->byte_size = 2 * 5 * 3 * 8 * 4; }
        f.p.k.stride[1] = f.p.v.stride[1] = 24; f.p.k.stride[0] = f.p.v.stride[0] = 120; }, INV, "q, k: H = 4 is not a multiple of Hkv = 3");
    check_rejects(ctx, "D = 0", [](F &f) { f.p.q.shape[3] = 0; }, INV, "q: head dim D = 0");
    check_rejects(ctx, "scale NaN", [](F &f) { f.p.scale = NAN; }, INV, "scale: must be finite");
    check_rejects(ctx, "causal = 2", [](F &f) { f.p.causal = 2; }, INV, "causal: must be 0 or 1");
    check_rejects(ctx, "lse wrong shape", [](F &f) { f.p.lse.shape[2] = 4; }, INV, "lse:");
    check_rejects(ctx, "only cu_seqlens_q", [](F &f) {
        f.p.cu_seqlens_q = pmx_test::dense(f.cu.data(), PMX_DTYPE_I32, {3}, 4); }, INV,
                  "cu_seqlens_q and cu_seqlens_k: give both");
    check_rejects(ctx, "cu_seqlens decreasing", [](F &f) {
        f.cu = {0, 3, 2};
        to_varlen(f); }, INV, "cu_seqlens_q: decreases");

    // Outputs never alias (each element its own address; no byte shared).
    const char *kOverlap = "out: strides make elements overlap";
    check_rejects(ctx, "out zero stride on D", [](F &f) { f.p.out.stride[3] = 0; }, INV, kOverlap);
    check_rejects(ctx, "out rows overlap heads", [](F &f) { f.p.out.stride[1] = F::D; }, INV, kOverlap);
    check_rejects(ctx, "lse zero stride on N", [](F &f) { f.p.lse.stride[2] = 0; }, INV,
                  "lse: strides make elements overlap");
    check_rejects(ctx, "out is q", [](F &f) { f.p.out.data = f.q.data(); }, INV, "out: overlaps q");
    check_rejects(ctx, "v starts on out's last element", [](F &f) {
        f.p.out.data = f.spare.data();
        f.p.v.data = f.spare.data() + f.out.size() - 1;
        std::copy(f.v.begin(), f.v.end(), f.spare.begin() + long(f.out.size()) - 1); }, INV, "out: overlaps v");
    check_rejects(ctx, "out starts on lse's last element", [](F &f) {
        f.p.lse.data = f.spare.data();
        f.p.out.data = f.spare.data() + f.lse.size() - 1; }, INV, "out: overlaps lse");
    check_rejects(ctx, "lse inside out", [](F &f) { f.p.lse.data = f.out.data(); }, INV, "out: overlaps lse");
    check_rejects(ctx, "lse is v", [](F &f) { f.p.lse.data = f.v.data(); }, INV, "lse: overlaps v");
    check_rejects(ctx, "cu_seqlens inside out", [](F &f) {
        to_varlen(f);
        std::memcpy(f.out.data(), f.cu.data(), 3 * sizeof(int32_t));  // valid contents, in out's bytes
        f.p.cu_seqlens_k.data = f.out.data(); }, INV, "out: overlaps cu_seqlens_k");

    // ABI 2.1 fields.
    check_rejects(ctx, "window flag 2", [](F &f) { f.p.window = 2; }, INV, "window:");
    check_rejects(ctx, "window_left -2", [](F &f) { f.p.window = 1; f.p.window_left = -2; }, INV, "window_left:");
    check_rejects(ctx, "window_right -5", [](F &f) { f.p.window = 1; f.p.window_right = -5; }, INV, "window_right:");
    check_rejects(ctx, "softcap negative", [](F &f) { f.p.softcap = -1.f; }, INV, "softcap:");
    check_rejects(ctx, "softcap NaN", [](F &f) { f.p.softcap = NAN; }, INV, "softcap:");
    check_rejects(ctx, "block_q negative", [](F &f) { f.p.block_q = -1; }, INV, "block_q:");
    check_rejects(ctx, "global tokens unsorted", [](F &f) {
        f.ints[0] = 3; f.ints[1] = 1;
        f.p.global_tokens = pmx_test::dense(f.ints.data(), PMX_DTYPE_I32, {2}, 4); }, INV, "global_tokens:");
    check_rejects(ctx, "global token out of range", [](F &f) {
        f.ints[0] = 5;
        f.p.global_tokens = pmx_test::dense(f.ints.data(), PMX_DTYPE_I32, {1}, 4); }, INV, "global_tokens:");
    check_rejects(ctx, "global tokens with Nq != Nk", [](F &f) {
        f.p.q.shape[1] = 4; f.p.out.shape[1] = 4; f.p.lse.shape[2] = 4;
        f.p.global_tokens = pmx_test::dense(f.ints.data(), PMX_DTYPE_I32, {1}, 4); }, INV, "global_tokens:");
    check_rejects(ctx, "alibi slopes of length 3", [](F &f) {
        f.p.alibi_slopes = pmx_test::dense(f.spare.data(), PMX_DTYPE_F32, {3}, 4); }, INV, "alibi_slopes:");
    check_rejects(ctx, "alibi slope NaN", [](F &f) {
        f.p.alibi_slopes = pmx_test::dense(f.spare.data(), PMX_DTYPE_F32, {4}, 4); }, INV, "alibi_slopes:");
    check_rejects(ctx, "block mask block counts", [](F &f) {
        f.p.block_mask = pmx_test::dense(f.bytes.data(), PMX_DTYPE_U8, {1, 1, 2, 1}, 1); }, INV, "block_mask:");
    check_rejects(ctx, "block mask of 3 heads", [](F &f) {
        f.p.block_mask = pmx_test::dense(f.bytes.data(), PMX_DTYPE_U8, {1, 3, 1, 1}, 1); }, INV, "block_mask:");
    check_rejects(ctx, "block mask as F32", [](F &f) {
        f.p.block_mask = pmx_test::dense(f.spare.data(), PMX_DTYPE_F32, {1, 1, 1, 1}, 4); }, INV, "block_mask:");
    check_rejects(ctx, "block mask and top-k", [](F &f) {
        f.p.topk_blocks = 1;
        f.p.block_mask = pmx_test::dense(f.bytes.data(), PMX_DTYPE_U8, {1, 1, 1, 1}, 1); }, INV, "block_mask:");
    check_rejects(ctx, "layout_out without top-k", [](F &f) {
        f.p.layout_out = pmx_test::dense(f.bytes.data(), PMX_DTYPE_U8, {2, 4, 1, 1}, 1); }, INV, "layout_out:");
    check_rejects(ctx, "negative top-k", [](F &f) { f.p.topk_blocks = -1; }, INV, "topk_blocks:");
    check_rejects(ctx, "axial 2 x 3 for N = 5", [](F &f) {
        f.p.axial_axis = PMX_AXIAL_ROW; f.p.axial_rows = 2; f.p.axial_cols = 3; }, INV, "axial_rows");
    check_rejects(ctx, "axial axis 7", [](F &f) { f.p.axial_axis = 7; }, INV, "axial_axis:");
    check_rejects(ctx, "axial sizes without an axis", [](F &f) { f.p.axial_rows = 5; }, INV, "axial_rows");
    check_rejects(ctx, "axial with varlen", [](F &f) {
        to_varlen(f);
        f.p.axial_axis = PMX_AXIAL_COL; f.p.axial_rows = 1; f.p.axial_cols = 10; }, INV, "axial_axis:");
    check_rejects(ctx, "varlen global token past the longest", [](F &f) {
        to_varlen(f);
        f.ints[0] = 3;
        f.p.global_tokens = pmx_test::dense(f.ints.data(), PMX_DTYPE_I32, {1}, 4); }, INV, "global_tokens:");
    check_rejects(ctx, "layout_out overlaps q", [](F &f) {
        f.p.topk_blocks = 1;
        f.p.layout_out = pmx_test::dense(f.q.data(), PMX_DTYPE_U8, {2, 4, 1, 1}, 1); }, INV, "layout_out: overlaps q");
    {
        // The unfused baseline refuses the options it does not implement.
        Fixture f;
        f.p.window = 1;
        f.p.window_left = 2;
        int64_t bytes = 0;
        expect(pmx_bench_attention_unfused_workspace_size(ctx, &f.p, &bytes) == PMX_STATUS_UNSUPPORTED,
               "unfused baseline refuses a window");
    }

    // Too-small workspace and misaligned workspace.
    {
        Fixture f;
        int64_t bytes = 0;
        expect(pmx_attention_fwd_workspace_size(ctx, &f.p, &bytes) == PMX_STATUS_SUCCESS, "workspace size");
        std::vector<char> ws(static_cast<size_t>(bytes) + 128);
        char *aligned = reinterpret_cast<char *>((reinterpret_cast<uintptr_t>(ws.data()) + 63) & ~uintptr_t(63));
        if (bytes > 0)
            expect(pmx_attention_fwd(ctx, &f.p, aligned, bytes - 1) == PMX_STATUS_WORKSPACE_TOO_SMALL,
                   "workspace too small");
        expect(pmx_attention_fwd(ctx, &f.p, aligned + 4, bytes) == PMX_STATUS_INVALID_ARGUMENT,
               "misaligned workspace");
        // The workspace shares no byte with any tensor.
        std::vector<char> big(static_cast<size_t>(bytes) + f.q.size() * sizeof(float) + 128);
        char *base = reinterpret_cast<char *>((reinterpret_cast<uintptr_t>(big.data()) + 63) & ~uintptr_t(63));
        pmx_attention_params moved = f.p;
        moved.q.data = base + bytes - 4;  // q's first element is the workspace's last
        std::memcpy(moved.q.data, f.q.data(), f.q.size() * sizeof(float));
        expect(pmx_attention_fwd(ctx, &moved, base, bytes) == PMX_STATUS_INVALID_ARGUMENT &&
                   pmx_test::last_error(ctx).rfind("workspace: overlaps q", 0) == 0,
               "workspace overlapping q rejected");
        moved = f.p;
        moved.out.data = base;
        expect(pmx_attention_fwd(ctx, &moved, base, bytes) == PMX_STATUS_INVALID_ARGUMENT &&
                   pmx_test::last_error(ctx).rfind("workspace: overlaps out", 0) == 0,
               "workspace overlapping out rejected");
        // A good call after all the bad ones: every element written, finite.
        expect(pmx_attention_fwd(ctx, &f.p, aligned, bytes) == PMX_STATUS_SUCCESS, "good call succeeds");
        bool finite = true;
        for (float x : f.out) finite &= std::isfinite(x);
        for (float x : f.lse) finite &= std::isfinite(x);
        expect(finite, "good call wrote every element");
    }

    // Threads are capped by work items: a context of PMX_MAX_THREADS threads
    // asks no more workspace for a one-row problem than a 1-thread context,
    // and runs in it.
    {
        pmx_context *wide = nullptr, *one = nullptr;
        expect(pmx_context_create(&wide) == PMX_STATUS_SUCCESS && pmx_context_create(&one) == PMX_STATUS_SUCCESS,
               "contexts for the thread cap");
        expect(pmx_context_set_num_threads(wide, PMX_MAX_THREADS) == PMX_STATUS_SUCCESS &&
                   pmx_context_set_num_threads(one, 1) == PMX_STATUS_SUCCESS,
               "set PMX_MAX_THREADS and 1 thread");
        Fixture f;
        for (pmx_tensor *t : {&f.p.q, &f.p.k, &f.p.v, &f.p.out}) t->shape[0] = t->shape[1] = t->shape[2] = 1;
        f.p.lse.shape[0] = f.p.lse.shape[1] = f.p.lse.shape[2] = 1;
        int64_t wide_bytes = -1, one_bytes = -1;
        expect(pmx_attention_fwd_workspace_size(wide, &f.p, &wide_bytes) == PMX_STATUS_SUCCESS &&
                   pmx_attention_fwd_workspace_size(one, &f.p, &one_bytes) == PMX_STATUS_SUCCESS,
               "workspace sizes");
        std::printf("one-row problem: workspace %lld bytes with %d threads, %lld with 1\n", (long long)wide_bytes,
                    PMX_MAX_THREADS, (long long)one_bytes);
        expect(one_bytes > 0 && wide_bytes == one_bytes, "workspace with PMX_MAX_THREADS threads equals 1 thread's");
        std::vector<char> ws(static_cast<size_t>(wide_bytes) + 64);
        void *aligned = reinterpret_cast<void *>((reinterpret_cast<uintptr_t>(ws.data()) + 63) & ~uintptr_t(63));
        expect(pmx_attention_fwd(wide, &f.p, aligned, wide_bytes) == PMX_STATUS_SUCCESS && std::isfinite(f.out[0]),
               "the wide context runs in that workspace");
        pmx_context_destroy(wide);
        pmx_context_destroy(one);
    }

    expect(pmx_context_destroy(ctx) == PMX_STATUS_SUCCESS, "destroy");
    std::printf("%s: %d failure(s)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
