// What the linear-attention validation tests share
// (test_linear_validation_attention: pmx_linear_attention's fields, shapes,
// dtypes, feature maps and step form; test_linear_validation_recurrence:
// pmx_linear_recurrence's rules, decay and beta, their values, the step;
// test_linear_validation_memory: aliasing, workspaces, contexts): a small
// good fixture per family, one entry point called on it, and the check that
// a mutation of it gets the documented status from every entry point (the
// kernel, its size query, the reference; or the step) with a message that
// starts with the argument's name, every buffer left byte for byte as it was.
// Good calls must succeed and write every output element (their values are
// the kernel tests' business). Header-only, C API only.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "panamax/panamax.h"
#include "test_support.h"

namespace linear_validation {

inline int failures = 0;

enum Which { KERNEL = 0, SIZE_QUERY = 1, REFERENCE = 2 };
const char *const kWhichName[] = {"", " (size query)", " (reference)"};

// Flags of a check.
enum {
    SIZE_OK = 1,  // the size query accepts it (it reads no data and checks no aliasing)
    REF_OK = 2,   // the reference accepts it (F64 tensors)
    NO_REF = 4,   // the reference is not asked
    REF_BAD = 8,  // the reference refuses it with INVALID_ARGUMENT (F16: not a reference dtype)
};

constexpr int64_t kPad = 16;  // spare elements behind every buffer

// Bytes of every buffer, to tell that a refused call wrote nothing anywhere.
struct Snapshot {
    std::vector<std::vector<unsigned char>> bytes;
    template <class F>
    explicit Snapshot(const F &f) {
        for (const auto &r : f.regions()) {
            const auto *p = static_cast<const unsigned char *>(r.first);
            bytes.emplace_back(p, p + r.second);
        }
    }
    template <class F>
    bool same(const F &f) const {
        size_t i = 0;
        for (const auto &r : f.regions())
            if (std::memcmp(bytes[i++].data(), r.first, r.second) != 0) return false;
        return true;
    }
};

using Regions = std::vector<std::pair<const void *, size_t>>;

template <class V>
void add_region(Regions &r, const std::vector<V> &v) {
    r.emplace_back(v.data(), v.size() * sizeof(V));
}

// True when every element of an F32 output view (up to 4 dimensions; absent
// or empty: trivially) differs from the poison the fixtures fill outputs with.
inline bool all_written(const pmx_tensor &t) {
    if (t.data == nullptr || t.dtype != PMX_DTYPE_F32) return true;
    int64_t shape[4] = {1, 1, 1, 1}, stride[4] = {0, 0, 0, 0};
    const int off = 4 - t.ndim;
    for (int d = 0; d < t.ndim; ++d) shape[off + d] = t.shape[d], stride[off + d] = t.stride[d];
    const float *x = static_cast<const float *>(t.data);
    for (int64_t a = 0; a < shape[0]; ++a)
        for (int64_t b = 0; b < shape[1]; ++b)
            for (int64_t c = 0; c < shape[2]; ++c)
                for (int64_t d = 0; d < shape[3]; ++d)
                    if (pmx_test::is_poison(x[a * stride[0] + b * stride[1] + c * stride[2] + d * stride[3]]))
                        return false;
    return true;
}

inline std::vector<float> poisoned(int64_t n) { return std::vector<float>(size_t(n + kPad), pmx_test::poison()); }

inline std::vector<float> filled(int64_t n, std::mt19937_64 &rng, float lo, float hi) {
    return pmx_test::random_floats(size_t(n + kPad), rng, lo, hi);
}

// ---- kernel linear attention ----------------------------------------------------

struct AttnFixture {
    static constexpr int64_t B = 2, N = 5, H = 4, Hkv = 2, Dk = 3, Dv = 4, M = 7;
    std::vector<float> q, k, v, w, s_in, n_in, out, s_out, n_out, spare;
    std::vector<double> q64, w64;
    pmx_linear_attention_params p{};
    bool step = false, null_params = false;

