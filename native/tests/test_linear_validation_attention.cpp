// Every bad argument to pmx_linear_attention (its size query, step form and
// reference) gets the documented status and a message starting with the
// argument's name; nothing is written; the good forms succeed. Aliasing and
// workspaces: test_linear_validation_memory.
#include <cmath>
#include <cstring>
#include <limits>

#include "linear_validation_fixture.h"

namespace {

using namespace linear_validation;
using F = AttnFixture;
constexpr int64_t B = F::B, N = F::N, H = F::H, Hkv = F::Hkv, Dk = F::Dk, Dv = F::Dv, M = F::M;

void good_calls(pmx_context *ctx) {
    good<F>(ctx, "default (ELU1, causal, normalize, states)", [](F &) {});
    good<F>(ctx, "non-causal", [](F &f) { f.p.causal = 0; });
    good<F>(ctx, "normalize 0, eps 0", [](F &f) { f.p.normalize = 0; f.p.eps = 0; });
    good<F>(ctx, "RELU", [](F &f) { f.p.feature_map = PMX_FEATURE_RELU; });
    good<F>(ctx, "IDENTITY", [](F &f) { f.p.feature_map = PMX_FEATURE_IDENTITY; });
    good<F>(ctx, "FAVOR", [](F &f) { f.make_favor(); });
    good<F>(ctx, "FAVOR m = 1, no states", [](F &f) {
        f.make_favor();
        f.p.random_matrix.shape[0] = 1;
        f.p.state_in = f.p.state_out = f.p.norm_in = f.p.norm_out = pmx_tensor{};
    });
    good<F>(ctx, "no states", [](F &f) { f.p.state_in = f.p.state_out = f.p.norm_in = f.p.norm_out = pmx_tensor{}; });
    good<F>(ctx, "state_in only", [](F &f) { f.p.state_out = f.p.norm_in = f.p.norm_out = pmx_tensor{}; });
    good<F>(ctx, "chunk 1", [](F &f) { f.p.chunk = 1; });
    good<F>(ctx, "chunk PMX_MAX_LINEAR_CHUNK", [](F &f) { f.p.chunk = PMX_MAX_LINEAR_CHUNK; });
    good<F>(ctx, "N = 0 (data NULL: states pass through)", [](F &f) {
        for (pmx_tensor *t : {&f.p.q, &f.p.k, &f.p.v, &f.p.out}) t->shape[1] = 0, t->data = nullptr;
    });
    good<F>(ctx, "B = 0", [](F &f) {
        for (pmx_tensor *t : {&f.p.q, &f.p.k, &f.p.v, &f.p.out, &f.p.state_in, &f.p.state_out, &f.p.norm_in,
                              &f.p.norm_out})
            t->shape[0] = 0;
    });
    good<F>(ctx, "H = Hkv = 2", [](F &f) {
        f.p.q = F::tens(f.q, {B, N, 2, Dk});
        f.p.out = F::tens(f.out, {B, N, 2, Dv});
    });
    good<F>(ctx, "Hkv = 1", [](F &f) {
        f.p.k = F::tens(f.k, {B, N, 1, Dk});
        f.p.v = F::tens(f.v, {B, N, 1, Dv});
        f.p.state_in = F::tens(f.s_in, {B, 1, Dk, Dv});
        f.p.state_out = F::tens(f.s_out, {B, 1, Dk, Dv});
        f.p.norm_in = F::tens(f.n_in, {B, 1, Dk});
        f.p.norm_out = F::tens(f.n_out, {B, 1, Dk});
    });
    good<F>(ctx, "strided views (head-major q, out)", [](F &f) {
        f.p.q = pmx_test::view(f.q.data(), PMX_DTYPE_F32, {B, N, H, Dk}, {N * H * Dk, Dk, N * Dk, 1},
                               int64_t(f.q.size() * 4));
        f.p.out = pmx_test::view(f.out.data(), PMX_DTYPE_F32, {B, N, H, Dv}, {N * H * Dv, Dv, N * Dv, 1},
                                 int64_t(f.out.size() * 4));
    });
    good<F>(ctx, "zero strides on inputs (a broadcast k)", [](F &f) { f.p.k.stride[1] = 0; });
    good<F>(ctx, "larger struct_size (a newer caller)", [](F &f) { f.p.struct_size = sizeof f.p + 64; });
    good<F>(ctx, "step", [](F &f) { f.make_step(); });
    good<F>(ctx, "step in place", [](F &f) {
        f.make_step();
        f.p.state_out = f.p.state_in;
        f.p.norm_out = f.p.norm_in;
    });
    good<F>(ctx, "step, only the state in place", [](F &f) { f.make_step(); f.p.state_out = f.p.state_in; });
    good<F>(ctx, "step normalize 0 without norms", [](F &f) {
        f.make_step();
        f.p.normalize = 0;
        f.p.norm_in = f.p.norm_out = pmx_tensor{};
    });
    good<F>(ctx, "step FAVOR in place", [](F &f) {
        f.make_favor();
        f.make_step();
        f.p.state_out = f.p.state_in;
        f.p.norm_out = f.p.norm_in;
    });
    good<F>(ctx, "step B = 0", [](F &f) {
        f.make_step();
        for (pmx_tensor *t : {&f.p.q, &f.p.k, &f.p.v, &f.p.out, &f.p.state_in, &f.p.state_out, &f.p.norm_in,
                              &f.p.norm_out})
            t->shape[0] = 0;
    });
}

}  // namespace

