// Every bad argument to pmx_causal_conv1d, pmx_causal_conv1d_step and
// pmx_causal_conv1d_reference gets INVALID_ARGUMENT (or UNSUPPORTED) and a
// message starting with the argument's name ("weight: width W = 9 must be in
// 1..8"); nothing crashes, the outputs are left untouched, and a good call
// still works afterwards. Also: a caller rewriting cu_seqlens during calls
// gets either a correct result of one version or a refusal, never a crash.
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace {

int failures = 0;

void expect(bool ok, const std::string &what) {
    if (!ok) {
        std::printf("FAIL: %s\n", what.c_str());
        ++failures;
    }
}

enum class Kind { Dense, Varlen, Step };

// Good params of each kind: dense x [B, L, C], varlen x [total, C] with
// cu_seqlens {0, 2, 2, 5}, or a step's x [B, C]; W = 4, bias, state_in and
// state_out [B, C, W - 1]. The weight buffer has room for W = 9.
struct Fixture {
    static constexpr int64_t B = 2, L = 5, C = 3, W = 4, kTotal = 5;
    Kind kind;
    std::vector<float> x, w, bias, state_in, out, state_out;
    std::vector<int32_t> cu{0, 2, 2, 5};
    std::vector<float> spare = std::vector<float>(64, NAN);  // room for outputs that overlap each other
    pmx_causal_conv1d_params p{};

    int64_t batch() const { return kind == Kind::Varlen ? 3 : B; }

    explicit Fixture(Kind k) : kind(k) {
        std::mt19937_64 rng(7);
        const int64_t rows = kind == Kind::Dense ? B * L : kind == Kind::Varlen ? kTotal : B;
        x = pmx_test::random_floats(size_t(rows * C), rng);
        w = pmx_test::random_floats(size_t(C * 9), rng);
        bias = pmx_test::random_floats(C, rng);
        state_in = pmx_test::random_floats(size_t(batch() * C * (W - 1)), rng);
        out.assign(size_t(rows * C), NAN);
        state_out.assign(size_t(batch() * C * (W - 1)), NAN);
        p.struct_size = sizeof p;
        if (kind == Kind::Dense) {
            p.x = pmx_test::dense(x.data(), PMX_DTYPE_F32, {B, L, C}, 4);
            p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {B, L, C}, 4);
        } else {
            p.x = pmx_test::dense(x.data(), PMX_DTYPE_F32, {rows, C}, 4);
            p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {rows, C}, 4);
        }
        if (kind == Kind::Varlen) p.cu_seqlens = pmx_test::dense(cu.data(), PMX_DTYPE_I32, {4}, 4);
        p.weight = pmx_test::dense(w.data(), PMX_DTYPE_F32, {C, W}, 4);
        p.bias = pmx_test::dense(bias.data(), PMX_DTYPE_F32, {C}, 4);
        p.state_in = pmx_test::dense(state_in.data(), PMX_DTYPE_F32, {batch(), C, W - 1}, 4);
        p.state_out = pmx_test::dense(state_out.data(), PMX_DTYPE_F32, {batch(), C, W - 1}, 4);
        p.silu = 1;
    }

    bool outputs_untouched() const {
        for (float v : out)
            if (!std::isnan(v)) return false;
        for (float v : state_out)
            if (!std::isnan(v)) return false;
        for (float v : spare)
            if (!std::isnan(v)) return false;
        return true;
    }
};

pmx_status call(pmx_context *ctx, Kind kind, bool reference, const pmx_causal_conv1d_params *p) {
    if (reference) return pmx_causal_conv1d_reference(ctx, p);
    return kind == Kind::Step ? pmx_causal_conv1d_step(ctx, p) : pmx_causal_conv1d(ctx, p);
}

