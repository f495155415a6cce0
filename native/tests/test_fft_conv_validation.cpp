// Every bad argument to pmx_fft_conv (and its size query and reference)
// gets the documented status and a message starting with the argument's
// name ("kernel: ..."); nothing crashes, the output is left untouched, and a
// good call still works afterwards.
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
    static constexpr int64_t B = 2, L = 6, C = 5, K = 4;
    std::vector<float> u, k, d, out;
    std::vector<double> u64 = std::vector<double>(B * L * C, 0.5);
    pmx_fft_conv_params p{};

    Fixture() {
        std::mt19937_64 rng(13);
        u = pmx_test::random_floats(B * L * C, rng);
        k = pmx_test::random_floats(C * K, rng);
        d = pmx_test::random_floats(C, rng);
        out.assign(B * L * C, NAN);
        p.struct_size = sizeof p;
        p.u = pmx_test::dense(u.data(), PMX_DTYPE_F32, {B, L, C}, 4);
        p.kernel = pmx_test::dense(k.data(), PMX_DTYPE_F32, {C, K}, 4);
        p.D = pmx_test::dense(d.data(), PMX_DTYPE_F32, {C}, 4);
        p.method = PMX_FFT_CONV_FFT;
        p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {B, L, C}, 4);
    }

    bool untouched() const {
        for (float v : out)
            if (!std::isnan(v)) return false;
        return true;
    }
};

