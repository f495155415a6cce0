// Every bad argument to pmx_selective_scan (and its size query, step form and
// reference) gets the documented status and a message starting with the
// argument's name ("A: ..."); nothing crashes, the outputs are left
// untouched, and a good call still works afterwards.
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
    static constexpr int64_t B = 2, L = 5, Dm = 6, G = 2, Ns = 4;
    std::vector<float> u, delta, a, bm, cm, d, z, bias, s_in, out, s_out;
    std::vector<int32_t> cu{0, 2, 10};
    pmx_selective_scan_params p{};
    bool step = false;

    Fixture() {
        std::mt19937_64 rng(12);
        u = pmx_test::random_floats(B * L * Dm, rng);
        delta = pmx_test::random_floats(B * L * Dm, rng);
        z = pmx_test::random_floats(B * L * Dm, rng);
        a = pmx_test::random_floats(Dm * Ns, rng, -2.f, -0.5f);
        bm = pmx_test::random_floats(B * L * G * Ns, rng);
        cm = pmx_test::random_floats(B * L * G * Ns, rng);
        d = pmx_test::random_floats(Dm, rng);
        bias = pmx_test::random_floats(Dm, rng);
        s_in = pmx_test::random_floats(B * Dm * Ns + 1, rng);  // one spare: a shifted view still fits
        out.assign(B * L * Dm, NAN);
        s_out.assign(B * Dm * Ns, NAN);
        p.struct_size = sizeof p;
        p.u = pmx_test::dense(u.data(), PMX_DTYPE_F32, {B, L, Dm}, 4);
        p.delta = pmx_test::dense(delta.data(), PMX_DTYPE_F32, {B, L, Dm}, 4);
        p.z = pmx_test::dense(z.data(), PMX_DTYPE_F32, {B, L, Dm}, 4);
        p.A = pmx_test::dense(a.data(), PMX_DTYPE_F32, {Dm, Ns}, 4);
        p.B = pmx_test::dense(bm.data(), PMX_DTYPE_F32, {B, L, G, Ns}, 4);
        p.C = pmx_test::dense(cm.data(), PMX_DTYPE_F32, {B, L, G, Ns}, 4);
        p.D = pmx_test::dense(d.data(), PMX_DTYPE_F32, {Dm}, 4);
        p.delta_bias = pmx_test::dense(bias.data(), PMX_DTYPE_F32, {Dm}, 4);
        p.delta_softplus = 1;
        p.state_in = pmx_test::dense(s_in.data(), PMX_DTYPE_F32, {B, Dm, Ns}, 4);
        p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {B, L, Dm}, 4);
        p.state_out = pmx_test::dense(s_out.data(), PMX_DTYPE_F32, {B, Dm, Ns}, 4);
    }

    // The packed layout: B = 2 sequences of 2 and 8 tokens in 10 rows.
    void make_varlen() {
        p.u = pmx_test::dense(u.data(), PMX_DTYPE_F32, {B * L, Dm}, 4);
        p.delta = pmx_test::dense(delta.data(), PMX_DTYPE_F32, {B * L, Dm}, 4);
        p.z = pmx_test::dense(z.data(), PMX_DTYPE_F32, {B * L, Dm}, 4);
        p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {B * L, Dm}, 4);
        p.B = pmx_test::dense(bm.data(), PMX_DTYPE_F32, {B * L, G, Ns}, 4);
        p.C = pmx_test::dense(cm.data(), PMX_DTYPE_F32, {B * L, G, Ns}, 4);
        p.cu_seqlens = pmx_test::dense(cu.data(), PMX_DTYPE_I32, {B + 1}, 4);
    }

    // The step layout: one token per sequence.
    void make_step() {
        step = true;
        p.u = pmx_test::dense(u.data(), PMX_DTYPE_F32, {B, Dm}, 4);
        p.delta = pmx_test::dense(delta.data(), PMX_DTYPE_F32, {B, Dm}, 4);
        p.z = pmx_test::dense(z.data(), PMX_DTYPE_F32, {B, Dm}, 4);
        p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {B, Dm}, 4);
        p.B = pmx_test::dense(bm.data(), PMX_DTYPE_F32, {B, G, Ns}, 4);
        p.C = pmx_test::dense(cm.data(), PMX_DTYPE_F32, {B, G, Ns}, 4);
    }

    bool untouched() const {
        for (float v : out)
            if (!std::isnan(v)) return false;
        for (float v : s_out)
            if (!std::isnan(v)) return false;
        return true;
    }
};

