// Every bad argument to pmx_ssd (and its size query, step form and
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

// check_rejects' per-entry-point expectations: SAME as the kernel's, or ANY
// (not checked: the size query validates the arguments, not the aliasing).
constexpr pmx_status SAME = pmx_status(-1);
constexpr pmx_status ANY = pmx_status(-2);

enum Which { KERNEL = 0, REFERENCE = 1, SIZE_QUERY = 2 };
const char *const kWhichName[] = {"", " (reference)", " (size query)"};

struct Fixture {
    static constexpr int64_t B = 2, L = 5, H = 4, P = 3, G = 2, N = 4;
    std::vector<float> x, dt, a, bm, cm, d, bias, s_in, out, s_out;
    std::vector<double> x64;
    std::vector<float> spare = std::vector<float>(512, 0.5f);  // room for overlapping layouts
    std::vector<int32_t> cu{0, 2, 10};
    pmx_ssd_params p{};
    bool step = false;
    bool null_params = false;

    Fixture() {
        std::mt19937_64 rng(10);
        x = pmx_test::random_floats(B * L * H * P, rng);
        dt = pmx_test::random_floats(B * L * H, rng, -3.f, -1.f);
        a = pmx_test::random_floats(H, rng, -2.f, -0.5f);
        bm = pmx_test::random_floats(B * L * G * N, rng);
        cm = pmx_test::random_floats(B * L * G * N, rng);
        d = pmx_test::random_floats(H, rng);
        bias = pmx_test::random_floats(H, rng, -0.5f, 0.5f);
        s_in = pmx_test::random_floats(B * H * P * N + 1, rng);  // one spare: a shifted view still fits
        x64.assign(x.begin(), x.end());
        out.assign(B * L * H * P, NAN);
        s_out.assign(B * H * P * N, NAN);
        p.struct_size = sizeof p;
        p.x = pmx_test::dense(x.data(), PMX_DTYPE_F32, {B, L, H, P}, 4);
        p.dt = pmx_test::dense(dt.data(), PMX_DTYPE_F32, {B, L, H}, 4);
        p.A = pmx_test::dense(a.data(), PMX_DTYPE_F32, {H}, 4);
        p.B = pmx_test::dense(bm.data(), PMX_DTYPE_F32, {B, L, G, N}, 4);
        p.C = pmx_test::dense(cm.data(), PMX_DTYPE_F32, {B, L, G, N}, 4);
        p.D = pmx_test::dense(d.data(), PMX_DTYPE_F32, {H}, 4);
        p.dt_bias = pmx_test::dense(bias.data(), PMX_DTYPE_F32, {H}, 4);
        p.dt_softplus = 1;
        p.state_in = pmx_test::dense(s_in.data(), PMX_DTYPE_F32, {B, H, P, N}, 4);
        p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {B, L, H, P}, 4);
        p.state_out = pmx_test::dense(s_out.data(), PMX_DTYPE_F32, {B, H, P, N}, 4);
    }

    // The packed layout: B = 2 sequences of 2 and 8 tokens in 10 rows.
    void make_varlen() {
        p.x = pmx_test::dense(x.data(), PMX_DTYPE_F32, {B * L, H, P}, 4);
        p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {B * L, H, P}, 4);
        p.dt = pmx_test::dense(dt.data(), PMX_DTYPE_F32, {B * L, H}, 4);
        p.B = pmx_test::dense(bm.data(), PMX_DTYPE_F32, {B * L, G, N}, 4);
        p.C = pmx_test::dense(cm.data(), PMX_DTYPE_F32, {B * L, G, N}, 4);
        p.cu_seqlens = pmx_test::dense(cu.data(), PMX_DTYPE_I32, {B + 1}, 4);
    }

    // The step layout: one token per sequence.
    void make_step() {
        step = true;
        p.x = pmx_test::dense(x.data(), PMX_DTYPE_F32, {B, H, P}, 4);
        p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {B, H, P}, 4);
        p.dt = pmx_test::dense(dt.data(), PMX_DTYPE_F32, {B, H}, 4);
        p.B = pmx_test::dense(bm.data(), PMX_DTYPE_F32, {B, G, N}, 4);
        p.C = pmx_test::dense(cm.data(), PMX_DTYPE_F32, {B, G, N}, 4);
    }

    // Elements of out (and of state_out, when it is written to s_out) a call
    // wrote: 0 when untouched, all of them after a good call.
    size_t written() const {
        const int64_t rows = step ? 1 : L;
        size_t n = 0;
        for (int64_t i = 0; i < B * rows * H * P; ++i) n += !std::isnan(out[size_t(i)]);
        for (float v : s_out) n += !std::isnan(v);
        return n;
    }
    bool untouched() const {
        for (float v : out)
            if (!std::isnan(v)) return false;
        for (float v : s_out)
            if (!std::isnan(v)) return false;
        return true;
    }
    size_t all_outputs() const {
        const int64_t rows = step ? 1 : L;
        return size_t(B * rows * H * P) + (p.state_out.data == s_out.data() ? s_out.size() : 0);
    }
};