// Runs the entry points of `kind` (the kernel, and for dense and varlen the
// reference too) on a mutated copy of the good params; checks the status,
// that the message starts with `prefix`, and that no output was written.
void check_rejects(pmx_context *ctx, Kind kind, const char *label, const std::function<void(Fixture &)> &mutate,
                   pmx_status expected, const char *prefix, bool also_reference = true) {
    for (bool reference : {false, true}) {
        if (reference && (kind == Kind::Step || !also_reference)) continue;
        Fixture f(kind);
        mutate(f);
        const pmx_status st = call(ctx, kind, reference, &f.p);
        const std::string msg = pmx_test::last_error(ctx);
        const bool ok = st == expected && msg.rfind(prefix, 0) == 0 && f.outputs_untouched();
        const char *entry = reference ? "reference" : kind == Kind::Step ? "step" : kind == Kind::Varlen ? "varlen" : "dense";
        std::printf("%-9s %-46s -> %-26s \"%s\"\n", entry, label, pmx_status_name(st), msg.c_str());
        if (!ok) {
            std::printf("FAIL: %s (%s): expected %s with a message starting '%s', outputs untouched\n", label, entry,
                        pmx_status_name(expected), prefix);
            ++failures;
        }
    }
}

// The same rejection for every kind.
void check_rejects_all(pmx_context *ctx, const char *label, const std::function<void(Fixture &)> &mutate,
                       pmx_status expected, const char *prefix) {
    for (Kind k : {Kind::Dense, Kind::Varlen, Kind::Step}) check_rejects(ctx, k, label, mutate, expected, prefix);
}

// cu_seqlens[1] flipped by another thread between two valid splits and an
// invalid one during calls: each call matches one valid version bit for bit
// or is refused naming cu_seqlens.
void cu_seqlens_race() {
    // One library thread, so that the flipper keeps a core on a 2-core machine.
    pmx_context *ctx = nullptr;
    if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS || pmx_context_set_num_threads(ctx, 1) != PMX_STATUS_SUCCESS) {
        expect(false, "race: context");
        return;
    }
    constexpr int64_t kRows = 4096, kC = 64;
    std::mt19937_64 rng(3);
    std::vector<float> x = pmx_test::random_floats(kRows * kC, rng), w = pmx_test::random_floats(kC * 4, rng);
    std::vector<float> out(kRows * kC);
    std::vector<int32_t> cu{0, 1000, int32_t(kRows)};
    pmx_causal_conv1d_params p{};
    p.struct_size = sizeof p;
    p.x = pmx_test::dense(x.data(), PMX_DTYPE_F32, {kRows, kC}, 4);
    p.out = pmx_test::dense(out.data(), PMX_DTYPE_F32, {kRows, kC}, 4);
    p.weight = pmx_test::dense(w.data(), PMX_DTYPE_F32, {kC, 4}, 4);
    p.cu_seqlens = pmx_test::dense(cu.data(), PMX_DTYPE_I32, {3}, 4);
    auto run_with = [&](int32_t split) {
        cu[1] = split;
        expect(pmx_causal_conv1d(ctx, &p) == PMX_STATUS_SUCCESS, "race: a good call");
        return out;
    };
    const std::vector<float> want_a = run_with(1000), want_b = run_with(3000);
    std::atomic<bool> stop{false};
    std::thread flipper([&] {
        // Each value stays a while (a bare store loop leaves one value visible almost always).
        const int32_t values[] = {1000, 3000, 1000, 3000, 1000000000};
        for (unsigned i = 0; !stop.load(std::memory_order_relaxed); ++i) {
            __atomic_store_n(&cu[1], values[i % 5], __ATOMIC_RELAXED);
            for (int spin = 0; spin < 1000 && !stop.load(std::memory_order_relaxed); ++spin) {
            }
        }
    });
    int as_a = 0, as_b = 0, refused = 0, wrong = 0;
    for (int rep = 0; rep < 300; ++rep) {
        const pmx_status st = pmx_causal_conv1d(ctx, &p);
        if (st == PMX_STATUS_SUCCESS) {
            if (std::memcmp(out.data(), want_a.data(), out.size() * 4) == 0) ++as_a;
            else if (std::memcmp(out.data(), want_b.data(), out.size() * 4) == 0) ++as_b;
            else ++wrong;
        } else if (st == PMX_STATUS_INVALID_ARGUMENT && pmx_test::last_error(ctx).rfind("cu_seqlens: ", 0) == 0) {
            ++refused;
        } else {
            ++wrong;
        }
    }
    stop = true;
    flipper.join();
    std::printf("cu_seqlens race: %d calls as version A, %d as B, %d refused, %d mixed or wrong\n", as_a, as_b, refused,
                wrong);
    expect(wrong == 0, "race: every call used one version of cu_seqlens whole, or refused it");
    pmx_context_destroy(ctx);
}

}  // namespace

