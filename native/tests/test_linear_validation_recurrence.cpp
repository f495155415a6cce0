// Every bad argument to pmx_linear_recurrence (its size query, step form and
// reference) gets the documented status and a message starting with the
// argument's name; decay outside [0, 1] and a non-finite beta are refused
// naming the element; nothing is written; the good forms succeed. Aliasing
// and workspaces: test_linear_validation_memory.
#include <cmath>
#include <cstring>
#include <limits>

#include "linear_validation_fixture.h"

namespace {

using namespace linear_validation;
using F = RecFixture;
constexpr int64_t B = F::B, N = F::N, H = F::H, Hkv = F::Hkv, Dk = F::Dk, Dv = F::Dv;
const float kNaN = std::numeric_limits<float>::quiet_NaN(), kInf = std::numeric_limits<float>::infinity();

// Element [b, t, h] of the dense [B, N, Hkv] decay or beta; [b, t, h, d] of
// the per-key decay; the step's [b, h] is [b, 0, h].
size_t at3(int64_t b, int64_t t, int64_t h) { return size_t((b * N + t) * Hkv + h); }
size_t at4(int64_t b, int64_t t, int64_t h, int64_t d) { return size_t(((b * N + t) * Hkv + h) * Dk + d); }
size_t at_step(int64_t b, int64_t h) { return size_t(b * Hkv + h); }

void good_calls(pmx_context *ctx) {
    good<F>(ctx, "default (GATED_DELTA, states)", [](F &) {});
    good<F>(ctx, "LINEAR", [](F &f) { f.make_rule(PMX_RULE_LINEAR); });
    good<F>(ctx, "GATED", [](F &f) { f.make_rule(PMX_RULE_GATED); });
    good<F>(ctx, "GATED per key", [](F &f) { f.make_rule(PMX_RULE_GATED, true); });
    good<F>(ctx, "DELTA", [](F &f) { f.make_rule(PMX_RULE_DELTA); });
    good<F>(ctx, "no states", [](F &f) { f.p.state_in = f.p.state_out = pmx_tensor{}; });
    good<F>(ctx, "chunk 1", [](F &f) { f.p.chunk = 1; });
    good<F>(ctx, "chunk PMX_MAX_LINEAR_CHUNK", [](F &f) { f.p.chunk = PMX_MAX_LINEAR_CHUNK; });
    good<F>(ctx, "N = 0 (data NULL)", [](F &f) {
        for (pmx_tensor *t : {&f.p.q, &f.p.k, &f.p.v, &f.p.out, &f.p.decay, &f.p.beta})
            t->shape[1] = 0, t->data = nullptr;
    });
    good<F>(ctx, "B = 0", [](F &f) {
        for (pmx_tensor *t : {&f.p.q, &f.p.k, &f.p.v, &f.p.out, &f.p.decay, &f.p.beta, &f.p.state_in, &f.p.state_out})
            t->shape[0] = 0;
    });
    good<F>(ctx, "decay at the edges 0, 1 and -0", [](F &f) {
        f.decay[at3(0, 0, 0)] = 0.f;
        f.decay[at3(1, 4, 1)] = 1.f;
        f.decay[at3(0, 2, 1)] = -0.f;
    });
    good<F>(ctx, "GATED per key at the edges", [](F &f) {
        f.make_rule(PMX_RULE_GATED, true);
        f.decay[at4(1, 4, 1, 2)] = 1.f;
        f.decay[at4(0, 0, 0, 0)] = 0.f;
    });
    good<F>(ctx, "beta negative and large (finite)", [](F &f) {
        f.beta[at3(0, 1, 0)] = -3.f;
        f.beta[at3(1, 1, 1)] = 1e30f;
    });
    good<F>(ctx, "a bad value outside the strided decay view is not read", [](F &f) {
        f.p.decay = pmx_test::view(f.decay.data(), PMX_DTYPE_F32, {B, N, Hkv}, {2 * N * Hkv, 2 * Hkv, 2},
                                   int64_t(f.decay.size() * 4));
        f.decay[1] = kNaN;
        f.decay[3] = 7.f;
    });
    good<F>(ctx, "strided views (head-major q, out)", [](F &f) {
        f.p.q = pmx_test::view(f.q.data(), PMX_DTYPE_F32, {B, N, H, Dk}, {N * H * Dk, Dk, N * Dk, 1},
                               int64_t(f.q.size() * 4));
        f.p.out = pmx_test::view(f.out.data(), PMX_DTYPE_F32, {B, N, H, Dv}, {N * H * Dv, Dv, N * Dv, 1},
                                 int64_t(f.out.size() * 4));
    });
    good<F>(ctx, "step", [](F &f) { f.make_step(); });
    good<F>(ctx, "step in place", [](F &f) { f.make_step(); f.p.state_out = f.p.state_in; });
    good<F>(ctx, "step without state_in", [](F &f) { f.make_step(); f.p.state_in = pmx_tensor{}; });
    good<F>(ctx, "step LINEAR", [](F &f) { f.make_step(); f.make_rule(PMX_RULE_LINEAR); });
    good<F>(ctx, "step GATED per key", [](F &f) { f.make_step(); f.make_rule(PMX_RULE_GATED, true); });
    good<F>(ctx, "step DELTA in place", [](F &f) {
        f.make_step();
        f.make_rule(PMX_RULE_DELTA);
        f.p.state_out = f.p.state_in;
    });
}

}  // namespace