    AttnFixture() {
        std::mt19937_64 rng(12);
        q = filled(B * N * H * Dk, rng, -1.f, 1.f);
        k = filled(B * N * Hkv * Dk, rng, -1.f, 1.f);
        v = filled(B * N * Hkv * Dv, rng, -1.f, 1.f);
        w = filled(M * Dk, rng, -1.f, 1.f);
        s_in = filled(B * Hkv * M * Dv, rng, 0.f, 1.f);
        n_in = filled(B * Hkv * M, rng, 0.5f, 1.f);
        spare = filled(1024, rng, -1.f, 1.f);
        q64.assign(q.begin(), q.end());
        w64.assign(w.begin(), w.end());
        out = poisoned(B * N * H * Dv);
        s_out = poisoned(B * Hkv * M * Dv);
        n_out = poisoned(B * Hkv * M);
        p.struct_size = sizeof p;
        p.q = tens(q, {B, N, H, Dk});
        p.k = tens(k, {B, N, Hkv, Dk});
        p.v = tens(v, {B, N, Hkv, Dv});
        p.state_in = tens(s_in, {B, Hkv, Dk, Dv});
        p.norm_in = tens(n_in, {B, Hkv, Dk});
        p.feature_map = PMX_FEATURE_ELU1;
        p.causal = 1;
        p.normalize = 1;
        p.eps = 1e-6;
        p.out = tens(out, {B, N, H, Dv});
        p.state_out = tens(s_out, {B, Hkv, Dk, Dv});
        p.norm_out = tens(n_out, {B, Hkv, Dk});
    }

    // A dense F32 view of a fixture buffer (byte_size: the whole buffer).
    static pmx_tensor tens(std::vector<float> &buf, std::initializer_list<int64_t> shape) {
        pmx_tensor t = pmx_test::dense(buf.data(), PMX_DTYPE_F32, shape, 4);
        t.byte_size = int64_t(buf.size() * sizeof(float));
        return t;
    }
    static pmx_tensor tens64(std::vector<double> &buf, std::initializer_list<int64_t> shape) {
        pmx_tensor t = pmx_test::dense(buf.data(), PMX_DTYPE_F64, shape, 8);
        t.byte_size = int64_t(buf.size() * sizeof(double));
        return t;
    }

    // FAVOR+ with m = M random features: states [B, Hkv, M, Dv].
    void make_favor() {
        p.feature_map = PMX_FEATURE_FAVOR;
        p.random_matrix = tens(w, {M, Dk});
        p.state_in = tens(s_in, {B, Hkv, M, Dv});
        p.norm_in = tens(n_in, {B, Hkv, M});
        p.state_out = tens(s_out, {B, Hkv, M, Dv});
        p.norm_out = tens(n_out, {B, Hkv, M});
    }

    // The one-token form: q [B, H, Dk], k [B, Hkv, Dk], v [B, Hkv, Dv].
    void make_step() {
        step = true;
        p.q = tens(q, {B, H, Dk});
        p.k = tens(k, {B, Hkv, Dk});
        p.v = tens(v, {B, Hkv, Dv});
        p.out = tens(out, {B, H, Dv});
    }

    bool outputs_written() const {
        return all_written(p.out) && all_written(p.state_out) && all_written(p.norm_out);
    }

    Regions regions() const {
        Regions r;
        for (const auto *b : {&q, &k, &v, &w, &s_in, &n_in, &out, &s_out, &n_out, &spare}) add_region(r, *b);
        add_region(r, q64);
        add_region(r, w64);
        return r;
    }

