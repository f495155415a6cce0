// Every bad argument to pmx_s4d_kernel (and its size query and reference)
// gets the documented status and a message starting with the argument's
// name ("B: ..."); nothing crashes, the output is left untouched, and a good
// call still works afterwards.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "test_support.h"

namespace {

int failures = 0;

struct Fixture {
    static constexpr int64_t Ch = 3, N = 4, Lk = 70;
    std::vector<float> a, b, c, dt, out;
    pmx_s4d_kernel_params p{};

    Fixture() {
        std::mt19937_64 rng(14);
        a = pmx_test::random_floats(Ch * N * 2, rng, -1.f, 0.f);
        b = pmx_test::random_floats(Ch * N * 2, rng);
        c = pmx_test::random_floats(Ch * N * 2, rng);
        dt = pmx_test::random_floats(Ch, rng, -5.f, -2.f);
        out.assign(Ch * Lk, NAN);
        p.struct_size = sizeof p;
        p.A = pmx_test::dense(a.data(), PMX_DTYPE_F32, {Ch, N, 2}, 4);
        p.B = pmx_test::dense(b.data(), PMX_DTYPE_F32, {Ch, N, 2}, 4);
        p.C = pmx_test::dense(c.data(), PMX_DTYPE_F32, {Ch, N, 2}, 4);
        p.log_dt = pmx_test::dense(dt.data(), PMX_DTYPE_F32, {Ch}, 4);
        p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {Ch, Lk}, 4);
    }

    bool untouched() const {
        for (float v : out)
            if (!std::isnan(v)) return false;
        return true;
    }
};

pmx_status run(pmx_context *ctx, Fixture &f, int which) {
    if (which == 1) return pmx_s4d_kernel_reference(ctx, &f.p);
    int64_t bytes = 0;
    const pmx_status st = pmx_s4d_kernel_workspace_size(ctx, &f.p, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    pmx_test::Aligned ws{size_t(bytes)};
    return pmx_s4d_kernel(ctx, &f.p, ws.p, bytes);
}

void check_rejects(pmx_context *ctx, const char *label, const std::function<void(Fixture &)> &mutate,
                   pmx_status expected, const char *prefix, pmx_status expected_reference = PMX_STATUS_SUCCESS) {
    for (int which : {0, 1}) {
        const pmx_status want = which == 1 && expected_reference != PMX_STATUS_SUCCESS ? expected_reference : expected;
        Fixture f;
        mutate(f);
        const pmx_status st = run(ctx, f, which);
        const std::string msg = pmx_test::last_error(ctx);
        const bool ok = st == want && msg.rfind(prefix, 0) == 0 && f.untouched();
        if (which == 0) std::printf("%-34s -> %-28s \"%s\"\n", label, pmx_status_name(st), msg.c_str());
        if (!ok) {
            std::printf("FAIL: %s%s: expected %s with a message starting '%s', output untouched (got %s \"%s\")\n",
                        label, which ? " (reference)" : "", pmx_status_name(want), prefix, pmx_status_name(st),
                        msg.c_str());
            ++failures;
        }
    }
}

}  // namespace