int main() {
    pmx_context *ctx = nullptr;
    expect(pmx_context_create(&ctx) == PMX_STATUS_SUCCESS, "context_create");
    using F = Fixture;
    const pmx_status INV = PMX_STATUS_INVALID_ARGUMENT;

    // The good fixtures run.
    for (Kind k : {Kind::Dense, Kind::Varlen, Kind::Step}) {
        Fixture f(k);
        expect(call(ctx, k, false, &f.p) == PMX_STATUS_SUCCESS && !std::isnan(f.out[0]) && !std::isnan(f.state_out[0]),
               "good fixture runs: " + pmx_test::last_error(ctx));
        if (k != Kind::Step) expect(call(ctx, k, true, &f.p) == PMX_STATUS_SUCCESS, "good fixture, reference");
    }

    {
        Fixture f(Kind::Dense);
        expect(pmx_causal_conv1d(nullptr, &f.p) == INV, "NULL context rejected");
        expect(pmx_causal_conv1d_step(nullptr, &f.p) == INV, "NULL context rejected (step)");
        expect(pmx_causal_conv1d_reference(nullptr, &f.p) == INV, "NULL context rejected (reference)");
        expect(pmx_causal_conv1d(ctx, nullptr) == INV && pmx_test::last_error(ctx).rfind("params: must not be NULL", 0) == 0,
               "NULL params rejected, naming params");
        expect(pmx_causal_conv1d_step(ctx, nullptr) == INV, "NULL params rejected (step)");
        expect(pmx_causal_conv1d_reference(ctx, nullptr) == INV, "NULL params rejected (reference)");
    }

    // The struct and its scalars.
    check_rejects_all(ctx, "struct_size too small", [](F &f) { f.p.struct_size = 8; }, INV, "params: struct_size 8");
    check_rejects_all(ctx, "struct_size 0", [](F &f) { f.p.struct_size = 0; }, INV, "params: struct_size 0");
    check_rejects_all(ctx, "reserved != 0", [](F &f) { f.p.reserved = 1; }, INV, "reserved: must be 0, got 1");
    check_rejects_all(ctx, "silu = 2", [](F &f) { f.p.silu = 2; }, INV, "silu: must be 0 or 1, got 2");
    check_rejects_all(ctx, "silu = -1", [](F &f) { f.p.silu = -1; }, INV, "silu: must be 0 or 1, got -1");

    // x and out.
    check_rejects(ctx, Kind::Dense, "dense x rank 2", [](F &f) { f.p.x.ndim = 2; }, INV, "x: expected [B, L, C]");
    check_rejects(ctx, Kind::Varlen, "varlen x rank 3", [](F &f) { f.p.x.ndim = 3; }, INV, "x: expected [total, C]");
    check_rejects(ctx, Kind::Step, "step x rank 3", [](F &f) { f.p.x.ndim = 3; }, INV, "x: expected [B, C]");
    check_rejects_all(ctx, "x rank 0", [](F &f) { f.p.x.ndim = 0; }, INV, "x: expected");
    check_rejects_all(ctx, "x i32", [](F &f) { f.p.x.dtype = PMX_DTYPE_I32; }, INV, "x: dtype i32");
    check_rejects_all(ctx, "x undefined dtype", [](F &f) { f.p.x.dtype = 99; }, INV, "x: dtype undefined");
    check_rejects_all(ctx, "NULL x data", [](F &f) { f.p.x.data = nullptr; }, INV, "x: data is NULL");
    check_rejects_all(ctx, "x byte_size too small", [](F &f) { f.p.x.byte_size -= 4; }, INV, "x: the view needs");
    check_rejects_all(ctx, "x on CUDA", [](F &f) { f.p.x.device = PMX_DEVICE_CUDA; }, INV, "x: tensor is on CUDA");
    check_rejects_all(ctx, "x negative stride", [](F &f) { f.p.x.stride[0] = -1; }, INV, "x: stride[0] = -1");
    check_rejects_all(ctx, "x negative shape", [](F &f) { f.p.x.shape[0] = -1; }, INV, "x:");
    check_rejects_all(ctx, "x misaligned data", [](F &f) {
        f.p.x.data = reinterpret_cast<char *>(f.x.data()) + 1;
    }, INV, "x: data is not aligned");
    check_rejects_all(ctx, "x strides overflow", [](F &f) { f.p.x.stride[0] = INT64_MAX / 2; }, INV, "x:");
    check_rejects_all(ctx, "out rank differs", [](F &f) { f.p.out.ndim = 1; }, INV, "out: expected");
    check_rejects_all(ctx, "out C differs", [](F &f) { f.p.out.shape[f.p.out.ndim - 1] = 2; }, INV, "out: shape[");
    check_rejects(ctx, Kind::Dense, "out L differs", [](F &f) { f.p.out.shape[1] = 4; }, INV, "out: shape[1]");
    check_rejects_all(ctx, "NULL out data", [](F &f) { f.p.out.data = nullptr; }, INV, "out: data is NULL");
    check_rejects_all(ctx, "out i32", [](F &f) { f.p.out.dtype = PMX_DTYPE_I32; }, INV, "out: dtype i32");
    check_rejects_all(ctx, "out zero stride", [](F &f) { f.p.out.stride[f.p.out.ndim - 2] = 0; }, INV,
                      "out: strides make elements overlap");

    // weight and bias.
    check_rejects_all(ctx, "weight rank 1", [](F &f) { f.p.weight.ndim = 1; }, INV, "weight: expected 2 dimensions");
    check_rejects_all(ctx, "weight rank 3", [](F &f) { f.p.weight.ndim = 3; }, INV, "weight: expected 2 dimensions");
    check_rejects_all(ctx, "weight C differs", [](F &f) { f.p.weight.shape[0] = 2; }, INV, "weight: shape[0] (C)");
    check_rejects_all(ctx, "W = 0", [](F &f) { f.p.weight.shape[1] = 0; }, INV, "weight: width W = 0 must be in 1..8");
    check_rejects_all(ctx, "W = 9", [](F &f) {
        f.p.weight = pmx_test::dense(f.w.data(), PMX_DTYPE_F32, {F::C, 9}, 4);
    }, INV, "weight: width W = 9 must be in 1..8");
    check_rejects_all(ctx, "W = -1", [](F &f) { f.p.weight.shape[1] = -1; }, INV, "weight:");
    check_rejects_all(ctx, "NULL weight", [](F &f) { f.p.weight.data = nullptr; }, INV, "weight: data is NULL");
    check_rejects_all(ctx, "weight absent", [](F &f) { f.p.weight = pmx_tensor{}; }, INV, "weight: expected 2");
    check_rejects_all(ctx, "weight i32", [](F &f) { f.p.weight.dtype = PMX_DTYPE_I32; }, INV, "weight: dtype i32");
    check_rejects_all(ctx, "weight byte_size too small", [](F &f) { f.p.weight.byte_size = 8; }, INV,
                      "weight: the view needs");
    check_rejects_all(ctx, "bias [C - 1]", [](F &f) { f.p.bias.shape[0] = 2; }, INV, "bias: shape[0] (C)");
    check_rejects_all(ctx, "bias rank 2", [](F &f) { f.p.bias.ndim = 2; }, INV, "bias: expected 1 dimensions");
    check_rejects_all(ctx, "bias i32", [](F &f) { f.p.bias.dtype = PMX_DTYPE_I32; }, INV, "bias: dtype i32");
    check_rejects_all(ctx, "bias shape without data", [](F &f) { f.p.bias.data = nullptr; }, INV, "bias: data is NULL");

    // States.
    check_rejects_all(ctx, "state_in [B, C, W - 2]", [](F &f) { f.p.state_in.shape[2] = F::W - 2; }, INV,
                      "state_in: shape[2] (W - 1)");
    check_rejects_all(ctx, "state_in [B - 1, C, W - 1]", [](F &f) { f.p.state_in.shape[0] -= 1; }, INV,
                      "state_in: shape[0] (B)");
    check_rejects_all(ctx, "state_in [B, C - 1, W - 1]", [](F &f) { f.p.state_in.shape[1] = 2; }, INV,
                      "state_in: shape[1] (C)");
    check_rejects_all(ctx, "state_in rank 2", [](F &f) { f.p.state_in.ndim = 2; }, INV, "state_in: expected 3");
    check_rejects_all(ctx, "state_in i32", [](F &f) { f.p.state_in.dtype = PMX_DTYPE_I32; }, INV, "state_in: dtype i32");
    check_rejects_all(ctx, "state_in byte_size too small", [](F &f) { f.p.state_in.byte_size -= 4; }, INV,
                      "state_in: the view needs");
    check_rejects_all(ctx, "state_out [B, C, W - 2]", [](F &f) { f.p.state_out.shape[2] = 2; }, INV,
                      "state_out: shape[2] (W - 1)");
    check_rejects_all(ctx, "state_out rank 4", [](F &f) { f.p.state_out.ndim = 4; }, INV, "state_out: expected 3");
    check_rejects_all(ctx, "state_out on CUDA", [](F &f) { f.p.state_out.device = PMX_DEVICE_CUDA; }, INV,
                      "state_out: tensor is on CUDA");
    check_rejects_all(ctx, "state_out zero stride", [](F &f) { f.p.state_out.stride[1] = 0; }, INV,
                      "state_out: strides make elements overlap");

    // cu_seqlens.
    check_rejects(ctx, Kind::Dense, "cu_seqlens with rank-3 x", [](F &f) {
        f.p.cu_seqlens = pmx_test::dense(f.cu.data(), PMX_DTYPE_I32, {3}, 4);
    }, INV, "x: expected [total, C]");
    check_rejects(ctx, Kind::Step, "cu_seqlens given to a step", [](F &f) {
        f.p.cu_seqlens = pmx_test::dense(f.cu.data(), PMX_DTYPE_I32, {3}, 4);
    }, INV, "cu_seqlens: must be absent for pmx_causal_conv1d_step");
    check_rejects(ctx, Kind::Varlen, "cu_seqlens not starting at 0", [](F &f) { f.cu[0] = 1; }, INV,
                  "cu_seqlens: must start at 0");
    check_rejects(ctx, Kind::Varlen, "cu_seqlens decreasing", [](F &f) { f.cu[2] = 1; }, INV,
                  "cu_seqlens: decreases at index 2");
    check_rejects(ctx, Kind::Varlen, "cu_seqlens past the rows", [](F &f) { f.cu[3] = 6; }, INV,
                  "cu_seqlens: last entry 6 exceeds the 5 packed rows");
    check_rejects(ctx, Kind::Varlen, "cu_seqlens huge", [](F &f) { f.cu[3] = 2000000000; }, INV, "cu_seqlens: last entry");
    check_rejects(ctx, Kind::Varlen, "cu_seqlens negative", [](F &f) { f.cu[1] = -5; }, INV, "cu_seqlens: decreases");
    check_rejects(ctx, Kind::Varlen, "cu_seqlens f32", [](F &f) { f.p.cu_seqlens.dtype = PMX_DTYPE_F32; }, INV,
                  "cu_seqlens: dtype f32");
    check_rejects(ctx, Kind::Varlen, "cu_seqlens rank 2", [](F &f) { f.p.cu_seqlens.ndim = 2; }, INV,
                  "cu_seqlens: expected [B + 1]");
    check_rejects(ctx, Kind::Varlen, "cu_seqlens shape [0]", [](F &f) { f.p.cu_seqlens.shape[0] = 0; }, INV,
                  "cu_seqlens: needs shape [B + 1]");
    check_rejects(ctx, Kind::Varlen, "cu_seqlens stride 2", [](F &f) {
        f.p.cu_seqlens = pmx_test::view(f.cu.data(), PMX_DTYPE_I32, {2}, {2}, 16);
    }, INV, "cu_seqlens: must be contiguous");
    check_rejects(ctx, Kind::Varlen, "cu_seqlens byte_size too small", [](F &f) { f.p.cu_seqlens.byte_size = 12; }, INV,
                  "cu_seqlens: the view needs");
    check_rejects(ctx, Kind::Varlen, "cu_seqlens NULL data", [](F &f) { f.p.cu_seqlens.data = nullptr; }, INV,
                  "cu_seqlens: data is NULL");
    check_rejects(ctx, Kind::Varlen, "state_in of the dense B, not cu_seqlens' B", [](F &f) {
        f.p.state_in.shape[0] = 2;
    }, INV, "state_in: shape[0] (B)");

    // Aliasing.
    check_rejects(ctx, Kind::Dense, "out is x", [](F &f) { f.p.out = f.p.x; }, INV, "out: overlaps x");
    check_rejects(ctx, Kind::Dense, "out overlaps x (one row later)", [](F &f) {
        f.p.x.shape[1] = 2;
        f.p.out = f.p.x;
        f.p.out.data = f.x.data() + F::C;
        f.p.out.byte_size -= F::C * 4;
    }, INV, "out: overlaps x");
    check_rejects(ctx, Kind::Step, "step out is x", [](F &f) { f.p.out = f.p.x; }, INV, "out: overlaps x");
    check_rejects_all(ctx, "out overlaps weight", [](F &f) {
        f.p.out.data = f.w.data();
        f.p.out.byte_size = int64_t(f.w.size()) * 4;
        const int64_t n = f.p.out.ndim;
        for (int64_t d = 0; d < n - 1; ++d) f.p.out.shape[d] = 1;
        for (int64_t d = 0; d < n - 1; ++d) f.p.x.shape[d] = 1;
        if (f.kind == Kind::Varlen) f.cu = {0, 1, 1, 1};
        f.p.state_in = f.p.state_out = pmx_tensor{};
    }, INV, "out: overlaps weight");
    check_rejects_all(ctx, "out overlaps bias", [](F &f) {
        f.p.bias = f.p.out;
        f.p.bias.ndim = 1;
        f.p.bias.shape[0] = F::C;
        f.p.bias.stride[0] = 1;
    }, INV, "out: overlaps bias");
    check_rejects_all(ctx, "out overlaps state_out", [](F &f) {
        f.p.out.data = f.spare.data();
        f.p.out.byte_size = 30 * 4;
        f.p.state_out.data = f.spare.data() + 2;
        f.p.state_out.byte_size = 30 * 4;
    }, INV, "out: overlaps state_out");
    check_rejects_all(ctx, "state_out overlaps state_in partially", [](F &f) {
        f.p.state_out.data = f.state_in.data() + 1;
        f.p.state_out.byte_size = int64_t(f.state_in.size() - 1) * 4;
        f.p.state_in.shape[0] = f.p.state_out.shape[0] = 1;
        if (f.kind == Kind::Varlen) f.p.cu_seqlens.shape[0] = 2;
        else {
            f.p.x.shape[0] = f.p.out.shape[0] = 1;
        }
    }, INV, "state_out: overlaps state_in");
    check_rejects(ctx, Kind::Dense, "state_out is state_in (whole call)", [](F &f) { f.p.state_out = f.p.state_in; },
                  INV, "state_out: overlaps state_in");
    check_rejects(ctx, Kind::Varlen, "state_out is state_in (varlen)", [](F &f) { f.p.state_out = f.p.state_in; },
                  INV, "state_out: overlaps state_in");
    check_rejects(ctx, Kind::Step, "step state_out = state_in, other strides", [](F &f) {
        f.p.state_out = f.p.state_in;
        f.p.state_out.stride[1] = 1;  // [B, C, W - 1] over [B, W - 1, C] memory: same bytes, other elements
        f.p.state_out.stride[2] = F::C;
    }, INV, "state_out: overlaps state_in");
    check_rejects(ctx, Kind::Step, "step state_out = state_in as f64 bytes", [](F &f) {
        f.p.state_out = f.p.state_in;
        f.p.state_out.shape[0] = 1;
        f.p.state_in.shape[0] = 1;
        f.p.x.shape[0] = f.p.out.shape[0] = 1;
        f.p.state_out.dtype = PMX_DTYPE_F64;  // refused as a dtype first
    }, INV, "state_out: dtype f64");
    check_rejects(ctx, Kind::Step, "step out overlaps state_in", [](F &f) {
        f.p.out.data = f.state_in.data();
        f.p.out.byte_size = int64_t(f.state_in.size()) * 4;
    }, INV, "out: overlaps state_in");
    check_rejects(ctx, Kind::Varlen, "state_out overlaps cu_seqlens", [](F &f) {
        f.p.state_out = pmx_test::dense(f.cu.data(), PMX_DTYPE_F32, {3, 1, 1}, 4);
        f.p.weight = pmx_test::dense(f.w.data(), PMX_DTYPE_F32, {F::C, 2}, 4);
        f.p.state_in = pmx_tensor{};
        f.p.x.shape[1] = f.p.out.shape[1] = 1;
        f.p.weight.shape[0] = f.p.bias.shape[0] = 1;
    }, INV, "state_out: overlaps cu_seqlens");

    // dtypes: the kernels take F32 only, the reference F64 too.
    for (Kind k : {Kind::Dense, Kind::Step}) {
        Fixture f(k);
        f.p.x.dtype = PMX_DTYPE_F16;
        const pmx_status st = call(ctx, k, false, &f.p);
        expect(st == PMX_STATUS_UNSUPPORTED && pmx_test::last_error(ctx).rfind("x: dtype f16 is not supported", 0) == 0,
               "f16 x is UNSUPPORTED");
        if (k == Kind::Dense)
            expect(pmx_causal_conv1d_reference(ctx, &f.p) == INV &&
                       pmx_test::last_error(ctx).rfind("x: dtype f16", 0) == 0,
                   "pmx_causal_conv1d_reference: f16 x is INVALID_ARGUMENT");
    }
    {
        Fixture f(Kind::Dense);
        f.p.weight.dtype = PMX_DTYPE_BF16;
        expect(pmx_causal_conv1d(ctx, &f.p) == PMX_STATUS_UNSUPPORTED &&
                   pmx_test::last_error(ctx).rfind("weight: dtype bf16 is not supported", 0) == 0,
               "bf16 weight is UNSUPPORTED");
    }
    {
        Fixture f(Kind::Dense);
        std::vector<double> out64(f.out.size(), NAN);
        f.p.out = pmx_test::dense(out64.data(), PMX_DTYPE_F64, {F::B, F::L, F::C}, 8);
        expect(pmx_causal_conv1d(ctx, &f.p) == INV && pmx_test::last_error(ctx).rfind("out: dtype f64", 0) == 0,
               "pmx_causal_conv1d refuses f64 out");
        expect(pmx_causal_conv1d_reference(ctx, &f.p) == PMX_STATUS_SUCCESS && !std::isnan(out64[0]),
               "pmx_causal_conv1d_reference accepts f64 out");
    }

    // Good calls still work; the step's in-place state is accepted.
    {
        Fixture f(Kind::Dense);
        expect(pmx_causal_conv1d(ctx, &f.p) == PMX_STATUS_SUCCESS && !std::isnan(f.out[0]), "good call after failures");
        Fixture s(Kind::Step);
        s.p.state_out = s.p.state_in;
        expect(pmx_causal_conv1d_step(ctx, &s.p) == PMX_STATUS_SUCCESS, "step: exact in-place state accepted");
        // In place, state[b, c, :] is now the old state[b, c, 1:] then x[b, c].
        Fixture s0(Kind::Step);
        expect(s.state_in[0] == s0.state_in[1] && s.state_in[1] == s0.state_in[2] && s.state_in[2] == s0.x[0],
               "step: in-place state rolled by one token");
        // Strides of extent-1 dimensions never address anything: still in place.
        Fixture s1(Kind::Step);
        s1.p.state_out = s1.p.state_in;
        s1.p.state_in.shape[0] = s1.p.state_out.shape[0] = 1;
        s1.p.x.shape[0] = s1.p.out.shape[0] = 1;
        s1.p.state_out.stride[0] = 12345;
        expect(pmx_causal_conv1d_step(ctx, &s1.p) == PMX_STATUS_SUCCESS, "step: in place with another batch stride at B = 1");
    }

    // B = 2^40 sequences of length 0 without state_out: valid, nothing to write (and no overflow).
    {
        Fixture f(Kind::Dense);
        const int64_t huge = int64_t(1) << 40;
        f.p.x.shape[0] = f.p.out.shape[0] = huge;
        f.p.x.shape[1] = f.p.out.shape[1] = 0;
        f.p.state_in = pmx_test::view(f.state_in.data(), PMX_DTYPE_F32, {huge, F::C, F::W - 1}, {0, F::W - 1, 1},
                                      int64_t(f.state_in.size()) * 4);
        f.p.state_out = pmx_tensor{};
        expect(pmx_causal_conv1d(ctx, &f.p) == PMX_STATUS_SUCCESS && f.outputs_untouched(),
               "B = 2^40, L = 0, no state_out: nothing to do");
    }

    cu_seqlens_race();

    pmx_context_destroy(ctx);
    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