pmx_status run(pmx_context *ctx, Fixture &f, int which) {
    if (f.step) return pmx_selective_scan_step(ctx, &f.p);
    if (which == 1) return pmx_selective_scan_reference(ctx, &f.p);
    int64_t bytes = 0;
    const pmx_status st = pmx_selective_scan_workspace_size(ctx, &f.p, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    pmx_test::Aligned ws{size_t(bytes)};
    return pmx_selective_scan(ctx, &f.p, ws.p, bytes);
}

// The kernel (with its size query), or the step form, and the reference on a
// mutated copy of the good params (expected_reference: the reference's
// status where it differs).
void check_rejects(pmx_context *ctx, const char *label, const std::function<void(Fixture &)> &mutate,
                   pmx_status expected, const char *prefix, pmx_status expected_reference = PMX_STATUS_SUCCESS) {
    for (int which : {0, 1}) {
        const pmx_status want = which == 1 && expected_reference != PMX_STATUS_SUCCESS ? expected_reference : expected;
        Fixture f;
        mutate(f);
        if (f.step && which == 1) continue;
        const pmx_status st = run(ctx, f, which);
        const std::string msg = pmx_test::last_error(ctx);
        const bool ok = st == want && msg.rfind(prefix, 0) == 0 && f.untouched();
        if (which == 0) std::printf("%-46s -> %-28s \"%s\"\n", label, pmx_status_name(st), msg.c_str());
        if (!ok) {
            std::printf("FAIL: %s%s: expected %s with a message starting '%s', outputs untouched (got %s \"%s\")\n",
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

    // The good calls work (dense, varlen, step in place).
    for (int form = 0; form < 3; ++form) {
        Fixture f;
        if (form == 1) f.make_varlen();
        if (form == 2) {
            f.make_step();
            f.p.state_out = f.p.state_in;
        }
        const pmx_status st = run(ctx, f, 0);
        if (st != PMX_STATUS_SUCCESS) {
            std::printf("FAIL: good call (form %d): %s\n", form, pmx_test::last_error(ctx).c_str());
            ++failures;
        }
    }

    check_rejects(ctx, "NULL params", [](Fixture &f) { std::memset(&f.p, 0, sizeof f.p); }, BAD, "params");
    check_rejects(ctx, "struct_size too small", [](Fixture &f) { f.p.struct_size = 8; }, BAD, "params");
    check_rejects(ctx, "reserved set", [](Fixture &f) { f.p.reserved = 1; }, BAD, "reserved");
    check_rejects(ctx, "delta_softplus 2", [](Fixture &f) { f.p.delta_softplus = 2; }, BAD, "delta_softplus");
    check_rejects(ctx, "chunk negative", [](Fixture &f) { f.p.chunk = -1; }, BAD, "chunk");
    check_rejects(ctx, "u rank 2 (dense)", [](Fixture &f) { f.p.u.ndim = 2; }, BAD, "u");
    check_rejects(ctx, "u f16", [](Fixture &f) { f.p.u.dtype = PMX_DTYPE_F16; }, PMX_STATUS_UNSUPPORTED, "u",
                  BAD /* the reference reads F32 or F64 only */);
    check_rejects(ctx, "u i32", [](Fixture &f) { f.p.u.dtype = PMX_DTYPE_I32; }, BAD, "u");
    check_rejects(ctx, "u too small a buffer", [](Fixture &f) { f.p.u.byte_size -= 4; }, BAD, "u");
    check_rejects(ctx, "delta shorter L", [](Fixture &f) { f.p.delta.shape[1] = 4; }, BAD, "delta");
    check_rejects(ctx, "z other Dm", [](Fixture &f) { f.p.z.shape[2] = 5; }, BAD, "z");
    check_rejects(ctx, "out other B", [](Fixture &f) { f.p.out.shape[0] = 1; }, BAD, "out");
    check_rejects(ctx, "A other Dm", [](Fixture &f) { f.p.A.shape[0] = 5; }, BAD, "A");
    check_rejects(ctx, "A Ns 0", [](Fixture &f) { f.p.A.shape[1] = 0; }, BAD, "A");
    check_rejects(ctx, "A Ns 257", [](Fixture &f) { f.p.A.shape[1] = 257; f.p.A.stride[0] = 257; f.p.A.byte_size = 6 * 257 * 4; }, BAD, "A");
    check_rejects(ctx, "B rank 3 (dense)", [](Fixture &f) { f.p.B.ndim = 3; }, BAD, "B");
    check_rejects(ctx, "B G 4 (does not divide 6)", [](Fixture &f) { f.p.B.shape[2] = f.p.C.shape[2] = 4; f.p.B.stride[2] = f.p.C.stride[2] = 1; }, BAD, "B");
    check_rejects(ctx, "B G 0", [](Fixture &f) { f.p.B.shape[2] = 0; }, BAD, "B");
    check_rejects(ctx, "B other Ns", [](Fixture &f) { f.p.B.shape[3] = 3; }, BAD, "B");
    check_rejects(ctx, "C unlike B", [](Fixture &f) { f.p.C.shape[2] = 1; }, BAD, "C");
    check_rejects(ctx, "D other length", [](Fixture &f) { f.p.D.shape[0] = 5; }, BAD, "D");
    check_rejects(ctx, "delta_bias rank 2", [](Fixture &f) { f.p.delta_bias.ndim = 2; }, BAD, "delta_bias");
    check_rejects(ctx, "state_in other Ns", [](Fixture &f) { f.p.state_in.shape[2] = 3; }, BAD, "state_in");
    check_rejects(ctx, "state_out other B", [](Fixture &f) { f.p.state_out.shape[0] = 3; }, BAD, "state_out");
    check_rejects(ctx, "A on CUDA", [](Fixture &f) { f.p.A.device = PMX_DEVICE_CUDA; }, BAD, "A");
    check_rejects(ctx, "out overlaps u", [](Fixture &f) { f.p.out.data = f.u.data(); }, BAD, "out");
    check_rejects(ctx, "out zero stride", [](Fixture &f) { f.p.out.stride[1] = 0; }, BAD, "out");
    check_rejects(ctx, "state_out is state_in (full scan)", [](Fixture &f) { f.p.state_out = f.p.state_in; }, BAD,
                  "state_out");
    check_rejects(ctx, "state_out overlaps out", [](Fixture &f) { f.p.state_out.data = f.out.data(); }, BAD, "out");
    check_rejects(ctx, "varlen cu_seqlens not from 0", [](Fixture &f) { f.make_varlen(); f.cu[0] = 1; }, BAD,
                  "cu_seqlens");
    check_rejects(ctx, "varlen cu_seqlens decreasing", [](Fixture &f) { f.make_varlen(); f.cu[1] = 11; }, BAD,
                  "cu_seqlens");
    check_rejects(ctx, "varlen cu_seqlens past total", [](Fixture &f) { f.make_varlen(); f.cu[2] = 11; }, BAD,
                  "cu_seqlens");
    check_rejects(ctx, "varlen cu_seqlens f32", [](Fixture &f) { f.make_varlen(); f.p.cu_seqlens.dtype = PMX_DTYPE_F32; },
                  BAD, "cu_seqlens");
    check_rejects(ctx, "varlen cu_seqlens [1]", [](Fixture &f) { f.make_varlen(); f.p.cu_seqlens.shape[0] = 1; }, BAD,
                  "cu_seqlens");
    check_rejects(ctx, "varlen u rank 3", [](Fixture &f) { f.make_varlen(); f.p.u = pmx_test::dense(f.u.data(), PMX_DTYPE_F32, {2, 5, 6}, 4); }, BAD, "u");
    check_rejects(ctx, "step with cu_seqlens", [](Fixture &f) { f.make_step(); f.p.cu_seqlens = pmx_test::dense(f.cu.data(), PMX_DTYPE_I32, {3}, 4); }, BAD, "cu_seqlens");
    check_rejects(ctx, "step with chunk", [](Fixture &f) { f.make_step(); f.p.chunk = 4; }, BAD, "chunk");
    check_rejects(ctx, "step u rank 3", [](Fixture &f) { f.make_step(); f.p.u = pmx_test::dense(f.u.data(), PMX_DTYPE_F32, {2, 5, 6}, 4); }, BAD, "u");
    check_rejects(ctx, "step state_out overlaps state_in partly",
                  [](Fixture &f) { f.make_step(); f.p.state_out.data = f.s_in.data() + 1; }, BAD, "state_out");

    // A workspace that is too small, misaligned, or overlaps a tensor.
    {
        Fixture f;
        f.p.chunk = 2;
        int64_t bytes = 0;
        pmx_selective_scan_workspace_size(ctx, &f.p, &bytes);
        pmx_test::Aligned ws{size_t(bytes) + 64};
        pmx_status st = pmx_selective_scan(ctx, &f.p, ws.p, bytes - 4);
        if (st != PMX_STATUS_WORKSPACE_TOO_SMALL || !f.untouched()) {
            std::printf("FAIL: short workspace: %s\n", pmx_status_name(st));
            ++failures;
        }
        st = pmx_selective_scan(ctx, &f.p, static_cast<char *>(ws.p) + 4, bytes);
        if (st != BAD || pmx_test::last_error(ctx).rfind("workspace", 0) != 0) {
            std::printf("FAIL: misaligned workspace: %s\n", pmx_status_name(st));
            ++failures;
        }
        st = pmx_selective_scan(ctx, &f.p, f.u.data(), bytes);  // u is only 4-byte aligned: alignment or overlap
        if (st != BAD || pmx_test::last_error(ctx).rfind("workspace", 0) != 0) {
            std::printf("FAIL: workspace over u: %s \"%s\"\n", pmx_status_name(st), pmx_test::last_error(ctx).c_str());
            ++failures;
        }
        int64_t dummy = 0;
        st = pmx_selective_scan_workspace_size(ctx, &f.p, nullptr);
        if (st != BAD) ++failures, std::printf("FAIL: NULL out_bytes accepted\n");
        st = pmx_selective_scan_workspace_size(nullptr, &f.p, &dummy);
        if (st == PMX_STATUS_SUCCESS) ++failures, std::printf("FAIL: NULL context accepted\n");
    }

    pmx_context_destroy(ctx);
    std::printf("%s (%d failures)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