// pmx_ssd with the workspace its size query asks for (a token 64 bytes when
// the query refuses the params: pmx_ssd must then refuse them the same way,
// before it looks at the workspace), or the step form, the reference, or
// the size query alone.
pmx_status run(pmx_context *ctx, Fixture &f, Which which) {
    const pmx_ssd_params *p = f.null_params ? nullptr : &f.p;
    if (f.step) return pmx_ssd_step(ctx, p);
    if (which == REFERENCE) return pmx_ssd_reference(ctx, p);
    int64_t bytes = 0;
    const pmx_status st = pmx_ssd_workspace_size(ctx, p, &bytes);
    if (which == SIZE_QUERY) return st;
    if (st != PMX_STATUS_SUCCESS) bytes = 64;
    pmx_test::Aligned ws{size_t(bytes)};
    return pmx_ssd(ctx, p, ws.p, bytes);
}

// The kernel, its size query alone and the reference (or the step form) on a
// mutated copy of the good params. expected_reference / expected_size: the
// reference's and the size query's status where it differs (SAME: as the
// kernel; ANY: not checked). An expected SUCCESS must write every output.
void check_rejects(pmx_context *ctx, const char *label, const std::function<void(Fixture &)> &mutate,
                   pmx_status expected, const char *prefix, pmx_status expected_reference = SAME,
                   pmx_status expected_size = SAME) {
    for (Which which : {KERNEL, REFERENCE, SIZE_QUERY}) {
        pmx_status want = expected;
        if (which == REFERENCE && expected_reference != SAME) want = expected_reference;
        if (which == SIZE_QUERY && expected_size != SAME) want = expected_size;
        if (want == ANY) continue;
        Fixture f;
        mutate(f);
        if (f.step && which != KERNEL) continue;
        const pmx_status st = run(ctx, f, which);
        const std::string msg = pmx_test::last_error(ctx);
        const bool ok = want == PMX_STATUS_SUCCESS
                            ? st == want && (which == SIZE_QUERY || f.written() == f.all_outputs())
                            : st == want && msg.rfind(prefix, 0) == 0 && f.untouched();
        if (which == KERNEL) std::printf("%-48s -> %-28s \"%s\"\n", label, pmx_status_name(st), msg.c_str());
        if (!ok) {
            std::printf("FAIL: %s%s: expected %s with a message starting '%s', outputs %s (got %s \"%s\")\n", label,
                        kWhichName[which], pmx_status_name(want), want == PMX_STATUS_SUCCESS ? "" : prefix,
                        want == PMX_STATUS_SUCCESS ? "written" : "untouched", pmx_status_name(st), msg.c_str());
            ++failures;
        }
    }
}

// The good forms: dense (every option; none; chunks 1 and the largest),
// varlen, step in place and not.
constexpr int kGoodForms = 7;
void make_good(Fixture &f, int form) {
    if (form == 1) {
        f.p.D = f.p.dt_bias = f.p.state_in = f.p.state_out = pmx_tensor{};
        f.p.dt_softplus = 0;  // dt in -3 .. -1 then grows the state a little: finite over 5 tokens
    }
    if (form == 2) f.p.chunk = 1;
    if (form == 3) f.p.chunk = PMX_MAX_SSD_CHUNK;
    if (form == 4) f.make_varlen();
    if (form == 5) {
        f.make_step();
        f.p.state_out = f.p.state_in;
    }
    if (form == 6) f.make_step();
}

