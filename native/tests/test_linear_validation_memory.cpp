// The memory contract of pmx_linear_attention and pmx_linear_recurrence
// (and their steps and references): outputs apart from every input and from
// each other (the step may update its state and norm in place, only as the
// same view); the workspace NULL, short, misaligned or overlapping a tensor;
// out_bytes NULL; no context. Each refusal names the argument and leaves
// every buffer as it was.
#include <cstring>
#include <string>

#include "linear_validation_fixture.h"

namespace {

using namespace linear_validation;
using A = AttnFixture;
using R = RecFixture;
const pmx_status BAD = PMX_STATUS_INVALID_ARGUMENT;

void report(const char *label, pmx_status got, const std::string &msg) {
    std::printf("%-52s -> %-28s \"%s\"\n", label, pmx_status_name(got), msg.c_str());
}

// One workspace refusal: `call` runs the kernel on f with some workspace.
template <class F, class Call>
void expect_ws(pmx_context *ctx, F &f, const char *label, pmx_status want, const char *prefix, Call call) {
    const Snapshot before(f);
    const pmx_status st = call();
    const std::string msg = pmx_test::last_error(ctx);
    report(label, st, msg);
    if (st != want || !starts_with(msg, prefix) || !before.same(f)) {
        std::printf("FAIL: %s: expected %s with a message starting '%s', every buffer unchanged (got %s \"%s\")\n",
                    label, pmx_status_name(want), prefix, pmx_status_name(st), msg.c_str());
        ++failures;
    }
}

// The workspace checks of one family: run(f, ws, bytes) calls its kernel,
// size(f, &bytes) its size query; place_input/place_output move an input /
// the output into memory the test gives.
template <class F, class Run, class Size, class PlaceIn, class PlaceOut>
void workspace_checks(pmx_context *ctx, const char *family, Run run, Size size, PlaceIn place_input,
                      const char *input_name, PlaceOut place_output) {
    std::printf("-- %s workspace\n", family);
    F f;
    int64_t bytes = -1;
    pmx_status st = size(f, &bytes);
    if (st != PMX_STATUS_SUCCESS || bytes < 0 || bytes % 4 != 0) {
        std::printf("FAIL: %s: workspace size of the good call: %s, %lld bytes\n", family, pmx_status_name(st),
                    (long long)bytes);
        ++failures;
        return;
    }
    pmx_test::Aligned ws{size_t(bytes) + 4096};
    expect_ws(ctx, f, "workspace_bytes negative", BAD, "workspace_bytes:", [&] { return run(f, ws.p, -64); });
    expect_ws(ctx, f, "workspace misaligned", BAD, "workspace:",
              [&] { return run(f, static_cast<char *>(ws.p) + 4, bytes + 64); });
    expect_ws(ctx, f, "workspace misaligned by 32", BAD, "workspace:",
              [&] { return run(f, static_cast<char *>(ws.p) + 32, bytes + 64); });
    st = size(f, nullptr);
    report("NULL out_bytes", st, pmx_test::last_error(ctx));
    if (st != BAD || !starts_with(pmx_test::last_error(ctx), "out_bytes:")) {
        std::printf("FAIL: %s: NULL out_bytes: %s\n", family, pmx_status_name(st));
        ++failures;
    }
    if (bytes == 0) {
        // Nothing to be short of or to overlap (so far the stub kernels ask for none).
        std::printf("NOTE: %s asks for no workspace on this shape: size, NULL and overlap checks not reachable\n",
                    family);
    } else {
        expect_ws(ctx, f, "workspace 4 bytes short", PMX_STATUS_WORKSPACE_TOO_SMALL, "workspace:",
                  [&] { return run(f, ws.p, bytes - 4); });
        expect_ws(ctx, f, "workspace NULL, 0 bytes", PMX_STATUS_WORKSPACE_TOO_SMALL, "workspace:",
                  [&] { return run(f, nullptr, 0); });
        expect_ws(ctx, f, "workspace NULL with the size needed", BAD, "workspace:",
                  [&] { return run(f, nullptr, bytes); });
        {
            F g;
            place_input(g, static_cast<float *>(ws.p) + (bytes / 4) / 2);
            const std::string prefix = std::string("workspace: overlaps ") + input_name;
            expect_ws(ctx, g, "workspace overlaps an input", BAD, prefix.c_str(), [&] { return run(g, ws.p, bytes); });
        }
        {
            F g;
            place_output(g, static_cast<float *>(ws.p) + 16);
            expect_ws(ctx, g, "workspace overlaps out", BAD, "workspace: overlaps out",
                      [&] { return run(g, ws.p, bytes); });
        }
    }
    // After all that the good call on the same context still works.
    st = run(f, ws.p, bytes);
    if (st != PMX_STATUS_SUCCESS || !f.outputs_written()) {
        std::printf("FAIL: %s: the good call after the refusals: %s \"%s\"\n", family, pmx_status_name(st),
                    pmx_test::last_error(ctx).c_str());
        ++failures;
    }
}

void attention_aliasing(pmx_context *ctx) {
    std::printf("-- linear attention aliasing\n");
    constexpr int64_t B = A::B, N = A::N, H = A::H, Hkv = A::Hkv, Dk = A::Dk, Dv = A::Dv, M = A::M;
    check<A>(ctx, "q inside out", [](A &f) { f.p.q.data = f.out.data() + 4; }, BAD, "out: overlaps q", SIZE_OK);
    check<A>(ctx, "out overlaps the end of v",
             [](A &f) {
                 f.p.v = A::tens(f.spare, {B, N, Hkv, Dv});
                 f.p.out = pmx_test::dense(f.spare.data() + B * N * Hkv * Dv - 1, PMX_DTYPE_F32, {B, N, H, Dv}, 4);
             },
             BAD, "out: overlaps v", SIZE_OK);
    check<A>(ctx, "out zero stride", [](A &f) { f.p.out.stride[1] = 0; }, BAD, "out:", SIZE_OK);
    check<A>(ctx, "state_out overlaps out", [](A &f) { f.p.state_out.data = f.out.data(); }, BAD,
             "out: overlaps state_out", SIZE_OK);
    check<A>(ctx, "norm_out overlaps state_out", [](A &f) { f.p.norm_out.data = f.s_out.data() + 8; }, BAD,
             "state_out: overlaps norm_out", SIZE_OK);
    check<A>(ctx, "norm_out overlaps k", [](A &f) { f.p.norm_out.data = f.k.data() + 3; }, BAD,
             "norm_out: overlaps k", SIZE_OK);
    check<A>(ctx, "norm_out zero stride", [](A &f) { f.p.norm_out.stride[2] = 0; }, BAD, "norm_out:", SIZE_OK);
    check<A>(ctx, "state_out is state_in (not a step)", [](A &f) { f.p.state_out = f.p.state_in; }, BAD,
             "state_out: overlaps state_in", SIZE_OK);
    check<A>(ctx, "norm_out is norm_in (not a step)", [](A &f) { f.p.norm_out = f.p.norm_in; }, BAD,
             "norm_out: overlaps norm_in", SIZE_OK);
    check<A>(ctx, "state_out overlaps random_matrix (FAVOR)",
             [](A &f) {
                 f.make_favor();
                 f.p.random_matrix = A::tens(f.spare, {M, Dk});
                 f.p.state_out = pmx_test::dense(f.spare.data() + M * Dk - 2, PMX_DTYPE_F32, {B, Hkv, M, Dv}, 4);
             },
             BAD, "state_out: overlaps random_matrix", SIZE_OK);
    check<A>(ctx, "step out is q", [](A &f) { f.make_step(); f.p.out.data = f.q.data(); }, BAD, "out: overlaps q");
    check<A>(ctx, "step state_out overlaps state_in partly",
             [](A &f) {
                 f.make_step();
                 f.p.state_out = f.p.state_in;
                 f.p.state_out.data = f.s_in.data() + 1;
             },
             BAD, "state_out: overlaps state_in");
    check<A>(ctx, "step state_out is state_in, other strides",
             [](A &f) {
                 f.make_step();
                 f.p.state_out = pmx_test::view(f.s_in.data(), PMX_DTYPE_F32, {B, Hkv, Dk, Dv},
                                                {Hkv * Dk * Dv, Dk * Dv, 1, Dk}, int64_t(f.s_in.size() * 4));
             },
             BAD, "state_out: overlaps state_in");
    check<A>(ctx, "step norm_out is norm_in, other dtype",
             [](A &f) {
                 f.make_step();
                 f.p.norm_out = f.p.norm_in;
                 f.p.norm_out.dtype = PMX_DTYPE_F16;  // the dtype check comes first: UNSUPPORTED
             },
             PMX_STATUS_UNSUPPORTED, "norm_out:");
    check<A>(ctx, "step norm_out overlaps norm_in partly",
             [](A &f) {
                 f.make_step();
                 f.p.norm_out = f.p.norm_in;
                 f.p.norm_out.data = f.n_in.data() + 2;
             },
             BAD, "norm_out: overlaps norm_in");
    check<A>(ctx, "step state in place, norm_out overlapping it",
             [](A &f) {
                 f.make_step();
                 f.p.state_out = f.p.state_in;
                 f.p.norm_out.data = f.s_in.data() + 4;
             },
             BAD, "state_out: overlaps norm_out");
    check<A>(ctx, "step state in place overlapping out",
             [](A &f) {
                 f.make_step();
                 f.p.state_in = f.p.state_out = A::tens(f.spare, {B, Hkv, Dk, Dv});
                 f.p.out = pmx_test::dense(f.spare.data() + 40, PMX_DTYPE_F32, {B, H, Dv}, 4);
             },
             BAD, "out: overlaps state_out");
    check<A>(ctx, "step state in place overlapping v",
             [](A &f) {
                 f.make_step();
                 f.p.state_in = f.p.state_out = A::tens(f.spare, {B, Hkv, Dk, Dv});
                 f.p.v = pmx_test::dense(f.spare.data() + 47, PMX_DTYPE_F32, {B, Hkv, Dv}, 4);
             },
             BAD, "state_out: overlaps v");
    check<A>(ctx, "step state_out zero stride (in place)",
             [](A &f) {
                 f.make_step();
                 f.p.state_in.stride[3] = 0;
                 f.p.state_out = f.p.state_in;
             },
             BAD, "state_out:");
}

void recurrence_aliasing(pmx_context *ctx) {
    std::printf("-- linear recurrence aliasing\n");
    constexpr int64_t B = R::B, N = R::N, H = R::H, Hkv = R::Hkv, Dk = R::Dk, Dv = R::Dv;
    check<R>(ctx, "decay inside out", [](R &f) { f.p.decay.data = f.out.data() + 4; }, BAD, "out: overlaps decay",
             SIZE_OK);
    check<R>(ctx, "beta inside state_out", [](R &f) { f.p.beta.data = f.s_out.data() + 5; }, BAD,
             "state_out: overlaps beta", SIZE_OK);
    check<R>(ctx, "state_out overlaps out", [](R &f) { f.p.state_out.data = f.out.data() + 10; }, BAD,
             "out: overlaps state_out", SIZE_OK);
    check<R>(ctx, "state_out is state_in (not a step)", [](R &f) { f.p.state_out = f.p.state_in; }, BAD,
             "state_out: overlaps state_in", SIZE_OK);
    check<R>(ctx, "out zero stride", [](R &f) { f.p.out.stride[3] = 0; }, BAD, "out:", SIZE_OK);
    check<R>(ctx, "out overlaps the end of q",
             [](R &f) {
                 f.p.q = R::tens(f.spare, {B, N, H, Dk});
                 f.p.out = pmx_test::dense(f.spare.data() + B * N * H * Dk - 1, PMX_DTYPE_F32, {B, N, H, Dv}, 4);
             },
             BAD, "out: overlaps q", SIZE_OK);
    check<R>(ctx, "step out is k", [](R &f) { f.make_step(); f.p.out.data = f.k.data(); }, BAD, "out: overlaps k");
    check<R>(ctx, "step state_out overlaps state_in partly",
             [](R &f) {
                 f.make_step();
                 f.p.state_out = f.p.state_in;
                 f.p.state_out.data = f.s_in.data() + 3;
             },
             BAD, "state_out: overlaps state_in");
    check<R>(ctx, "step state_out is state_in, other strides",
             [](R &f) {
                 f.make_step();
                 f.p.state_out = pmx_test::view(f.s_in.data(), PMX_DTYPE_F32, {B, Hkv, Dk, Dv},
                                                {Hkv * Dk * Dv, Dk * Dv, 1, Dk}, int64_t(f.s_in.size() * 4));
             },
             BAD, "state_out: overlaps state_in");
    check<R>(ctx, "step state in place overlapping decay",
             [](R &f) {
                 f.make_step();
                 f.p.state_in = f.p.state_out = R::tens(f.spare, {B, Hkv, Dk, Dv});
                 f.p.decay = pmx_test::dense(f.spare.data() + 47, PMX_DTYPE_F32, {B, Hkv}, 4);
             },
             BAD, "state_out: overlaps decay");
}

}  // namespace