int main() {
    pmx_context *ctx = nullptr;
    if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS) return 1;
    const pmx_status BAD = PMX_STATUS_INVALID_ARGUMENT, UNSUPPORTED = PMX_STATUS_UNSUPPORTED;
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();

    good_calls(ctx);

    // The params struct and the plain fields.
    check<F>(ctx, "NULL params", [](F &f) { f.null_params = true; }, BAD, "params:");
    check<F>(ctx, "NULL params (step)", [](F &f) { f.make_step(); f.null_params = true; }, BAD, "params:");
    check<F>(ctx, "zeroed params", [](F &f) { std::memset(&f.p, 0, sizeof f.p); }, BAD, "params:");
    check<F>(ctx, "struct_size too small", [](F &f) { f.p.struct_size = sizeof f.p - 8; }, BAD, "params:");
    check<F>(ctx, "struct_size too small (step)", [](F &f) { f.make_step(); f.p.struct_size = 8; }, BAD, "params:");
    check<F>(ctx, "reserved 1", [](F &f) { f.p.reserved = 1; }, BAD, "reserved:");
    check<F>(ctx, "reserved -1 (step)", [](F &f) { f.make_step(); f.p.reserved = -1; }, BAD, "reserved:");
    check<F>(ctx, "feature_map -1", [](F &f) { f.p.feature_map = -1; }, BAD, "feature_map:");
    check<F>(ctx, "feature_map 4", [](F &f) { f.p.feature_map = 4; }, BAD, "feature_map:");
    check<F>(ctx, "causal 2", [](F &f) { f.p.causal = 2; }, BAD, "causal:");
    check<F>(ctx, "causal -1", [](F &f) { f.p.causal = -1; }, BAD, "causal:");
    check<F>(ctx, "normalize 2", [](F &f) { f.p.normalize = 2; }, BAD, "normalize:");
    check<F>(ctx, "normalize -1 (step)", [](F &f) { f.make_step(); f.p.normalize = -1; }, BAD, "normalize:");
    check<F>(ctx, "eps negative", [](F &f) { f.p.eps = -1e-6; }, BAD, "eps:");
    check<F>(ctx, "eps NaN", [nan](F &f) { f.p.eps = nan; }, BAD, "eps:");
    check<F>(ctx, "eps inf", [inf](F &f) { f.p.eps = inf; }, BAD, "eps:");
    check<F>(ctx, "eps NaN (step)", [nan](F &f) { f.make_step(); f.p.eps = nan; }, BAD, "eps:");
    check<F>(ctx, "chunk negative", [](F &f) { f.p.chunk = -1; }, BAD, "chunk:");
    check<F>(ctx, "chunk PMX_MAX_LINEAR_CHUNK + 1", [](F &f) { f.p.chunk = PMX_MAX_LINEAR_CHUNK + 1; }, BAD,
             "chunk:");

    // q, k, v, out.
    check<F>(ctx, "q rank 3", [](F &f) { f.p.q.ndim = 3; }, BAD, "q:");
    check<F>(ctx, "q rank 5", [](F &f) { f.p.q.ndim = 5; }, BAD, "q:");
    check<F>(ctx, "q absent", [](F &f) { f.p.q = pmx_tensor{}; }, BAD, "q:");
    check<F>(ctx, "q data NULL", [](F &f) { f.p.q.data = nullptr; }, BAD, "q:");
    check<F>(ctx, "q too small a buffer", [](F &f) { f.p.q.byte_size = B * N * H * Dk * 4 - 4; }, BAD, "q:");
    check<F>(ctx, "q negative stride", [](F &f) { f.p.q.stride[3] = -1; }, BAD, "q:");
    check<F>(ctx, "q on CUDA", [](F &f) { f.p.q.device = PMX_DEVICE_CUDA; }, BAD, "q:");
    check<F>(ctx, "q misaligned", [](F &f) { f.p.q.data = reinterpret_cast<char *>(f.q.data()) + 2; }, BAD, "q:");
    check<F>(ctx, "q H = 0", [](F &f) { f.p.q.shape[2] = f.p.out.shape[2] = 0; }, BAD, "q: the head count");
    check<F>(ctx, "q Dk = 0", [](F &f) { f.p.q.shape[3] = f.p.k.shape[3] = 0; }, BAD, "q: the key dim");
    check<F>(ctx, "q Dk too large (zero strides)",
             [](F &f) {
                 for (pmx_tensor *t : {&f.p.q, &f.p.k}) t->shape[3] = PMX_MAX_LINEAR_FEATURES + 1, t->stride[3] = 0;
             },
             BAD, "q: the key dim");
    check<F>(ctx, "k other B", [](F &f) { f.p.k.shape[0] = 1; }, BAD, "k:");
    check<F>(ctx, "k other N", [](F &f) { f.p.k.shape[1] = 4; }, BAD, "k:");
    check<F>(ctx, "k Hkv 3 (does not divide H = 4)", [](F &f) { f.p.k = F::tens(f.spare, {B, N, 3, Dk}); }, BAD,
             "k: the key/value head count");
    check<F>(ctx, "k Hkv 0", [](F &f) { f.p.k.shape[2] = 0; }, BAD, "k: the key/value head count");
    check<F>(ctx, "k other Dk", [](F &f) { f.p.k.shape[3] = 2; }, BAD, "k:");
    check<F>(ctx, "k rank 3", [](F &f) { f.p.k.ndim = 3; }, BAD, "k:");
    check<F>(ctx, "k absent", [](F &f) { f.p.k = pmx_tensor{}; }, BAD, "k:");
    check<F>(ctx, "v other Hkv", [](F &f) { f.p.v = F::tens(f.v, {B, N, 1, Dv}); }, BAD, "v:");
    check<F>(ctx, "v other N", [](F &f) { f.p.v.shape[1] = 3; }, BAD, "v:");
    check<F>(ctx, "v other B", [](F &f) { f.p.v.shape[0] = 1; }, BAD, "v:");
    check<F>(ctx, "v Dv = 0", [](F &f) { f.p.v.shape[3] = f.p.out.shape[3] = 0; }, BAD, "v: the value dim");
    check<F>(ctx, "v Dv too large (zero strides)",
             [](F &f) {
                 f.p.state_in = f.p.state_out = pmx_tensor{};
                 for (pmx_tensor *t : {&f.p.v, &f.p.out}) t->shape[3] = PMX_MAX_LINEAR_HEAD_DIM + 1, t->stride[3] = 0;
             },
             BAD, "v: the value dim");
    check<F>(ctx, "v absent", [](F &f) { f.p.v = pmx_tensor{}; }, BAD, "v:");
    check<F>(ctx, "out other H", [](F &f) { f.p.out = F::tens(f.out, {B, N, 2, Dv}); }, BAD, "out:");
    check<F>(ctx, "out other Dv", [](F &f) { f.p.out.shape[3] = 3; }, BAD, "out:");
    check<F>(ctx, "out other N", [](F &f) { f.p.out.shape[1] = 4; }, BAD, "out:");
    check<F>(ctx, "out rank 3", [](F &f) { f.p.out.ndim = 3; }, BAD, "out:");
    check<F>(ctx, "out absent", [](F &f) { f.p.out = pmx_tensor{}; }, BAD, "out:");

    // The feature map and random_matrix.
    check<F>(ctx, "FAVOR without random_matrix", [](F &f) { f.make_favor(); f.p.random_matrix = pmx_tensor{}; }, BAD,
             "random_matrix:");
    check<F>(ctx, "FAVOR random_matrix rank 1", [](F &f) { f.make_favor(); f.p.random_matrix.ndim = 1; }, BAD,
             "random_matrix:");
    check<F>(ctx, "FAVOR random_matrix rank 3", [](F &f) { f.make_favor(); f.p.random_matrix.ndim = 3; }, BAD,
             "random_matrix:");
    check<F>(ctx, "FAVOR random_matrix other Dk", [](F &f) { f.make_favor(); f.p.random_matrix.shape[1] = 2; }, BAD,
             "random_matrix:");
    check<F>(ctx, "FAVOR random_matrix [Dk, m] (transposed)",
             [](F &f) { f.make_favor(); f.p.random_matrix = F::tens(f.w, {Dk, M}); }, BAD, "random_matrix:");
    check<F>(ctx, "FAVOR m = 0", [](F &f) { f.make_favor(); f.p.random_matrix.shape[0] = 0; }, BAD,
             "random_matrix: the feature count");
    check<F>(ctx, "FAVOR m too large (zero stride)",
             [](F &f) {
                 f.make_favor();
                 f.p.random_matrix.shape[0] = PMX_MAX_LINEAR_FEATURES + 1;
                 f.p.random_matrix.stride[0] = 0;
             },
             BAD, "random_matrix: the feature count");
    check<F>(ctx, "FAVOR random_matrix data NULL", [](F &f) { f.make_favor(); f.p.random_matrix.data = nullptr; },
             BAD, "random_matrix:");
    check<F>(ctx, "FAVOR states with F = Dk, not m",
             [](F &f) {
                 f.make_favor();
                 f.p.state_in = F::tens(f.s_in, {B, Hkv, Dk, Dv});
             },
             BAD, "state_in:");
    check<F>(ctx, "FAVOR norm_out with F = Dk, not m",
             [](F &f) {
                 f.make_favor();
                 f.p.norm_out = F::tens(f.n_out, {B, Hkv, Dk});
             },
             BAD, "norm_out:");
    check<F>(ctx, "FAVOR random_matrix f16",
             [](F &f) { f.make_favor(); f.p.random_matrix.dtype = PMX_DTYPE_F16; }, UNSUPPORTED, "random_matrix:",
             REF_BAD);
    check<F>(ctx, "FAVOR random_matrix f64 (the reference takes it)",
             [](F &f) { f.make_favor(); f.p.random_matrix = F::tens64(f.w64, {M, Dk}); }, BAD, "random_matrix:",
             REF_OK);
    check<F>(ctx, "ELU1 with a random_matrix", [](F &f) { f.p.random_matrix = F::tens(f.w, {M, Dk}); }, BAD,
             "random_matrix:");
    check<F>(ctx, "RELU with a random_matrix [Dk, Dk]",
             [](F &f) {
                 f.p.feature_map = PMX_FEATURE_RELU;
                 f.p.random_matrix = F::tens(f.w, {Dk, Dk});
             },
             BAD, "random_matrix:");
    check<F>(ctx, "IDENTITY with a random_matrix (data NULL)",
             [](F &f) {
                 f.p.feature_map = PMX_FEATURE_IDENTITY;
                 f.p.random_matrix = F::tens(f.w, {M, Dk});
                 f.p.random_matrix.data = nullptr;
             },
             BAD, "random_matrix:");
    check<F>(ctx, "FAVOR step without random_matrix",
             [](F &f) { f.make_favor(); f.make_step(); f.p.random_matrix = pmx_tensor{}; }, BAD, "random_matrix:");

    // States and norms.
    check<F>(ctx, "state_in other B", [](F &f) { f.p.state_in.shape[0] = 1; }, BAD, "state_in:");
    check<F>(ctx, "state_in other Hkv", [](F &f) { f.p.state_in.shape[1] = 1; }, BAD, "state_in:");
    check<F>(ctx, "state_in other F", [](F &f) { f.p.state_in.shape[2] = 2; }, BAD, "state_in:");
    check<F>(ctx, "state_in other Dv", [](F &f) { f.p.state_in.shape[3] = 3; }, BAD, "state_in:");
    check<F>(ctx, "state_in rank 3", [](F &f) { f.p.state_in.ndim = 3; }, BAD, "state_in:");
    check<F>(ctx, "state_in data NULL", [](F &f) { f.p.state_in.data = nullptr; }, BAD, "state_in:");
    check<F>(ctx, "state_out other F", [](F &f) { f.p.state_out.shape[2] = 4; }, BAD, "state_out:");
    check<F>(ctx, "state_out rank 5", [](F &f) { f.p.state_out.ndim = 5; }, BAD, "state_out:");
    check<F>(ctx, "norm_in rank 4", [](F &f) { f.p.norm_in.ndim = 4; }, BAD, "norm_in:");
    check<F>(ctx, "norm_in other F", [](F &f) { f.p.norm_in.shape[2] = 2; }, BAD, "norm_in:");
    check<F>(ctx, "norm_out other Hkv", [](F &f) { f.p.norm_out.shape[1] = 4; }, BAD, "norm_out:");
    check<F>(ctx, "norm_out other B", [](F &f) { f.p.norm_out.shape[0] = 3; }, BAD, "norm_out:");

    // dtypes: I32 invalid; F16/BF16 valid dtypes the CPU kernel cannot run
    // (UNSUPPORTED) and the float64 reference never reads (invalid there);
    // F64 the reference's only.
    check<F>(ctx, "q i32", [](F &f) { f.p.q.dtype = PMX_DTYPE_I32; }, BAD, "q:");
    check<F>(ctx, "v undefined dtype", [](F &f) { f.p.v.dtype = PMX_DTYPE_UNDEFINED; }, BAD, "v:");
    check<F>(ctx, "state_in i64", [](F &f) { f.p.state_in.dtype = PMX_DTYPE_I64; }, BAD, "state_in:");
    check<F>(ctx, "k f16", [](F &f) { f.p.k.dtype = PMX_DTYPE_F16; }, UNSUPPORTED, "k:", REF_BAD);
    check<F>(ctx, "out bf16", [](F &f) { f.p.out.dtype = PMX_DTYPE_BF16; }, UNSUPPORTED, "out:", REF_BAD);
    check<F>(ctx, "norm_out f16", [](F &f) { f.p.norm_out.dtype = PMX_DTYPE_F16; }, UNSUPPORTED, "norm_out:",
             REF_BAD);
    check<F>(ctx, "step q f16", [](F &f) { f.make_step(); f.p.q.dtype = PMX_DTYPE_F16; }, UNSUPPORTED, "q:");
    check<F>(ctx, "q f64 (the reference takes it)", [](F &f) { f.p.q = F::tens64(f.q64, {B, N, H, Dk}); }, BAD, "q:",
             REF_OK);
    check<F>(ctx, "state_in f64 (the reference takes it)",
             [](F &f) {
                 f.p.state_in = F::tens64(f.q64, {B, Hkv, Dk, Dv});  // any doubles will do
             },
             BAD, "state_in:", REF_OK);
    check<F>(ctx, "step q f64", [](F &f) { f.make_step(); f.p.q = F::tens64(f.q64, {B, H, Dk}); }, BAD, "q:");

    // The step form.
    check<F>(ctx, "step chunk 4", [](F &f) { f.make_step(); f.p.chunk = 4; }, BAD, "chunk:");
    check<F>(ctx, "step chunk negative", [](F &f) { f.make_step(); f.p.chunk = -1; }, BAD, "chunk:");
    check<F>(ctx, "step causal 0", [](F &f) { f.make_step(); f.p.causal = 0; }, BAD, "causal:");
    check<F>(ctx, "step without state_out", [](F &f) { f.make_step(); f.p.state_out = pmx_tensor{}; }, BAD,
             "state_out:");
    check<F>(ctx, "step normalize 1 without norm_out", [](F &f) { f.make_step(); f.p.norm_out = pmx_tensor{}; }, BAD,
             "norm_out:");
    check<F>(ctx, "step q [B, N, H, Dk]", [](F &f) { f.make_step(); f.p.q = F::tens(f.q, {B, N, H, Dk}); }, BAD, "q:");
    check<F>(ctx, "step k [B, N, Hkv, Dk]", [](F &f) { f.make_step(); f.p.k = F::tens(f.k, {B, N, Hkv, Dk}); }, BAD,
             "k:");
    check<F>(ctx, "step v other Hkv", [](F &f) { f.make_step(); f.p.v = F::tens(f.v, {B, 1, Dv}); }, BAD, "v:");
    check<F>(ctx, "step v other B", [](F &f) { f.make_step(); f.p.v.shape[0] = 1; }, BAD, "v:");
    check<F>(ctx, "step out [B, N, H, Dv]", [](F &f) { f.make_step(); f.p.out = F::tens(f.out, {B, N, H, Dv}); }, BAD,
             "out:");
    check<F>(ctx, "step k Hkv 3", [](F &f) { f.make_step(); f.p.k = F::tens(f.k, {B, 3, Dk}); }, BAD,
             "k: the key/value head count");
    check<F>(ctx, "step state_out other F", [](F &f) { f.make_step(); f.p.state_out.shape[2] = 2; }, BAD,
             "state_out:");

    good_calls(ctx);
    return finish(ctx);
}