// Every good form through pmx_ssd (or the step) and, but for the step,
// the reference; every output written. Returns the failures.
int good_calls(pmx_context *ctx, const char *when) {
    int bad = 0;
    for (int form = 0; form < kGoodForms; ++form) {
        for (Which which : {KERNEL, REFERENCE}) {
            Fixture f;
            make_good(f, form);
            if (f.step && which == REFERENCE) continue;
            const pmx_status st = run(ctx, f, which);
            if (st != PMX_STATUS_SUCCESS || f.written() != f.all_outputs()) {
                std::printf("FAIL: good call %s (form %d%s): %s \"%s\", %zu of %zu outputs written\n", when, form,
                            kWhichName[which], pmx_status_name(st), pmx_test::last_error(ctx).c_str(), f.written(),
                            f.all_outputs());
                ++bad;
            }
        }
    }
    return bad;
}

}  // namespace

int main() {
    pmx_context *ctx = nullptr;
    if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS) return 1;
    const pmx_status BAD = PMX_STATUS_INVALID_ARGUMENT;
    const pmx_status UNSUPPORTED = PMX_STATUS_UNSUPPORTED;
    using F = Fixture;

    // The good calls work (dense, varlen, step in place).
    failures += good_calls(ctx, "before");

    // The params struct and the plain fields.
    check_rejects(ctx, "NULL params", [](F &f) { f.null_params = true; }, BAD, "params:");
    check_rejects(ctx, "NULL params (step)", [](F &f) { f.make_step(); f.null_params = true; }, BAD, "params:");
    check_rejects(ctx, "zeroed params", [](F &f) { std::memset(&f.p, 0, sizeof f.p); }, BAD, "params:");
    check_rejects(ctx, "struct_size too small", [](F &f) { f.p.struct_size = sizeof f.p - 8; }, BAD, "params:");
    check_rejects(ctx, "struct_size too small (step)", [](F &f) { f.make_step(); f.p.struct_size = 8; }, BAD,
                  "params:");
    check_rejects(ctx, "reserved set", [](F &f) { f.p.reserved = 1; }, BAD, "reserved:");
    check_rejects(ctx, "dt_softplus 2", [](F &f) { f.p.dt_softplus = 2; }, BAD, "dt_softplus:");
    check_rejects(ctx, "dt_softplus -1", [](F &f) { f.p.dt_softplus = -1; }, BAD, "dt_softplus:");
    check_rejects(ctx, "chunk negative", [](F &f) { f.p.chunk = -1; }, BAD, "chunk:");
    check_rejects(ctx, "chunk PMX_MAX_SSD_CHUNK + 1", [](F &f) { f.p.chunk = PMX_MAX_SSD_CHUNK + 1; }, BAD,
                  "chunk:");

    // x and out.
    check_rejects(ctx, "x rank 3 (dense)", [](F &f) { f.p.x.ndim = 3; }, BAD, "x:");
    check_rejects(ctx, "x rank 5", [](F &f) { f.p.x.ndim = 5; }, BAD, "x:");
    check_rejects(ctx, "x absent", [](F &f) { f.p.x = pmx_tensor{}; }, BAD, "x:");
    check_rejects(ctx, "x data NULL", [](F &f) { f.p.x.data = nullptr; }, BAD, "x:");
    check_rejects(ctx, "x too small a buffer", [](F &f) { f.p.x.byte_size -= 4; }, BAD, "x:");
    check_rejects(ctx, "x negative stride", [](F &f) { f.p.x.stride[3] = -1; }, BAD, "x:");
    check_rejects(ctx, "x on CUDA", [](F &f) { f.p.x.device = PMX_DEVICE_CUDA; }, BAD, "x:");
    check_rejects(ctx, "out other P", [](F &f) { f.p.out.shape[3] = 2; }, BAD, "out:");
    check_rejects(ctx, "out other L", [](F &f) { f.p.out.shape[1] = 4; }, BAD, "out:");
    check_rejects(ctx, "out rank 3", [](F &f) { f.p.out.ndim = 3; }, BAD, "out:");
    check_rejects(ctx, "out absent", [](F &f) { f.p.out = pmx_tensor{}; }, BAD, "out:");
    check_rejects(ctx, "out zero stride", [](F &f) { f.p.out.stride[1] = 0; }, BAD, "out:", SAME, ANY);

    // dt, A, B, C, D, dt_bias.
    check_rejects(ctx, "dt other H", [](F &f) { f.p.dt.shape[2] = 3; }, BAD, "dt:");
    check_rejects(ctx, "dt shorter L", [](F &f) { f.p.dt.shape[1] = 4; }, BAD, "dt:");
    check_rejects(ctx, "dt other B", [](F &f) { f.p.dt.shape[0] = 1; }, BAD, "dt:");
    check_rejects(ctx, "dt rank 4", [](F &f) { f.p.dt = pmx_test::dense(f.dt.data(), PMX_DTYPE_F32, {2, 5, 4, 1}, 4); },
                  BAD, "dt:");
    check_rejects(ctx, "A other H", [](F &f) { f.p.A.shape[0] = 3; }, BAD, "A:");
    check_rejects(ctx, "A rank 2 ([H, N] as in the scan)",
                  [](F &f) { f.p.A = pmx_test::dense(f.a.data(), PMX_DTYPE_F32, {4, 1}, 4); }, BAD, "A:");
    check_rejects(ctx, "A absent", [](F &f) { f.p.A = pmx_tensor{}; }, BAD, "A:");
    check_rejects(ctx, "A on CUDA", [](F &f) { f.p.A.device = PMX_DEVICE_CUDA; }, BAD, "A:");
    check_rejects(ctx, "B rank 3 (dense)", [](F &f) { f.p.B.ndim = 3; }, BAD, "B:");
    check_rejects(ctx, "B other L", [](F &f) { f.p.B.shape[1] = 4; }, BAD, "B:");
    check_rejects(ctx, "B G 3 (does not divide H = 4)",
                  [](F &f) {
                      f.p.B.shape[2] = f.p.C.shape[2] = 3;
                      f.p.B.stride[2] = f.p.C.stride[2] = 1;
                  },
                  BAD, "B: the group count");
    check_rejects(ctx, "B G 0", [](F &f) { f.p.B.shape[2] = 0; }, BAD, "B: the group count");
    check_rejects(ctx, "B N 0", [](F &f) { f.p.B.shape[3] = f.p.C.shape[3] = 0; }, BAD, "B: the state size");
    // Zero strides along N let a 4-byte B claim any N: the limits, not the
    // buffer, must stop it (the workspace sizes would overflow).
    for (int64_t n : {int64_t(PMX_MAX_SSD_STATE) + 1, int64_t(1) << 58, int64_t(1) << 62})
        check_rejects(ctx, "B N too large (zero strides)",
                      [n](F &f) {
                          f.p.B.shape[3] = f.p.C.shape[3] = n;
                          f.p.B.stride[3] = f.p.C.stride[3] = 0;
                      },
                      BAD, "B: the state size");
    check_rejects(ctx, "x P too large (zero strides)",
                  [](F &f) {
                      f.p.x.shape[3] = f.p.out.shape[3] = int64_t(PMX_MAX_SSD_HEAD_DIM) + 1;
                      f.p.x.stride[3] = f.p.out.stride[3] = 0;
                  },
                  BAD, "x: the head dim");
    check_rejects(ctx, "C other N", [](F &f) { f.p.C.shape[3] = 3; }, BAD, "C:");
    check_rejects(ctx, "C other G", [](F &f) { f.p.C.shape[2] = 1; }, BAD, "C:");
    check_rejects(ctx, "C rank 3", [](F &f) { f.p.C.ndim = 3; }, BAD, "C:");
    check_rejects(ctx, "D other length", [](F &f) { f.p.D.shape[0] = 3; }, BAD, "D:");
    check_rejects(ctx, "D rank 2", [](F &f) { f.p.D = pmx_test::dense(f.d.data(), PMX_DTYPE_F32, {4, 1}, 4); }, BAD,
                  "D:");
    check_rejects(ctx, "D data NULL", [](F &f) { f.p.D.data = nullptr; }, BAD, "D:");
    check_rejects(ctx, "dt_bias other length", [](F &f) { f.p.dt_bias.shape[0] = 2; }, BAD, "dt_bias:");
    check_rejects(ctx, "dt_bias rank 2", [](F &f) { f.p.dt_bias.ndim = 2; }, BAD, "dt_bias:");

    // state_in, state_out.
    check_rejects(ctx, "state_in other P", [](F &f) { f.p.state_in.shape[2] = 2; }, BAD, "state_in:");
    check_rejects(ctx, "state_in other N", [](F &f) { f.p.state_in.shape[3] = 3; }, BAD, "state_in:");
    check_rejects(ctx, "state_in rank 3", [](F &f) { f.p.state_in.ndim = 3; }, BAD, "state_in:");
    check_rejects(ctx, "state_out other B", [](F &f) { f.p.state_out.shape[0] = 1; }, BAD, "state_out:");
    check_rejects(ctx, "state_out other H", [](F &f) { f.p.state_out.shape[1] = 2; }, BAD, "state_out:");
    check_rejects(ctx, "state_out rank 5", [](F &f) { f.p.state_out.ndim = 5; }, BAD, "state_out:");
    check_rejects(ctx, "state_out zero stride", [](F &f) { f.p.state_out.stride[3] = 0; }, BAD, "state_out:", SAME,
                  ANY);

    // dtypes: I32 is invalid; F16/BF16 are valid dtypes the CPU kernel cannot
    // run yet (UNSUPPORTED) and the float64 reference never reads (invalid
    // there); F64 is the reference's only.
    check_rejects(ctx, "x i32", [](F &f) { f.p.x.dtype = PMX_DTYPE_I32; }, BAD, "x:");
    check_rejects(ctx, "A i32", [](F &f) { f.p.A.dtype = PMX_DTYPE_I32; }, BAD, "A:");
    check_rejects(ctx, "out i32", [](F &f) { f.p.out.dtype = PMX_DTYPE_I32; }, BAD, "out:");
    check_rejects(ctx, "state_in i64",
                  [](F &f) { f.p.state_in.dtype = PMX_DTYPE_I64; f.p.state_in.byte_size *= 2; }, BAD, "state_in:");
    check_rejects(ctx, "dt undefined dtype", [](F &f) { f.p.dt.dtype = PMX_DTYPE_UNDEFINED; }, BAD, "dt:");
    check_rejects(ctx, "x f16", [](F &f) { f.p.x.dtype = PMX_DTYPE_F16; }, UNSUPPORTED, "x:", BAD);
    check_rejects(ctx, "C bf16", [](F &f) { f.p.C.dtype = PMX_DTYPE_BF16; }, UNSUPPORTED, "C:", BAD);
    check_rejects(ctx, "state_out f16", [](F &f) { f.p.state_out.dtype = PMX_DTYPE_F16; }, UNSUPPORTED,
                  "state_out:", BAD);
    check_rejects(ctx, "step dt f16", [](F &f) { f.make_step(); f.p.dt.dtype = PMX_DTYPE_F16; }, UNSUPPORTED, "dt:");
    check_rejects(ctx, "x f64 (the reference takes it)",
                  [](F &f) { f.p.x = pmx_test::dense(f.x64.data(), PMX_DTYPE_F64, {2, 5, 4, 3}, 8); }, BAD, "x:",
                  PMX_STATUS_SUCCESS);
    check_rejects(ctx, "step x f64",
                  [](F &f) { f.make_step(); f.p.x = pmx_test::dense(f.x64.data(), PMX_DTYPE_F64, {2, 4, 3}, 8); },
                  BAD, "x:");

    // cu_seqlens (packed varlen).
    check_rejects(ctx, "varlen cu_seqlens not from 0", [](F &f) { f.make_varlen(); f.cu[0] = 1; }, BAD,
                  "cu_seqlens:");
    check_rejects(ctx, "varlen cu_seqlens decreasing",
                  [](F &f) { f.make_varlen(); f.cu = {0, 6, 4}; f.p.cu_seqlens.data = f.cu.data(); }, BAD,
                  "cu_seqlens:");
    check_rejects(ctx, "varlen cu_seqlens past total", [](F &f) { f.make_varlen(); f.cu[2] = 11; }, BAD,
                  "cu_seqlens:");
    check_rejects(ctx, "varlen cu_seqlens f32", [](F &f) { f.make_varlen(); f.p.cu_seqlens.dtype = PMX_DTYPE_F32; },
                  BAD, "cu_seqlens:");
    check_rejects(ctx, "varlen cu_seqlens i64",
                  [](F &f) { f.make_varlen(); f.p.cu_seqlens.dtype = PMX_DTYPE_I64; f.p.cu_seqlens.byte_size = 24; },
                  BAD, "cu_seqlens:");
    check_rejects(ctx, "varlen cu_seqlens [1]", [](F &f) { f.make_varlen(); f.p.cu_seqlens.shape[0] = 1; }, BAD,
                  "cu_seqlens:");
    check_rejects(ctx, "varlen cu_seqlens [3, 1]",
                  [](F &f) {
                      f.make_varlen();
                      f.p.cu_seqlens = pmx_test::dense(f.cu.data(), PMX_DTYPE_I32, {3, 1}, 4);
                  },
                  BAD, "cu_seqlens:");
    check_rejects(ctx, "varlen cu_seqlens not contiguous",
                  [](F &f) {
                      f.make_varlen();
                      f.cu = {0, -7, 2, -7, 10};
                      f.p.cu_seqlens = pmx_test::view(f.cu.data(), PMX_DTYPE_I32, {3}, {2}, 20);
                  },
                  BAD, "cu_seqlens:");
    check_rejects(ctx, "varlen cu_seqlens data NULL", [](F &f) { f.make_varlen(); f.p.cu_seqlens.data = nullptr; }, BAD,
                  "cu_seqlens:");
    check_rejects(ctx, "varlen x rank 4 ([B, L, H, P])",
                  [](F &f) { f.make_varlen(); f.p.x = pmx_test::dense(f.x.data(), PMX_DTYPE_F32, {2, 5, 4, 3}, 4); },
                  BAD, "x:");
    check_rejects(ctx, "varlen dt other total", [](F &f) { f.make_varlen(); f.p.dt.shape[0] = 9; }, BAD, "dt:");
    check_rejects(ctx, "varlen B other total", [](F &f) { f.make_varlen(); f.p.B.shape[0] = 9; }, BAD, "B:");
    check_rejects(ctx, "varlen state_in for other B",
                  [](F &f) {
                      f.make_varlen();
                      f.cu = {0, 10};
                      f.p.cu_seqlens = pmx_test::dense(f.cu.data(), PMX_DTYPE_I32, {2}, 4);
                  }, BAD, "state_in:");

    // The step form.
    check_rejects(ctx, "step with cu_seqlens",
                  [](F &f) { f.make_step(); f.p.cu_seqlens = pmx_test::dense(f.cu.data(), PMX_DTYPE_I32, {3}, 4); },
                  BAD, "cu_seqlens:");
    check_rejects(ctx, "step with chunk", [](F &f) { f.make_step(); f.p.chunk = 4; }, BAD, "chunk:");
    check_rejects(ctx, "step x rank 4 ([B, L, H, P])",
                  [](F &f) { f.make_step(); f.p.x = pmx_test::dense(f.x.data(), PMX_DTYPE_F32, {2, 5, 4, 3}, 4); }, BAD,
                  "x:");
    check_rejects(ctx, "step dt rank 3",
                  [](F &f) { f.make_step(); f.p.dt = pmx_test::dense(f.dt.data(), PMX_DTYPE_F32, {2, 5, 4}, 4); }, BAD,
                  "dt:");
    check_rejects(ctx, "step B G 3", [](F &f) { f.make_step(); f.p.B.shape[1] = 3; f.p.B.stride[1] = 1; }, BAD,
                  "B: the group count");
    check_rejects(ctx, "step state_in other N", [](F &f) { f.make_step(); f.p.state_in.shape[3] = 3; }, BAD,
                  "state_in:");

    // Aliasing: outputs apart from every input and from each other; only
    // the step may update the state in place, and only as the same view.
    check_rejects(ctx, "out overlaps x", [](F &f) { f.p.out.data = f.x.data(); }, BAD, "out: overlaps x", SAME, ANY);
    check_rejects(ctx, "out overlaps the end of B",
                  [](F &f) {
                      f.p.B = pmx_test::dense(f.spare.data(), PMX_DTYPE_F32, {2, 5, 2, 4}, 4);
                      f.p.out = pmx_test::dense(f.spare.data() + 79, PMX_DTYPE_F32, {2, 5, 4, 3}, 4);
                  },
                  BAD, "out: overlaps B", SAME, ANY);
    check_rejects(ctx, "state_out overlaps out", [](F &f) { f.p.state_out.data = f.out.data(); }, BAD,
                  "out: overlaps state_out", SAME, ANY);
    check_rejects(ctx, "state_out overlaps dt_bias",
                  [](F &f) {
                      f.p.dt_bias = pmx_test::dense(f.spare.data() + 200, PMX_DTYPE_F32, {4}, 4);
                      f.p.state_out = pmx_test::dense(f.spare.data() + 110, PMX_DTYPE_F32, {2, 4, 3, 4}, 4);
                  },
                  BAD, "state_out: overlaps dt_bias", SAME, ANY);
    check_rejects(ctx, "state_out is state_in (full SSD)", [](F &f) { f.p.state_out = f.p.state_in; }, BAD,
                  "state_out: overlaps state_in", SAME, ANY);
    check_rejects(ctx, "state_out is state_in (varlen)",
                  [](F &f) { f.make_varlen(); f.p.state_out = f.p.state_in; }, BAD, "state_out: overlaps state_in",
                  SAME, ANY);
    check_rejects(ctx, "step out overlaps x", [](F &f) { f.make_step(); f.p.out.data = f.x.data(); }, BAD,
                  "out: overlaps x");
    check_rejects(ctx, "step state_out overlaps state_in partly",
                  [](F &f) { f.make_step(); f.p.state_out = f.p.state_in; f.p.state_out.data = f.s_in.data() + 1; },
                  BAD, "state_out: overlaps state_in");
    check_rejects(ctx, "step state_out is state_in, other strides",
                  [](F &f) {
                      f.make_step();
                      f.p.state_out =
                          pmx_test::view(f.s_in.data(), PMX_DTYPE_F32, {2, 4, 3, 4}, {48, 12, 1, 3}, 96 * 4);
                  },
                  BAD, "state_out: overlaps state_in");
    check_rejects(ctx, "step state in place overlapping out",
                  [](F &f) {
                      f.make_step();
                      f.p.state_in = f.p.state_out = pmx_test::dense(f.spare.data(), PMX_DTYPE_F32, {2, 4, 3, 4}, 4);
                      f.p.out = pmx_test::dense(f.spare.data() + 90, PMX_DTYPE_F32, {2, 4, 3}, 4);
                  },
                  BAD, "out: overlaps state_out");

    // The workspace: too small, NULL, misaligned, overlapping a tensor.
    {
        Fixture f;
        int64_t bytes = 0;
        pmx_status st = pmx_ssd_workspace_size(ctx, &f.p, &bytes);
        pmx_test::expect(st == PMX_STATUS_SUCCESS && bytes > 0 && bytes % 4 == 0, "workspace size of the good call");
        pmx_test::Aligned ws{size_t(bytes) + 128};
        auto expect_ws = [&](const char *label, pmx_status got, pmx_status want, const char *prefix) {
            const std::string msg = pmx_test::last_error(ctx);
            std::printf("%-48s -> %-28s \"%s\"\n", label, pmx_status_name(got), msg.c_str());
            if (got != want || msg.rfind(prefix, 0) != 0 || !f.untouched()) {
                std::printf("FAIL: %s: expected %s with a message starting '%s', outputs untouched (got %s \"%s\")\n",
                            label, pmx_status_name(want), prefix, pmx_status_name(got), msg.c_str());
                ++failures;
            }
        };
        expect_ws("workspace 4 bytes short", pmx_ssd(ctx, &f.p, ws.p, bytes - 4), PMX_STATUS_WORKSPACE_TOO_SMALL,
                  "workspace:");
        expect_ws("workspace NULL, 0 bytes", pmx_ssd(ctx, &f.p, nullptr, 0), PMX_STATUS_WORKSPACE_TOO_SMALL,
                  "workspace:");
        expect_ws("workspace NULL with the size needed", pmx_ssd(ctx, &f.p, nullptr, bytes), BAD, "workspace:");
        expect_ws("workspace_bytes negative", pmx_ssd(ctx, &f.p, ws.p, -64), BAD, "workspace_bytes:");
        expect_ws("workspace misaligned", pmx_ssd(ctx, &f.p, static_cast<char *>(ws.p) + 4, bytes), BAD,
                  "workspace:");
        {  // D inside the workspace
            Fixture g;
            std::memcpy(static_cast<float *>(ws.p) + 40, g.d.data(), 4 * sizeof(float));
            g.p.D.data = static_cast<float *>(ws.p) + 40;
            const pmx_status s = pmx_ssd(ctx, &g.p, ws.p, bytes);
            const std::string msg = pmx_test::last_error(ctx);
            std::printf("%-48s -> %-28s \"%s\"\n", "workspace overlaps D", pmx_status_name(s), msg.c_str());
            if (s != BAD || msg.rfind("workspace: overlaps D", 0) != 0 || !g.untouched()) {
                std::printf("FAIL: workspace overlaps D: got %s \"%s\"\n", pmx_status_name(s), msg.c_str());
                ++failures;
            }
        }
        {  // out inside the workspace
            Fixture g;
            pmx_test::Aligned big{size_t(bytes) + 4096};
            g.p.out = pmx_test::dense(static_cast<float *>(big.p) + 16, PMX_DTYPE_F32, {2, 5, 4, 3}, 4);
            const pmx_status s = pmx_ssd(ctx, &g.p, big.p, bytes);
            const std::string msg = pmx_test::last_error(ctx);
            std::printf("%-48s -> %-28s \"%s\"\n", "workspace overlaps out", pmx_status_name(s), msg.c_str());
            if (s != BAD || msg.rfind("workspace: overlaps out", 0) != 0 || !g.untouched()) {
                std::printf("FAIL: workspace overlaps out: got %s \"%s\"\n", pmx_status_name(s), msg.c_str());
                ++failures;
            }
        }
        {  // varlen: cu_seqlens inside the workspace (where the call copies it)
            Fixture g;
            g.make_varlen();
            int64_t vbytes = 0;
            pmx_ssd_workspace_size(ctx, &g.p, &vbytes);
            pmx_test::Aligned vws{size_t(vbytes)};
            std::memcpy(vws.p, g.cu.data(), 3 * sizeof(int32_t));
            g.p.cu_seqlens.data = vws.p;
            const pmx_status s = pmx_ssd(ctx, &g.p, vws.p, vbytes);
            const std::string msg = pmx_test::last_error(ctx);
            std::printf("%-48s -> %-28s \"%s\"\n", "workspace overlaps cu_seqlens", pmx_status_name(s), msg.c_str());
            if (s != BAD || msg.rfind("workspace: overlaps cu_seqlens", 0) != 0 || !g.untouched()) {
                std::printf("FAIL: workspace overlaps cu_seqlens: got %s \"%s\"\n", pmx_status_name(s), msg.c_str());
                ++failures;
            }
        }

        // Plain pointers and the context.
        st = pmx_ssd_workspace_size(ctx, &f.p, nullptr);
        const std::string msg = pmx_test::last_error(ctx);
        std::printf("%-48s -> %-28s \"%s\"\n", "NULL out_bytes", pmx_status_name(st), msg.c_str());
        if (st != BAD || msg.rfind("out_bytes:", 0) != 0) {
            ++failures;
            std::printf("FAIL: NULL out_bytes: got %s \"%s\"\n", pmx_status_name(st), msg.c_str());
        }
        auto expect_no_ctx = [&](const char *label, pmx_status got, bool outputs_untouched) {
            if (got != BAD || !outputs_untouched) {
                ++failures;
                std::printf("FAIL: NULL context (%s): %s\n", label, pmx_status_name(got));
            }
        };
        int64_t dummy = -5;
        st = pmx_ssd_workspace_size(nullptr, &f.p, &dummy);
        expect_no_ctx("size query", st, dummy == -5);
        expect_no_ctx("pmx_ssd", pmx_ssd(nullptr, &f.p, ws.p, bytes), f.untouched());
        expect_no_ctx("reference", pmx_ssd_reference(nullptr, &f.p), f.untouched());
        Fixture s;
        s.make_step();
        expect_no_ctx("step", pmx_ssd_step(nullptr, &s.p), s.untouched());
        st = pmx_ssd_step(nullptr, nullptr);
        if (st != BAD) ++failures, std::printf("FAIL: NULL context and params (step): %s\n", pmx_status_name(st));

        // After all that, the same good call on the same context works.
        st = pmx_ssd(ctx, &f.p, ws.p, bytes);
        if (st != PMX_STATUS_SUCCESS || f.written() != f.all_outputs()) {
            ++failures;
            std::printf("FAIL: the good call after the refusals: %s \"%s\"\n", pmx_status_name(st),
                        pmx_test::last_error(ctx).c_str());
        }
    }

    failures += good_calls(ctx, "after");
    pmx_context_destroy(ctx);
    std::printf("%s (%d failures)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