int main() {
    pmx_context *ctx = nullptr;
    if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS) return 1;

    attention_aliasing(ctx);
    recurrence_aliasing(ctx);

    workspace_checks<A>(
        ctx, "linear attention", [&](A &f, void *ws, int64_t n) { return pmx_linear_attention(ctx, &f.p, ws, n); },
        [&](A &f, int64_t *n) { return pmx_linear_attention_workspace_size(ctx, &f.p, n); },
        [](A &f, float *at) {
            std::memcpy(at, f.k.data(), size_t(A::B * A::N * A::Hkv * A::Dk) * 4);
            f.p.k = pmx_test::dense(at, PMX_DTYPE_F32, {A::B, A::N, A::Hkv, A::Dk}, 4);
        },
        "k", [](A &f, float *at) { f.p.out = pmx_test::dense(at, PMX_DTYPE_F32, {A::B, A::N, A::H, A::Dv}, 4); });
    workspace_checks<R>(
        ctx, "linear recurrence",
        [&](R &f, void *ws, int64_t n) { return pmx_linear_recurrence(ctx, &f.p, ws, n); },
        [&](R &f, int64_t *n) { return pmx_linear_recurrence_workspace_size(ctx, &f.p, n); },
        [](R &f, float *at) {
            std::memcpy(at, f.beta.data(), size_t(R::B * R::N * R::Hkv) * 4);
            f.p.beta = pmx_test::dense(at, PMX_DTYPE_F32, {R::B, R::N, R::Hkv}, 4);
        },
        "beta", [](R &f, float *at) { f.p.out = pmx_test::dense(at, PMX_DTYPE_F32, {R::B, R::N, R::H, R::Dv}, 4); });

    // No context: INVALID_ARGUMENT from every entry point, nothing written.
    {
        A a;
        A as;
        as.make_step();
        R r;
        R rs;
        rs.make_step();
        pmx_favor_params fp{};
        std::vector<float> w(12, pmx_test::poison());
        fp.struct_size = sizeof fp;
        fp.random_matrix = pmx_test::dense(w.data(), PMX_DTYPE_F32, {4, 3}, 4);
        const Snapshot sa(a), sas(as), sr(r), srs(rs);
        int64_t bytes = -5;
        pmx_test::Aligned ws{4096};
        const pmx_status got[] = {
            pmx_linear_attention_workspace_size(nullptr, &a.p, &bytes),
            pmx_linear_attention(nullptr, &a.p, ws.p, 4096),
            pmx_linear_attention_step(nullptr, &as.p),
            pmx_linear_attention_reference(nullptr, &a.p),
            pmx_linear_recurrence_workspace_size(nullptr, &r.p, &bytes),
            pmx_linear_recurrence(nullptr, &r.p, ws.p, 4096),
            pmx_linear_recurrence_step(nullptr, &rs.p),
            pmx_linear_recurrence_reference(nullptr, &r.p),
            pmx_favor_random_matrix(nullptr, &fp),
            pmx_linear_attention_step(nullptr, nullptr),
            pmx_linear_recurrence_step(nullptr, nullptr),
        };
        for (size_t i = 0; i < sizeof got / sizeof got[0]; ++i)
            if (got[i] != BAD) {
                std::printf("FAIL: NULL context (entry %zu): %s\n", i, pmx_status_name(got[i]));
                ++failures;
            }
        bool w_untouched = true;
        for (float x : w) w_untouched &= pmx_test::is_poison(x);
        if (bytes != -5 || !sa.same(a) || !sas.same(as) || !sr.same(r) || !srs.same(rs) || !w_untouched) {
            std::printf("FAIL: a call without a context wrote something\n");
            ++failures;
        }
        std::printf("%-52s -> %s\n", "NULL context (every entry point)", "checked");
    }

    // After all that, the good calls still work on the same context.
    good<A>(ctx, "linear attention after the refusals", [](A &) {});
    good<A>(ctx, "linear attention step in place after the refusals", [](A &f) {
        f.make_step();
        f.p.state_out = f.p.state_in;
        f.p.norm_out = f.p.norm_in;
    });
    good<R>(ctx, "linear recurrence after the refusals", [](R &) {});
    good<R>(ctx, "linear recurrence step in place after the refusals", [](R &f) {
        f.make_step();
        f.p.state_out = f.p.state_in;
    });
    return finish(ctx);
}