pmx_status run(pmx_context *ctx, Fixture &f, int which) {
    if (which == 1) return pmx_fft_conv_reference(ctx, &f.p);
    int64_t bytes = 0;
    const pmx_status st = pmx_fft_conv_workspace_size(ctx, &f.p, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    pmx_test::Aligned ws{size_t(bytes)};
    return pmx_fft_conv(ctx, &f.p, ws.p, bytes);
}

// The kernel (with its size query) and the reference on a mutated copy of
// the good params (expected_reference: the reference's status where it
// differs).
void check_rejects(pmx_context *ctx, const char *label, const std::function<void(Fixture &)> &mutate,
                   pmx_status expected, const char *prefix, pmx_status expected_reference = PMX_STATUS_SUCCESS) {
    for (int which : {0, 1}) {
        const pmx_status want = which == 1 && expected_reference != PMX_STATUS_SUCCESS ? expected_reference : expected;
        Fixture f;
        mutate(f);
        const pmx_status st = run(ctx, f, which);
        const std::string msg = pmx_test::last_error(ctx);
        const bool ok = st == want && msg.rfind(prefix, 0) == 0 && f.untouched();
        if (which == 0) std::printf("%-40s -> %-28s \"%s\"\n", label, pmx_status_name(st), msg.c_str());
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

    // The good calls work (each method; D absent).
    for (int32_t method : {PMX_FFT_CONV_AUTO, PMX_FFT_CONV_FFT, PMX_FFT_CONV_DIRECT}) {
        Fixture f;
        f.p.method = method;
        if (method == PMX_FFT_CONV_AUTO) f.p.D = pmx_tensor{};
        if (run(ctx, f, 0) != PMX_STATUS_SUCCESS || f.untouched()) {
            std::printf("FAIL: good call (method %d): %s\n", method, pmx_test::last_error(ctx).c_str());
            ++failures;
        }
    }

    check_rejects(ctx, "NULL params", [](Fixture &f) { std::memset(&f.p, 0, sizeof f.p); }, BAD, "params");
    check_rejects(ctx, "struct_size too small", [](Fixture &f) { f.p.struct_size = 8; }, BAD, "params");
    check_rejects(ctx, "reserved set", [](Fixture &f) { f.p.reserved = 1; }, BAD, "reserved");
    check_rejects(ctx, "method 3", [](Fixture &f) { f.p.method = 3; }, BAD, "method");
    check_rejects(ctx, "method -1", [](Fixture &f) { f.p.method = -1; }, BAD, "method");
    check_rejects(ctx, "u rank 2", [](Fixture &f) { f.p.u.ndim = 2; }, BAD, "u");
    check_rejects(ctx, "u f16", [](Fixture &f) { f.p.u.dtype = PMX_DTYPE_F16; }, PMX_STATUS_UNSUPPORTED, "u",
                  BAD /* the reference reads F32 or F64 only */);
    check_rejects(ctx, "u i32", [](Fixture &f) { f.p.u.dtype = PMX_DTYPE_I32; }, BAD, "u");
    check_rejects(ctx, "u too small a buffer", [](Fixture &f) { f.p.u.byte_size -= 4; }, BAD, "u");
    check_rejects(ctx, "u negative stride", [](Fixture &f) { f.p.u.stride[2] = -1; }, BAD, "u");
    check_rejects(ctx, "u on CUDA", [](Fixture &f) { f.p.u.device = PMX_DEVICE_CUDA; }, BAD, "u");
    check_rejects(ctx, "u NULL data", [](Fixture &f) { f.p.u.data = nullptr; }, BAD, "u");
    check_rejects(ctx, "out other L", [](Fixture &f) { f.p.out.shape[1] = 5; }, BAD, "out");
    check_rejects(ctx, "out rank 2", [](Fixture &f) { f.p.out.ndim = 2; }, BAD, "out");
    check_rejects(ctx, "out overlaps u", [](Fixture &f) { f.p.out.data = f.u.data(); }, BAD, "out");
    check_rejects(ctx, "out is u (in place)", [](Fixture &f) { f.p.out = f.p.u; }, BAD, "out");
    check_rejects(ctx, "out overlaps kernel", [](Fixture &f) { f.p.out.data = f.k.data(); }, BAD, "out");
    check_rejects(ctx, "out zero stride", [](Fixture &f) { f.p.out.stride[1] = 0; }, BAD, "out");
    check_rejects(ctx, "kernel rank 3", [](Fixture &f) { f.p.kernel.ndim = 3; }, BAD, "kernel");
    check_rejects(ctx, "kernel other C", [](Fixture &f) { f.p.kernel.shape[0] = 4; }, BAD, "kernel");
    check_rejects(ctx, "kernel Lk 0", [](Fixture &f) { f.p.kernel.shape[1] = 0; }, BAD, "kernel");
    check_rejects(ctx, "kernel bf16", [](Fixture &f) { f.p.kernel.dtype = PMX_DTYPE_BF16; }, PMX_STATUS_UNSUPPORTED,
                  "kernel", BAD);
    check_rejects(ctx, "kernel too small a buffer", [](Fixture &f) { f.p.kernel.byte_size = 8; }, BAD, "kernel");
    check_rejects(ctx, "D other length", [](Fixture &f) { f.p.D.shape[0] = 4; }, BAD, "D");
    check_rejects(ctx, "D rank 2", [](Fixture &f) { f.p.D.ndim = 2; }, BAD, "D");
    check_rejects(ctx, "D i64", [](Fixture &f) { f.p.D.dtype = PMX_DTYPE_I64; }, BAD, "D");

    // F64 u: the kernel refuses it, the float64 reference takes it.
    {
        Fixture f;
        f.p.u = pmx_test::dense(f.u64.data(), PMX_DTYPE_F64, {Fixture::B, Fixture::L, Fixture::C}, 8);
        const pmx_status st = run(ctx, f, 0);
        const bool kernel_ok = st == BAD && pmx_test::last_error(ctx).rfind("u", 0) == 0 && f.untouched();
        if (!kernel_ok || pmx_fft_conv_reference(ctx, &f.p) != PMX_STATUS_SUCCESS || f.untouched()) {
            std::printf("FAIL: F64 u: kernel %s, reference \"%s\"\n", pmx_status_name(st), pmx_test::last_error(ctx).c_str());
            ++failures;
        }
    }

    // FFT longer than PMX_MAX_FFT_CONV_LENGTH (a zero-stride input of 2^30
    // tokens: nothing that long is ever read); DIRECT and the reference
    // have no limit, but this test does not run them that long.
    {
        Fixture f;
        f.p.u.shape[1] = int64_t(PMX_MAX_FFT_CONV_LENGTH);
        f.p.u.stride[1] = 0;
        f.p.u.stride[0] = 0;
        f.p.out.shape[1] = f.p.u.shape[1];
        f.p.out.stride[1] = 0;  // the size query does not check self-overlap
        f.p.out.stride[0] = 0;
        int64_t bytes = 0;
        const pmx_status st = pmx_fft_conv_workspace_size(ctx, &f.p, &bytes);
        const std::string msg = pmx_test::last_error(ctx);
        std::printf("%-40s -> %-28s \"%s\"\n", "FFT longer than the limit", pmx_status_name(st), msg.c_str());
        if (st != PMX_STATUS_UNSUPPORTED || msg.rfind("u", 0) != 0) {
            std::printf("FAIL: FFT longer than PMX_MAX_FFT_CONV_LENGTH: %s\n", pmx_status_name(st));
            ++failures;
        }
    }

    // A workspace that is too small, misaligned, or overlaps a tensor.
    for (int32_t method : {PMX_FFT_CONV_FFT, PMX_FFT_CONV_DIRECT}) {
        Fixture f;
        f.p.method = method;
        int64_t bytes = 0;
        pmx_fft_conv_workspace_size(ctx, &f.p, &bytes);
        pmx_test::Aligned ws{size_t(bytes) + 64};
        pmx_status st = pmx_fft_conv(ctx, &f.p, ws.p, bytes - 4);
        if (st != PMX_STATUS_WORKSPACE_TOO_SMALL || !f.untouched() || pmx_test::last_error(ctx).rfind("workspace", 0) != 0) {
            std::printf("FAIL: short workspace (method %d): %s\n", method, pmx_status_name(st));
            ++failures;
        }
        st = pmx_fft_conv(ctx, &f.p, static_cast<char *>(ws.p) + 4, bytes);
        if (st != BAD || pmx_test::last_error(ctx).rfind("workspace", 0) != 0) {
            std::printf("FAIL: misaligned workspace (method %d): %s\n", method, pmx_status_name(st));
            ++failures;
        }
        st = pmx_fft_conv(ctx, &f.p, nullptr, bytes);
        if (st != BAD || pmx_test::last_error(ctx).rfind("workspace", 0) != 0) {
            std::printf("FAIL: NULL workspace (method %d): %s\n", method, pmx_status_name(st));
            ++failures;
        }
        // A workspace lying over out (aligned): the overlap check names it.
        std::vector<float, pmx_test::AlignedAllocator<float>> big(size_t(bytes / 4 + 64));
        f.p.out.data = big.data();
        f.p.out.byte_size = int64_t(big.size() * 4);
        st = pmx_fft_conv(ctx, &f.p, big.data(), bytes);
        if (st != BAD || pmx_test::last_error(ctx).rfind("workspace: overlaps out", 0) != 0) {
            std::printf("FAIL: workspace over out (method %d): %s \"%s\"\n", method, pmx_status_name(st),
                        pmx_test::last_error(ctx).c_str());
            ++failures;
        }
        int64_t dummy = 0;
        st = pmx_fft_conv_workspace_size(ctx, &f.p, nullptr);
        if (st != BAD) ++failures, std::printf("FAIL: NULL out_bytes accepted\n");
        st = pmx_fft_conv_workspace_size(nullptr, &f.p, &dummy);
        if (st == PMX_STATUS_SUCCESS) ++failures, std::printf("FAIL: NULL context accepted\n");
    }

    // An empty call (L = 0) needs no workspace and succeeds with NULL.
    {
        Fixture f;
        f.p.u.shape[1] = f.p.out.shape[1] = 0;
        int64_t bytes = -1;
        if (pmx_fft_conv_workspace_size(ctx, &f.p, &bytes) != PMX_STATUS_SUCCESS || bytes != 0 ||
            pmx_fft_conv(ctx, &f.p, nullptr, 0) != PMX_STATUS_SUCCESS) {
            std::printf("FAIL: L = 0: %lld bytes, \"%s\"\n", (long long)bytes, pmx_test::last_error(ctx).c_str());
            ++failures;
        }
    }

    pmx_context_destroy(ctx);
    std::printf("%s (%d failures)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