int main() {
    pmx_context *ctx = nullptr;
    if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS) return 1;
    const pmx_status BAD = PMX_STATUS_INVALID_ARGUMENT, UNSUPPORTED = PMX_STATUS_UNSUPPORTED;

    good_calls(ctx);
    {  // F64 gates through the reference (the kernel refuses them: checked below)
        F f;
        f.p.decay = F::tens64(f.decay64, {B, N, Hkv});
        f.p.beta = F::tens64(f.beta64, {B, N, Hkv});
        const pmx_status st = f.run(ctx, REFERENCE);
        if (st != PMX_STATUS_SUCCESS || !f.outputs_written()) {
            std::printf("FAIL: reference with F64 gates: %s \"%s\"\n", pmx_status_name(st),
                        pmx_test::last_error(ctx).c_str());
            ++failures;
        }
    }

    // The params struct and the plain fields.
    check<F>(ctx, "NULL params", [](F &f) { f.null_params = true; }, BAD, "params:");
    check<F>(ctx, "NULL params (step)", [](F &f) { f.make_step(); f.null_params = true; }, BAD, "params:");
    check<F>(ctx, "zeroed params", [](F &f) { std::memset(&f.p, 0, sizeof f.p); }, BAD, "params:");
    check<F>(ctx, "struct_size too small", [](F &f) { f.p.struct_size = sizeof f.p - 8; }, BAD, "params:");
    check<F>(ctx, "struct_size too small (step)", [](F &f) { f.make_step(); f.p.struct_size = 0; }, BAD, "params:");
    check<F>(ctx, "reserved 1", [](F &f) { f.p.reserved = 1; }, BAD, "reserved:");
    check<F>(ctx, "rule -1", [](F &f) { f.p.rule = -1; }, BAD, "rule:");
    check<F>(ctx, "rule 4", [](F &f) { f.p.rule = 4; }, BAD, "rule:");
    check<F>(ctx, "rule 4 (step)", [](F &f) { f.make_step(); f.p.rule = 4; }, BAD, "rule:");
    check<F>(ctx, "chunk negative", [](F &f) { f.p.chunk = -1; }, BAD, "chunk:");
    check<F>(ctx, "chunk PMX_MAX_LINEAR_CHUNK + 1", [](F &f) { f.p.chunk = PMX_MAX_LINEAR_CHUNK + 1; }, BAD,
             "chunk:");

    // q, k, v, out (the shared checks; test_linear_validation_attention has more).
    check<F>(ctx, "q rank 3", [](F &f) { f.p.q.ndim = 3; }, BAD, "q:");
    check<F>(ctx, "q Dk too large (zero strides)",
             [](F &f) {
                 for (pmx_tensor *t : {&f.p.q, &f.p.k}) t->shape[3] = PMX_MAX_LINEAR_FEATURES + 1, t->stride[3] = 0;
             },
             BAD, "q: the key dim");
    check<F>(ctx, "k Hkv 3 (does not divide H = 4)", [](F &f) { f.p.k = F::tens(f.spare, {B, N, 3, Dk}); }, BAD,
             "k: the key/value head count");
    check<F>(ctx, "v Dv = 0", [](F &f) { f.p.v.shape[3] = f.p.out.shape[3] = 0; }, BAD, "v: the value dim");
    check<F>(ctx, "v other Hkv", [](F &f) { f.p.v = F::tens(f.v, {B, N, 1, Dv}); }, BAD, "v:");
    check<F>(ctx, "out other H", [](F &f) { f.p.out = F::tens(f.out, {B, N, 2, Dv}); }, BAD, "out:");
    check<F>(ctx, "out absent", [](F &f) { f.p.out = pmx_tensor{}; }, BAD, "out:");
    check<F>(ctx, "q on CUDA", [](F &f) { f.p.q.device = PMX_DEVICE_CUDA; }, BAD, "q:");

    // Which gates a rule takes.
    check<F>(ctx, "LINEAR with decay",
             [](F &f) {
                 f.make_rule(PMX_RULE_LINEAR);
                 f.p.decay = F::tens(f.decay, {B, N, Hkv});
             },
             BAD, "decay:");
    check<F>(ctx, "LINEAR with beta",
             [](F &f) {
                 f.make_rule(PMX_RULE_LINEAR);
                 f.p.beta = F::tens(f.beta, {B, N, Hkv});
             },
             BAD, "beta:");
    check<F>(ctx, "GATED without decay", [](F &f) { f.make_rule(PMX_RULE_GATED); f.p.decay = pmx_tensor{}; }, BAD,
             "decay:");
    check<F>(ctx, "GATED with beta",
             [](F &f) {
                 f.make_rule(PMX_RULE_GATED);
                 f.p.beta = F::tens(f.beta, {B, N, Hkv});
             },
             BAD, "beta:");
    check<F>(ctx, "DELTA with decay",
             [](F &f) {
                 f.make_rule(PMX_RULE_DELTA);
                 f.p.decay = F::tens(f.decay, {B, N, Hkv});
             },
             BAD, "decay:");
    check<F>(ctx, "DELTA without beta", [](F &f) { f.make_rule(PMX_RULE_DELTA); f.p.beta = pmx_tensor{}; }, BAD,
             "beta:");
    check<F>(ctx, "GATED_DELTA without decay", [](F &f) { f.p.decay = pmx_tensor{}; }, BAD, "decay:");
    check<F>(ctx, "GATED_DELTA without beta", [](F &f) { f.p.beta = pmx_tensor{}; }, BAD, "beta:");
    check<F>(ctx, "GATED_DELTA decay per key", [](F &f) { f.p.decay = F::tens(f.decay, {B, N, Hkv, Dk}); }, BAD,
             "decay: the per-key form");
    check<F>(ctx, "step GATED_DELTA decay per key",
             [](F &f) { f.make_step(); f.p.decay = F::tens(f.decay, {B, Hkv, Dk}); }, BAD, "decay: the per-key form");
    check<F>(ctx, "step DELTA with decay",
             [](F &f) { f.make_step(); f.make_rule(PMX_RULE_DELTA); f.p.decay = F::tens(f.decay, {B, Hkv}); }, BAD,
             "decay:");
    check<F>(ctx, "step GATED without decay",
             [](F &f) { f.make_step(); f.make_rule(PMX_RULE_GATED); f.p.decay = pmx_tensor{}; }, BAD, "decay:");

    // decay and beta shapes and dtypes.
    check<F>(ctx, "decay rank 2", [](F &f) { f.p.decay = F::tens(f.decay, {B, N}); }, BAD, "decay:");
    check<F>(ctx, "decay rank 5", [](F &f) { f.p.decay.ndim = 5; }, BAD, "decay:");
    check<F>(ctx, "decay other B", [](F &f) { f.p.decay.shape[0] = 1; }, BAD, "decay:");
    check<F>(ctx, "decay other N", [](F &f) { f.p.decay.shape[1] = 4; }, BAD, "decay:");
    check<F>(ctx, "decay other Hkv", [](F &f) { f.p.decay = F::tens(f.decay, {B, N, 1}); }, BAD, "decay:");
    check<F>(ctx, "GATED decay per key, other Dk",
             [](F &f) { f.make_rule(PMX_RULE_GATED); f.p.decay = F::tens(f.decay, {B, N, Hkv, 2}); }, BAD, "decay:");
    check<F>(ctx, "decay data NULL", [](F &f) { f.p.decay.data = nullptr; }, BAD, "decay:");
    check<F>(ctx, "decay too small a buffer", [](F &f) { f.p.decay.byte_size = B * N * Hkv * 4 - 4; }, BAD, "decay:");
    check<F>(ctx, "decay f16", [](F &f) { f.p.decay.dtype = PMX_DTYPE_F16; }, UNSUPPORTED, "decay:", REF_BAD);
    check<F>(ctx, "decay i32", [](F &f) { f.p.decay.dtype = PMX_DTYPE_I32; }, BAD, "decay:");
    check<F>(ctx, "decay f64 (the reference takes it)", [](F &f) { f.p.decay = F::tens64(f.decay64, {B, N, Hkv}); },
             BAD, "decay:", REF_OK);
    check<F>(ctx, "beta rank 4", [](F &f) { f.p.beta = F::tens(f.beta, {B, N, Hkv, 1}); }, BAD, "beta:");
    check<F>(ctx, "beta other Hkv", [](F &f) { f.p.beta = F::tens(f.beta, {B, N, 1}); }, BAD, "beta:");
    check<F>(ctx, "beta other N", [](F &f) { f.p.beta.shape[1] = 3; }, BAD, "beta:");
    check<F>(ctx, "beta bf16", [](F &f) { f.p.beta.dtype = PMX_DTYPE_BF16; }, UNSUPPORTED, "beta:", REF_BAD);
    check<F>(ctx, "beta f64 (the reference takes it)", [](F &f) { f.p.beta = F::tens64(f.beta64, {B, N, Hkv}); }, BAD,
             "beta:", REF_OK);
    check<F>(ctx, "step decay [B, N, Hkv, Dk]",
             [](F &f) { f.make_step(); f.p.decay = F::tens(f.decay, {B, N, Hkv, Dk}); }, BAD, "decay:");
    check<F>(ctx, "step beta [B, N, Hkv]", [](F &f) { f.make_step(); f.p.beta = F::tens(f.beta, {B, N, Hkv}); }, BAD,
             "beta:");
    check<F>(ctx, "step beta other B", [](F &f) { f.make_step(); f.p.beta.shape[0] = 1; }, BAD, "beta:");

    // States.
    check<F>(ctx, "state_in other Dk", [](F &f) { f.p.state_in.shape[2] = 2; }, BAD, "state_in:");
    check<F>(ctx, "state_in other Dv", [](F &f) { f.p.state_in.shape[3] = 2; }, BAD, "state_in:");
    check<F>(ctx, "state_in rank 3", [](F &f) { f.p.state_in.ndim = 3; }, BAD, "state_in:");
    check<F>(ctx, "state_out other Hkv", [](F &f) { f.p.state_out.shape[1] = 1; }, BAD, "state_out:");
    check<F>(ctx, "state_out f16", [](F &f) { f.p.state_out.dtype = PMX_DTYPE_F16; }, UNSUPPORTED, "state_out:",
             REF_BAD);

    // The step form.
    check<F>(ctx, "step chunk 4", [](F &f) { f.make_step(); f.p.chunk = 4; }, BAD, "chunk:");
    check<F>(ctx, "step without state_out", [](F &f) { f.make_step(); f.p.state_out = pmx_tensor{}; }, BAD,
             "state_out:");
    check<F>(ctx, "step q [B, N, H, Dk]", [](F &f) { f.make_step(); f.p.q = F::tens(f.q, {B, N, H, Dk}); }, BAD, "q:");
    check<F>(ctx, "step q f64", [](F &f) { f.make_step(); f.p.q = F::tens64(f.q64, {B, H, Dk}); }, BAD, "q:");

    // The values: decay in [0, 1] (NaN refused), beta finite; the message
    // names the element; the size query reads no data.
    check<F>(ctx, "decay 1.5", [](F &f) { f.decay[at3(1, 3, 1)] = 1.5f; }, BAD, "decay: element [1, 3, 1] = 1.5",
             SIZE_OK);
    check<F>(ctx, "decay -0.25 (first element)", [](F &f) { f.decay[at3(0, 0, 0)] = -0.25f; }, BAD,
             "decay: element [0, 0, 0] = -0.25", SIZE_OK);
    check<F>(ctx, "decay NaN (last element)", [](F &f) { f.decay[at3(1, 4, 1)] = kNaN; }, BAD,
             "decay: element [1, 4, 1] = nan", SIZE_OK);
    check<F>(ctx, "decay inf", [](F &f) { f.decay[at3(0, 2, 0)] = kInf; }, BAD, "decay: element [0, 2, 0] = inf",
             SIZE_OK);
    check<F>(ctx, "decay just above 1", [](F &f) { f.decay[at3(0, 1, 1)] = std::nextafter(1.f, 2.f); }, BAD,
             "decay: element [0, 1, 1] = 1.00000012 is outside [0, 1]", SIZE_OK);
    check<F>(ctx, "decay: the first bad element is named",
             [](F &f) {
                 f.decay[at3(1, 0, 0)] = 2.f;
                 f.decay[at3(0, 3, 1)] = -1.f;
             },
             BAD, "decay: element [0, 3, 1] = -1", SIZE_OK);
    check<F>(ctx, "GATED decay per key 1.25",
             [](F &f) {
                 f.make_rule(PMX_RULE_GATED, true);
                 f.decay[at4(1, 2, 0, 2)] = 1.25f;
             },
             BAD, "decay: element [1, 2, 0, 2] = 1.25", SIZE_OK);
    check<F>(ctx, "strided decay view: its own index",
             [](F &f) {
                 f.p.decay = pmx_test::view(f.decay.data(), PMX_DTYPE_F32, {B, N, Hkv}, {2 * N * Hkv, 2 * Hkv, 2},
                                            int64_t(f.decay.size() * 4));
                 f.decay[size_t(1 * 2 * N * Hkv + 2 * 2 * Hkv + 1 * 2)] = 3.f;
             },
             BAD, "decay: element [1, 2, 1] = 3", SIZE_OK);
    check<F>(ctx, "beta NaN", [](F &f) { f.beta[at3(0, 4, 1)] = kNaN; }, BAD, "beta: element [0, 4, 1] = nan",
             SIZE_OK);
    check<F>(ctx, "beta inf (DELTA)",
             [](F &f) {
                 f.make_rule(PMX_RULE_DELTA);
                 f.beta[at3(1, 1, 0)] = kInf;
             },
             BAD, "beta: element [1, 1, 0] = inf", SIZE_OK);
    check<F>(ctx, "beta -inf", [](F &f) { f.beta[at3(1, 4, 1)] = -kInf; }, BAD, "beta: element [1, 4, 1] = -inf",
             SIZE_OK);
    check<F>(ctx, "step decay 1.5", [](F &f) { f.make_step(); f.decay[at_step(1, 1)] = 1.5f; }, BAD,
             "decay: element [1, 1] = 1.5");
    check<F>(ctx, "step GATED decay per key NaN",
             [](F &f) {
                 f.make_step();
                 f.make_rule(PMX_RULE_GATED, true);
                 f.decay[size_t((1 * Hkv + 0) * Dk + 1)] = kNaN;
             },
             BAD, "decay: element [1, 0, 1] = nan");
    check<F>(ctx, "step beta inf", [](F &f) { f.make_step(); f.beta[at_step(0, 1)] = kInf; }, BAD,
             "beta: element [0, 1] = inf");
    check<F>(ctx, "step in place, decay bad",
             [](F &f) {
                 f.make_step();
                 f.p.state_out = f.p.state_in;
                 f.decay[at_step(0, 0)] = -0.5f;
             },
             BAD, "decay: element [0, 0] = -0.5");
    {  // F64 decay through the reference: the element is named there too
        F f;
        f.p.decay = F::tens64(f.decay64, {B, N, Hkv});
        f.decay64[at3(1, 2, 0)] = 1.0000000001;
        const Snapshot before(f);
        const pmx_status st = f.run(ctx, REFERENCE);
        const std::string msg = pmx_test::last_error(ctx);
        std::printf("%-52s -> %-28s \"%s\"\n", "reference: F64 decay 1 + 1e-10", pmx_status_name(st), msg.c_str());
        if (st != BAD || !starts_with(msg, "decay: element [1, 2, 0] = 1.0000000001") || !before.same(f)) {
            std::printf("FAIL: reference with an F64 decay above 1: %s \"%s\"\n", pmx_status_name(st), msg.c_str());
            ++failures;
        }
    }

    good_calls(ctx);
    return finish(ctx);
}
