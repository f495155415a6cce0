// Every bad argument to pmx_rope and pmx_rope_reference gets INVALID_ARGUMENT
// (or UNSUPPORTED) and a message starting with the argument's name
// ("rope.rotary_dim: ..."); nothing crashes, the output is left untouched,
// and a good call still works afterwards.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "test_support.h"

namespace {

int failures = 0;

struct Fixture {
    static constexpr int64_t B = 2, N = 5, H = 3, D = 8;
    std::vector<float> x, out;
    std::vector<int32_t> positions{3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
    std::vector<float> big = std::vector<float>(512, NAN);  // an output with D = 512
    pmx_rope_params p{};

    Fixture() {
        std::mt19937_64 rng(11);
        x = pmx_test::random_floats(B * N * H * D, rng);
        out.assign(B * N * H * D, NAN);
        p.struct_size = sizeof p;
        p.x = pmx_test::dense(x.data(), PMX_DTYPE_F32, {B, N, H, D}, 4);
        p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {B, N, H, D}, 4);
        p.positions = pmx_test::dense(positions.data(), PMX_DTYPE_I32, {B, N}, 4);
        p.rope.style = PMX_ROPE_HALF;
    }

    bool out_untouched() const {
        for (float v : out)
            if (!std::isnan(v)) return false;
        return true;
    }
};

// Runs pmx_rope (and the reference) on a mutated copy of the good params and
// checks the status, that the message starts with `prefix`, and that out was
// not written.
void check_rejects(pmx_context *ctx, const char *label, const std::function<void(Fixture &)> &mutate,
                   pmx_status expected, const char *prefix) {
    for (bool reference : {false, true}) {
        Fixture f;
        mutate(f);
        const pmx_status st = reference ? pmx_rope_reference(ctx, &f.p) : pmx_rope(ctx, &f.p);
        const std::string msg = pmx_test::last_error(ctx);
        const bool ok = st == expected && msg.rfind(prefix, 0) == 0 && f.out_untouched();
        if (!reference) std::printf("%-44s -> %-28s \"%s\"\n", label, pmx_status_name(st), msg.c_str());
        if (!ok) {
            std::printf("FAIL: %s%s: expected %s with a message starting '%s', out untouched\n", label,
                        reference ? " (reference)" : "", pmx_status_name(expected), prefix);
            ++failures;
        }
    }
}

void expect(bool ok, const char *what) {
    if (!ok) {
        std::printf("FAIL: %s\n", what);
        ++failures;
    }
}

}  // namespace