int main() {
    pmx_context *ctx = nullptr;
    if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS) return 1;
    const pmx_status BAD = PMX_STATUS_INVALID_ARGUMENT;

    {
        Fixture f;
        if (run(ctx, f, 0) != PMX_STATUS_SUCCESS || f.untouched()) {
            std::printf("FAIL: good call: %s\n", pmx_test::last_error(ctx).c_str());
            ++failures;
        }
    }

    check_rejects(ctx, "NULL params", [](Fixture &f) { std::memset(&f.p, 0, sizeof f.p); }, BAD, "params");
    check_rejects(ctx, "struct_size too small", [](Fixture &f) { f.p.struct_size = 16; }, BAD, "params");
    check_rejects(ctx, "reserved set", [](Fixture &f) { f.p.reserved = 2; }, BAD, "reserved");
    check_rejects(ctx, "discretization 1", [](Fixture &f) { f.p.discretization = 1; }, BAD, "discretization");
    check_rejects(ctx, "A rank 2", [](Fixture &f) { f.p.A.ndim = 2; }, BAD, "A");
    check_rejects(ctx, "A last dim 3 (not re, im)", [](Fixture &f) { f.p.A.shape[2] = 3; }, BAD, "A");
    check_rejects(ctx, "A Nh 0", [](Fixture &f) { f.p.A.shape[1] = f.p.B.shape[1] = f.p.C.shape[1] = 0; }, BAD, "A");
    check_rejects(ctx, "A f16", [](Fixture &f) { f.p.A.dtype = PMX_DTYPE_F16; }, PMX_STATUS_UNSUPPORTED, "A", BAD);
    check_rejects(ctx, "A on CUDA", [](Fixture &f) { f.p.A.device = PMX_DEVICE_CUDA; }, BAD, "A");
    check_rejects(ctx, "A too small a buffer", [](Fixture &f) { f.p.A.byte_size = 16; }, BAD, "A");
    check_rejects(ctx, "B other Nh", [](Fixture &f) { f.p.B.shape[1] = 3; }, BAD, "B");
    check_rejects(ctx, "B other Ch", [](Fixture &f) { f.p.B.shape[0] = 2; }, BAD, "B");
    check_rejects(ctx, "B i32", [](Fixture &f) { f.p.B.dtype = PMX_DTYPE_I32; }, BAD, "B");
    check_rejects(ctx, "C last dim 1", [](Fixture &f) { f.p.C.shape[2] = 1; }, BAD, "C");
    check_rejects(ctx, "C negative stride", [](Fixture &f) { f.p.C.stride[1] = -2; }, BAD, "C");
    check_rejects(ctx, "log_dt other Ch", [](Fixture &f) { f.p.log_dt.shape[0] = 4; }, BAD, "log_dt");
    check_rejects(ctx, "log_dt rank 2", [](Fixture &f) { f.p.log_dt.ndim = 2; }, BAD, "log_dt");
    check_rejects(ctx, "out rank 3", [](Fixture &f) { f.p.out.ndim = 3; }, BAD, "out");
    check_rejects(ctx, "out other Ch", [](Fixture &f) { f.p.out.shape[0] = 2; }, BAD, "out");
    check_rejects(ctx, "out overlaps A", [](Fixture &f) { f.p.out.data = f.a.data(); }, BAD, "out");
    check_rejects(ctx, "out zero lag stride", [](Fixture &f) { f.p.out.stride[1] = 0; }, BAD, "out");

    // Workspace: too small, misaligned, NULL, over a tensor.
    {
        Fixture f;
        int64_t bytes = 0;
        pmx_s4d_kernel_workspace_size(ctx, &f.p, &bytes);
        pmx_test::Aligned ws{size_t(bytes) + 64};
        pmx_status st = pmx_s4d_kernel(ctx, &f.p, ws.p, bytes - 4);
        if (st != PMX_STATUS_WORKSPACE_TOO_SMALL || !f.untouched()) {
            std::printf("FAIL: short workspace: %s\n", pmx_status_name(st));
            ++failures;
        }
        st = pmx_s4d_kernel(ctx, &f.p, static_cast<char *>(ws.p) + 4, bytes);
        if (st != BAD || pmx_test::last_error(ctx).rfind("workspace", 0) != 0) {
            std::printf("FAIL: misaligned workspace: %s\n", pmx_status_name(st));
            ++failures;
        }
        st = pmx_s4d_kernel(ctx, &f.p, nullptr, bytes);
        if (st != BAD || pmx_test::last_error(ctx).rfind("workspace", 0) != 0) {
            std::printf("FAIL: NULL workspace: %s\n", pmx_status_name(st));
            ++failures;
        }
        std::vector<float, pmx_test::AlignedAllocator<float>> big(size_t(bytes / 4 + 64), NAN);
        f.p.out.data = big.data();
        f.p.out.byte_size = int64_t(big.size() * 4);
        st = pmx_s4d_kernel(ctx, &f.p, big.data(), bytes);
        if (st != BAD || pmx_test::last_error(ctx).rfind("workspace: overlaps out", 0) != 0) {
            std::printf("FAIL: workspace over out: %s \"%s\"\n", pmx_status_name(st), pmx_test::last_error(ctx).c_str());
            ++failures;
        }
        if (pmx_s4d_kernel_workspace_size(ctx, &f.p, nullptr) != BAD) ++failures, std::printf("FAIL: NULL out_bytes\n");
    }

    pmx_context_destroy(ctx);
    std::printf("%s (%d failures)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
