// cu_seqlens are read once: another thread rewriting the caller's array
// during calls must never make the kernel read outside the tensors or mix two
// versions. Each call either uses one valid version whole (its output equals
// that version's, bit for bit) or refuses an invalid one with a message.
// A race by nature: without the copy, most runs crashed; with it none may fail.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace {

constexpr int64_t kRows = 130, kHeads = 2, kDim = 16;
// cu_seqlens_q[1] takes these values in turn; the last is invalid (1e9 rows).
constexpr int32_t kSplitA = 64, kSplitB = 100, kSplitBad = 1000000000;

struct Call {
    std::vector<float> q, k, v, out;
    std::vector<int32_t> cu_q{0, kSplitA, int32_t(kRows)}, cu_k{0, 70, int32_t(kRows)};
    pmx_attention_params p{};
    void *ws = nullptr;
    int64_t ws_bytes = 0;

    explicit Call(pmx_context *ctx) {
        std::mt19937_64 rng(11);
        q = pmx_test::random_floats(kRows * kHeads * kDim, rng);
        k = pmx_test::random_floats(kRows * kHeads * kDim, rng);
        v = pmx_test::random_floats(kRows * kHeads * kDim, rng);
        out.assign(q.size(), NAN);
        p.struct_size = sizeof p;
        p.causal = 1;
        p.q = pmx_test::dense(q.data(), PMX_DTYPE_F32, {kRows, kHeads, kDim}, 4);
        p.k = pmx_test::dense(k.data(), PMX_DTYPE_F32, {kRows, kHeads, kDim}, 4);
        p.v = pmx_test::dense(v.data(), PMX_DTYPE_F32, {kRows, kHeads, kDim}, 4);
        p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {kRows, kHeads, kDim}, 4);
        p.cu_seqlens_q = pmx_test::dense(cu_q.data(), PMX_DTYPE_I32, {3}, 4);
        p.cu_seqlens_k = pmx_test::dense(cu_k.data(), PMX_DTYPE_I32, {3}, 4);
        if (pmx_attention_fwd_workspace_size(ctx, &p, &ws_bytes) != PMX_STATUS_SUCCESS ||
            posix_memalign(&ws, 64, size_t(ws_bytes) + 64) != 0)
            std::exit(1);
    }
    ~Call() { std::free(ws); }

    std::vector<float> run_with(pmx_context *ctx, int32_t split) {
        cu_q[1] = split;
        out.assign(out.size(), NAN);
        if (pmx_attention_fwd(ctx, &p, ws, ws_bytes) != PMX_STATUS_SUCCESS) std::exit(1);
        return out;
    }
};

}  // namespace

int main() {
    pmx_context *ctx = nullptr;
    if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS || pmx_context_set_num_threads(ctx, 2) != PMX_STATUS_SUCCESS)
        return 1;
    Call call(ctx);
    const std::vector<float> want_a = call.run_with(ctx, kSplitA);
    const std::vector<float> want_b = call.run_with(ctx, kSplitB);

    std::atomic<bool> stop{false};
    std::thread flipper([&] {
        const int32_t values[] = {kSplitA, kSplitB, kSplitA, kSplitB, kSplitA, kSplitB, kSplitA, kSplitBad};
        for (unsigned i = 0; !stop.load(std::memory_order_relaxed); ++i)
            __atomic_store_n(&call.cu_q[1], values[i % 8], __ATOMIC_RELAXED);
    });
    int as_a = 0, as_b = 0, refused = 0, failures = 0;
    for (int rep = 0; rep < 400; ++rep) {
        call.out.assign(call.out.size(), NAN);
        const pmx_status st = pmx_attention_fwd(ctx, &call.p, call.ws, call.ws_bytes);
        if (st == PMX_STATUS_SUCCESS) {
            const size_t bytes = call.out.size() * sizeof(float);
            if (std::memcmp(call.out.data(), want_a.data(), bytes) == 0) ++as_a;
            else if (std::memcmp(call.out.data(), want_b.data(), bytes) == 0) ++as_b;
            else ++failures;
        } else if (st == PMX_STATUS_INVALID_ARGUMENT && pmx_test::last_error(ctx).rfind("cu_seqlens_q: ", 0) == 0) {
            ++refused;
        } else {
            std::printf("FAIL: unexpected %s: %s\n", pmx_status_name(st), pmx_test::last_error(ctx).c_str());
            ++failures;
        }
    }
    stop = true;
    flipper.join();
    std::printf("calls: %d as version A, %d as version B, %d refused, %d mixed or wrong\n", as_a, as_b, refused,
                failures);
    pmx_context_destroy(ctx);
    std::printf("%s\n", failures == 0 ? "PASS" : "FAIL");
    return failures == 0 ? 0 : 1;
}