int main() {
    pmx_context *ctx = nullptr;
    expect(pmx_context_create(&ctx) == PMX_STATUS_SUCCESS, "context_create");
    using F = Fixture;
    const pmx_status INV = PMX_STATUS_INVALID_ARGUMENT;
    const float nan = std::numeric_limits<float>::quiet_NaN();

    {
        Fixture f;
        expect(pmx_rope(nullptr, &f.p) == INV, "NULL context rejected");
        expect(pmx_rope(ctx, nullptr) == INV && pmx_test::last_error(ctx).rfind("params: must not be NULL", 0) == 0,
               "NULL params rejected, naming params");
    }
    check_rejects(ctx, "struct_size too small", [](F &f) { f.p.struct_size = 8; }, INV, "params: struct_size 8");

    // Tensors.
    check_rejects(ctx, "x rank 2", [](F &f) { f.p.x.ndim = 2; }, INV, "x: expected [B, N, H, D] or [N, H, D]");
    check_rejects(ctx, "out rank differs", [](F &f) { f.p.out.ndim = 3; }, INV, "out: expected 4 dimensions");
    check_rejects(ctx, "out shape differs", [](F &f) { f.p.out.shape[2] = 2; }, INV, "out:");
    check_rejects(ctx, "x i32", [](F &f) { f.p.x.dtype = PMX_DTYPE_I32; }, INV, "x: dtype i32");
    check_rejects(ctx, "NULL x data", [](F &f) { f.p.x.data = nullptr; }, INV, "x: data is NULL");
    check_rejects(ctx, "x byte_size too small", [](F &f) { f.p.x.byte_size -= 4; }, INV, "x: the view needs");
    check_rejects(ctx, "x on CUDA", [](F &f) { f.p.x.device = PMX_DEVICE_CUDA; }, INV, "x: tensor is on CUDA");
    check_rejects(ctx, "D = 514", [](F &f) {
        for (pmx_tensor *t : {&f.p.x, &f.p.out}) { t->shape[3] = 514; t->shape[1] = 1; t->stride[3] = 0; }
    }, INV, "x: head dim D = 514");
    check_rejects(ctx, "positions f32", [](F &f) { f.p.positions.dtype = PMX_DTYPE_F32; }, INV, "positions: dtype f32");
    check_rejects(ctx, "positions [B, N-1]", [](F &f) { f.p.positions.shape[1] = 4; }, INV, "positions: shape[1]");
    check_rejects(ctx, "positions [N+1]", [](F &f) {
        f.p.positions = pmx_test::dense(f.positions.data(), PMX_DTYPE_I32, {6}, 4); }, INV, "positions: shape[0]");
    check_rejects(ctx, "positions rank 3", [](F &f) { f.p.positions.ndim = 3; }, INV, "positions: expected [B, N] or [N]");
    check_rejects(ctx, "rank-3 x with positions [B, N]", [](F &f) {
        for (pmx_tensor *t : {&f.p.x, &f.p.out}) {
            *t = pmx_test::dense(t->data, PMX_DTYPE_F32, {F::N, F::H, F::D}, 4);
        }
        f.p.positions = pmx_test::dense(f.positions.data(), PMX_DTYPE_I32, {1, F::N}, 4);
    }, INV, "positions: expected 1 dimensions");

    // Aliasing: only exact in place is allowed.
    check_rejects(ctx, "out overlaps x (one row later)", [](F &f) {
        for (pmx_tensor *t : {&f.p.x, &f.p.out, &f.p.positions}) t->shape[0] = 1;
        f.p.out = f.p.x;
        f.p.out.data = f.x.data() + F::H * F::D;
        f.p.out.byte_size -= F::H * F::D * 4;
    }, INV, "out: overlaps x");
    check_rejects(ctx, "out is x with other strides", [](F &f) {
        f.p.out = f.p.x;
        f.p.out.stride[0] = F::H * F::D;           // rows (b, n) at 24·b + 48·n: a valid view,
        f.p.out.stride[1] = F::B * F::H * F::D;    // but not x's own layout
    }, INV, "out: overlaps x");
    check_rejects(ctx, "out overlaps positions", [](F &f) {
        f.p.out = pmx_test::dense(f.positions.data(), PMX_DTYPE_F32, {1, 1, 1, 2}, 4);
        f.p.x.shape[0] = 1, f.p.x.shape[1] = 1, f.p.x.shape[2] = 1, f.p.x.shape[3] = 2;
        f.p.positions.shape[0] = 1, f.p.positions.shape[1] = 1;
    }, INV, "out: overlaps positions");
    check_rejects(ctx, "out zero stride", [](F &f) { f.p.out.stride[2] = 0; }, INV, "out:");

    // The config: each field named "rope.<field>".
    check_rejects(ctx, "style OFF", [](F &f) { f.p.rope.style = PMX_ROPE_OFF; }, INV, "rope.style: PMX_ROPE_OFF");
    check_rejects(ctx, "unknown style", [](F &f) { f.p.rope.style = 3; }, INV, "rope.style: 3 is not");
    check_rejects(ctx, "rotary_dim odd", [](F &f) { f.p.rope.rotary_dim = 7; }, INV, "rope.rotary_dim: 7 is odd");
    check_rejects(ctx, "rotary_dim > D", [](F &f) { f.p.rope.rotary_dim = 10; }, INV, "rope.rotary_dim: 10 exceeds D = 8");
    check_rejects(ctx, "rotary_dim negative", [](F &f) { f.p.rope.rotary_dim = -2; }, INV, "rope.rotary_dim: -2");
    check_rejects(ctx, "rotary_dim 0 with odd D", [](F &f) {
        for (pmx_tensor *t : {&f.p.x, &f.p.out}) t->shape[3] = 7;
    }, INV, "rope.rotary_dim: 0 means D, but D = 7 is odd");
    check_rejects(ctx, "theta negative", [](F &f) { f.p.rope.theta = -1; }, INV, "rope.theta:");
    check_rejects(ctx, "theta NaN", [](F &f) { f.p.rope.theta = NAN; }, INV, "rope.theta:");
    check_rejects(ctx, "theta tiny: an infinite frequency at D = 512", [](F &f) {
        f.p.x.shape[0] = f.p.x.shape[1] = f.p.x.shape[2] = 1;
        f.p.x.shape[3] = 512;
        f.p.x.stride[3] = 0;
        f.p.out = pmx_test::dense(f.big.data(), PMX_DTYPE_F32, {1, 1, 1, 512}, 4);
        f.p.positions.shape[0] = f.p.positions.shape[1] = 1;
        f.p.rope.theta = 5e-324;
    }, INV, "rope.theta: 4.94066e-324 gives a non-finite frequency");
    check_rejects(ctx, "unknown scaling", [](F &f) { f.p.rope.scaling = 7; }, INV, "rope.scaling: 7 is not");
    check_rejects(ctx, "linear without factor", [](F &f) { f.p.rope.scaling = PMX_ROPE_SCALING_LINEAR; }, INV,
                  "rope.factor: linear scaling needs");
    check_rejects(ctx, "linear factor NaN", [nan](F &f) {
        f.p.rope.scaling = PMX_ROPE_SCALING_LINEAR; f.p.rope.factor = nan; }, INV, "rope.factor:");
    check_rejects(ctx, "ntk without alpha", [](F &f) { f.p.rope.scaling = PMX_ROPE_SCALING_NTK; }, INV,
                  "rope.ntk_alpha: NTK scaling needs");
    check_rejects(ctx, "ntk with rd = 2", [](F &f) {
        f.p.rope.scaling = PMX_ROPE_SCALING_NTK; f.p.rope.ntk_alpha = 2; f.p.rope.rotary_dim = 2; }, INV,
                  "rope.rotary_dim: NTK scaling needs rd >= 4");
    auto yarn = [](F &f) {
        f.p.rope.scaling = PMX_ROPE_SCALING_YARN;
        f.p.rope.factor = 4;
        f.p.rope.original_max_position = 2048;
    };
    check_rejects(ctx, "yarn without factor", [&](F &f) { yarn(f); f.p.rope.factor = 0; }, INV,
                  "rope.factor: YaRN scaling needs");
    check_rejects(ctx, "yarn without original_max_position", [&](F &f) { yarn(f); f.p.rope.original_max_position = 0; },
                  INV, "rope.original_max_position: YaRN");
    check_rejects(ctx, "yarn beta_fast negative", [&](F &f) { yarn(f); f.p.rope.beta_fast = -1; }, INV,
                  "rope.beta_fast:");
    check_rejects(ctx, "yarn beta_slow inf", [&](F &f) { yarn(f); f.p.rope.beta_slow = INFINITY; }, INV,
                  "rope.beta_slow:");
    check_rejects(ctx, "yarn theta 1", [&](F &f) { yarn(f); f.p.rope.theta = 1; }, INV, "rope.theta: YaRN");
    auto llama3 = [](F &f) {
        f.p.rope.scaling = PMX_ROPE_SCALING_LLAMA3;
        f.p.rope.factor = 8;
        f.p.rope.original_max_position = 8192;
        f.p.rope.low_freq_factor = 1;
        f.p.rope.high_freq_factor = 4;
    };
    check_rejects(ctx, "llama3 without factor", [&](F &f) { llama3(f); f.p.rope.factor = 0; }, INV,
                  "rope.factor: llama3 scaling needs");
    check_rejects(ctx, "llama3 without original_max_position",
                  [&](F &f) { llama3(f); f.p.rope.original_max_position = -5; }, INV,
                  "rope.original_max_position: llama3");
    check_rejects(ctx, "llama3 without low_freq_factor", [&](F &f) { llama3(f); f.p.rope.low_freq_factor = 0; }, INV,
                  "rope.low_freq_factor:");
    check_rejects(ctx, "llama3 without high_freq_factor", [&](F &f) { llama3(f); f.p.rope.high_freq_factor = 0; },
                  INV, "rope.high_freq_factor:");
    check_rejects(ctx, "llama3 high <= low", [&](F &f) { llama3(f); f.p.rope.high_freq_factor = 1; }, INV,
                  "rope.high_freq_factor: must exceed low_freq_factor");
    check_rejects(ctx, "attention_factor negative", [](F &f) { f.p.rope.attention_factor = -1; }, INV,
                  "rope.attention_factor:");
    check_rejects(ctx, "offset beyond 2^40", [](F &f) { f.p.rope.offset = (int64_t(1) << 40) + 1; }, INV,
                  "rope.offset:");
    check_rejects(ctx, "offset below -2^40", [](F &f) { f.p.rope.offset = INT64_MIN; }, INV, "rope.offset:");

    // dtypes: the kernel takes F32 only, the reference F64 too.
    {
        Fixture f;
        f.p.x.dtype = PMX_DTYPE_F16;
        expect(pmx_rope(ctx, &f.p) == PMX_STATUS_UNSUPPORTED &&
                   pmx_test::last_error(ctx).rfind("x: dtype f16 is not supported", 0) == 0,
               "pmx_rope: f16 x is UNSUPPORTED");
        expect(pmx_rope_reference(ctx, &f.p) == INV && pmx_test::last_error(ctx).rfind("x: dtype f16", 0) == 0,
               "pmx_rope_reference: f16 x is INVALID_ARGUMENT");
    }
    {
        Fixture f;
        f.p.x.dtype = PMX_DTYPE_F64;  // the first half of the buffer holds a [1, N, H, D] f64 x
        f.p.x.shape[0] = 1;
        f.p.out.shape[0] = 1;
        f.p.positions.shape[0] = 1;
        expect(pmx_rope(ctx, &f.p) == INV && pmx_test::last_error(ctx).rfind("x: dtype f64", 0) == 0,
               "pmx_rope refuses f64 x");
        expect(pmx_rope_reference(ctx, &f.p) == PMX_STATUS_SUCCESS, "pmx_rope_reference accepts f64 x");
    }

    // A good call still works, and the untouched fixture runs in place.
    {
        Fixture f;
        expect(pmx_rope(ctx, &f.p) == PMX_STATUS_SUCCESS && !std::isnan(f.out[0]), "good call after failures");
        f.p.out = f.p.x;
        expect(pmx_rope(ctx, &f.p) == PMX_STATUS_SUCCESS, "exact in place accepted");
    }

    pmx_context_destroy(ctx);
    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