    // The kernel with the workspace its size query asks for (64 bytes when
    // the query refuses: the kernel must refuse the same way before it looks
    // at the workspace), the size query alone, the reference; or the step.
    pmx_status run(pmx_context *ctx, Which which) {
        const pmx_linear_attention_params *pp = null_params ? nullptr : &p;
        if (step) return pmx_linear_attention_step(ctx, pp);
        if (which == REFERENCE) return pmx_linear_attention_reference(ctx, pp);
        int64_t bytes = 0;
        const pmx_status st = pmx_linear_attention_workspace_size(ctx, pp, &bytes);
        if (which == SIZE_QUERY) return st;
        if (st != PMX_STATUS_SUCCESS) bytes = 64;
        pmx_test::Aligned ws{size_t(bytes)};
        return pmx_linear_attention(ctx, pp, ws.p, bytes);
    }
};

// ---- update rules -------------------------------------------------------------------

struct RecFixture {
    static constexpr int64_t B = 2, N = 5, H = 4, Hkv = 2, Dk = 3, Dv = 4;
    std::vector<float> q, k, v, decay, beta, s_in, out, s_out, spare;
    std::vector<double> q64, decay64, beta64;
    pmx_linear_recurrence_params p{};
    bool step = false, null_params = false;

    // GATED_DELTA with a decay per head, beta and both states.
    RecFixture() {
        std::mt19937_64 rng(13);
        q = filled(B * N * H * Dk, rng, -1.f, 1.f);
        k = filled(B * N * Hkv * Dk, rng, -0.5f, 0.5f);
        v = filled(B * N * Hkv * Dv, rng, -1.f, 1.f);
        decay = filled(B * N * Hkv * Dk, rng, 0.5f, 1.f);
        beta = filled(B * N * Hkv, rng, 0.f, 1.f);
        s_in = filled(B * Hkv * Dk * Dv, rng, -1.f, 1.f);
        spare = filled(1024, rng, 0.25f, 0.75f);
        q64.assign(q.begin(), q.end());
        decay64.assign(decay.begin(), decay.end());
        beta64.assign(beta.begin(), beta.end());
        out = poisoned(B * N * H * Dv);
        s_out = poisoned(B * Hkv * Dk * Dv);
        p.struct_size = sizeof p;
        p.q = tens(q, {B, N, H, Dk});
        p.k = tens(k, {B, N, Hkv, Dk});
        p.v = tens(v, {B, N, Hkv, Dv});
        p.decay = tens(decay, {B, N, Hkv});
        p.beta = tens(beta, {B, N, Hkv});
        p.state_in = tens(s_in, {B, Hkv, Dk, Dv});
        p.rule = PMX_RULE_GATED_DELTA;
        p.out = tens(out, {B, N, H, Dv});
        p.state_out = tens(s_out, {B, Hkv, Dk, Dv});
    }

    static pmx_tensor tens(std::vector<float> &buf, std::initializer_list<int64_t> shape) {
        return AttnFixture::tens(buf, shape);
    }
    static pmx_tensor tens64(std::vector<double> &buf, std::initializer_list<int64_t> shape) {
        return AttnFixture::tens64(buf, shape);
    }

    // The rule with exactly the gates it takes (per-key decay: GATED only).
    void make_rule(int32_t rule, bool per_key = false) {
        p.rule = rule;
        const bool gated = rule == PMX_RULE_GATED || rule == PMX_RULE_GATED_DELTA;
        const bool delta = rule == PMX_RULE_DELTA || rule == PMX_RULE_GATED_DELTA;
        p.decay = !gated        ? pmx_tensor{}
                  : step        ? (per_key ? tens(decay, {B, Hkv, Dk}) : tens(decay, {B, Hkv}))
                  : per_key     ? tens(decay, {B, N, Hkv, Dk})
                                : tens(decay, {B, N, Hkv});
        p.beta = !delta ? pmx_tensor{} : step ? tens(beta, {B, Hkv}) : tens(beta, {B, N, Hkv});
    }

    // The one-token form (call before make_rule to change the rule).
    void make_step() {
        step = true;
        p.q = tens(q, {B, H, Dk});
        p.k = tens(k, {B, Hkv, Dk});
        p.v = tens(v, {B, Hkv, Dv});
        p.out = tens(out, {B, H, Dv});
        make_rule(p.rule, p.decay.ndim == 4);
    }

    bool outputs_written() const { return all_written(p.out) && all_written(p.state_out); }

    Regions regions() const {
        Regions r;
        for (const auto *b : {&q, &k, &v, &decay, &beta, &s_in, &out, &s_out, &spare}) add_region(r, *b);
        add_region(r, q64);
        add_region(r, decay64);
        add_region(r, beta64);
        return r;
    }

    pmx_status run(pmx_context *ctx, Which which) {
        const pmx_linear_recurrence_params *pp = null_params ? nullptr : &p;
        if (step) return pmx_linear_recurrence_step(ctx, pp);
        if (which == REFERENCE) return pmx_linear_recurrence_reference(ctx, pp);
        int64_t bytes = 0;
        const pmx_status st = pmx_linear_recurrence_workspace_size(ctx, pp, &bytes);
        if (which == SIZE_QUERY) return st;
        if (st != PMX_STATUS_SUCCESS) bytes = 64;
        pmx_test::Aligned ws{size_t(bytes)};
        return pmx_linear_recurrence(ctx, pp, ws.p, bytes);
    }
};

// ---- the checks ---------------------------------------------------------------------

inline bool starts_with(const std::string &s, const char *prefix) { return s.rfind(prefix, 0) == 0; }

// A mutation of the good fixture F: `want` from the kernel (or the step),
// the size query and the reference unless flags say otherwise, with a
// message starting with `prefix` and every buffer unchanged.
template <class F>
void check(pmx_context *ctx, const char *label, const std::function<void(F &)> &mutate, pmx_status want,
           const char *prefix, int flags = 0) {
    for (Which which : {KERNEL, SIZE_QUERY, REFERENCE}) {
        F f;
        mutate(f);
        if (f.step && which != KERNEL) continue;
        if (which == REFERENCE && (flags & NO_REF)) continue;
        pmx_status expected = want;
        if (which == SIZE_QUERY && (flags & SIZE_OK)) expected = PMX_STATUS_SUCCESS;
        if (which == REFERENCE && (flags & REF_OK)) expected = PMX_STATUS_SUCCESS;
        if (which == REFERENCE && (flags & REF_BAD)) expected = PMX_STATUS_INVALID_ARGUMENT;
        const Snapshot before(f);
        const pmx_status st = f.run(ctx, which);
        const std::string msg = pmx_test::last_error(ctx);
        const bool ok = expected == PMX_STATUS_SUCCESS
                            ? st == PMX_STATUS_SUCCESS && (which == SIZE_QUERY || f.outputs_written())
                            : st == expected && starts_with(msg, prefix) && before.same(f);
        if (which == KERNEL) std::printf("%-52s -> %-28s \"%s\"\n", label, pmx_status_name(st), msg.c_str());
        if (!ok) {
            std::printf("FAIL: %s%s: expected %s%s%s%s (got %s \"%s\"%s)\n", label, kWhichName[which],
                        pmx_status_name(expected), expected == PMX_STATUS_SUCCESS ? "" : " with a message starting '",
                        expected == PMX_STATUS_SUCCESS ? "" : prefix,
                        expected == PMX_STATUS_SUCCESS ? "" : "', every buffer unchanged", pmx_status_name(st),
                        msg.c_str(), before.same(f) ? "" : ", a buffer changed");
            ++failures;
        }
    }
}

// A good form of F through the kernel (or the step), its size query and the
// reference: success, every output element written.
template <class F>
void good(pmx_context *ctx, const char *label, const std::function<void(F &)> &mutate, int flags = 0) {
    for (Which which : {KERNEL, SIZE_QUERY, REFERENCE}) {
        F f;
        mutate(f);
        if (f.step && which != KERNEL) continue;
        if (which == REFERENCE && (flags & NO_REF)) continue;
        const pmx_status st = f.run(ctx, which);
        if (st != PMX_STATUS_SUCCESS || (which != SIZE_QUERY && !f.outputs_written())) {
            std::printf("FAIL: good call %s%s: %s \"%s\"%s\n", label, kWhichName[which], pmx_status_name(st),
                        pmx_test::last_error(ctx).c_str(),
                        st == PMX_STATUS_SUCCESS ? ", an output element left unwritten" : "");
            ++failures;
        }
    }
}

inline int finish(pmx_context *ctx) {
    pmx_context_destroy(ctx);
    std::printf("%s (%d failures)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}

}  // namespace linear_validation
