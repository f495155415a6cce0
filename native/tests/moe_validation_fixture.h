// What the Mixture-of-Experts validation tests share (test_moe_validation_params:
// the params structs, their plain fields, the limits on E and the values read
// from the tensors; test_moe_validation_tensors: dtypes, ranks, shapes,
// presence, sizes, strides, devices; test_moe_validation_memory: aliasing and
// workspaces): a small good fixture, one entry point called on it, and the
// check that a mutation of it gets a failing status from every entry point
// (pmx_moe_router, pmx_moe_permute, pmx_moe_experts, pmx_moe_combine, pmx_moe,
// their size queries and pmx_moe_reference) with a message naming the
// argument, nothing written. Each test makes the good calls before and after
// its checks. Header-only, C API only.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "panamax/panamax.h"
#include "test_support.h"

namespace moe_validation {

inline int failures = 0;

enum Op { ROUTER = 1, PERMUTE = 2, EXPERTS = 4, COMBINE = 8, MOE = 16 };
constexpr int ALL_OPS = ROUTER | PERMUTE | EXPERTS | COMBINE | MOE;
// The router's and the experts' arguments, which pmx_moe takes too.
constexpr int RM = ROUTER | MOE, EM = EXPERTS | MOE;
enum Which { KERNEL = 0, SIZE_QUERY = 1, REFERENCE = 2 };
const char *const kWhichName[] = {"", " (size query)", " (reference)"};

// Flags of a check.
enum {
    NO_SIZE = 1,       // the size query is not asked (values, aliasing: the kernel's business)
    NO_REF = 2,        // pmx_moe_reference is not asked
    NO_UNTOUCHED = 4,  // outputs may have been written before the failure showed (computed logits)
    ANY_FAIL = 8,      // any failing status (e.g. UNSUPPORTED for F16), not only INVALID_ARGUMENT
};

inline const char *op_name(int op) {
    switch (op) {
        case ROUTER: return "router";
        case PERMUTE: return "permute";
        case EXPERTS: return "experts";
        case COMBINE: return "combine";
        default: return "moe";
    }
}

constexpr int64_t kPad = 64;  // spare elements behind every buffer: reshaped views stay inside

template <class V>
pmx_tensor tens(std::vector<V> &v, int32_t dtype, std::initializer_list<int64_t> shape) {
    pmx_tensor t = pmx_test::dense(v.data(), dtype, shape, int64_t(sizeof(V)));
    t.byte_size = int64_t(v.size() * sizeof(V));
    return t;
}

struct Fixture {
    static constexpr int64_t T = 6, d = 5, E = 4, k = 2, h = 7, R = T * k, BIG_E = PMX_MAX_MOE_EXPERTS + 1;
    std::vector<float> x, gw, logits, lout, w1, w2, w3, b1, b2, b3, weights, xs, ys, out, aux, z, spare, big;
    std::vector<double> x64;
    std::vector<int32_t> idx, counts, offsets, rows, big_offsets;
    std::vector<uint8_t> dropped;
    pmx_tensor tx{}, tgw{}, tlogits{}, tidx{}, tweights{}, tcounts{}, tdropped{}, taux{}, tz{};
    pmx_tensor txs{}, toffsets{}, trows{}, tw1{}, tw2{}, tw3{}, tb1{}, tb2{}, tb3{}, tys{}, tout{};
    int32_t top_k = int32_t(k), scoring = PMX_MOE_SOFTMAX, renorm = 1, r_reserved = 0;
    int32_t activation = PMX_MOE_SILU, e_reserved = 0, m_reserved = 0;
    double cf = 1.0, noise_std = 0.0;
    int64_t experts = E;
    int64_t router_size = sizeof(pmx_moe_router_params), permute_size = sizeof(pmx_moe_permute_params);
    int64_t experts_size = sizeof(pmx_moe_experts_params), combine_size = sizeof(pmx_moe_combine_params);
    int64_t moe_size = sizeof(pmx_moe_params), moe_router_size = sizeof(pmx_moe_router_params);
    bool null_params = false;

    template <class V>
    static std::vector<V> sized(int64_t n, V fill) { return std::vector<V>(size_t(n + kPad), fill); }

    Fixture() {
        std::mt19937_64 rng(11);
        auto rnd = [&](int64_t n, float lo = -1.f, float hi = 1.f) {
            std::vector<float> v = pmx_test::random_floats(size_t(n + kPad), rng, lo, hi);
            return v;
        };
        x = rnd(T * d);
        gw = rnd(d * E, -0.5f, 0.5f);
        logits = rnd(T * E, -2.f, 2.f);
        lout = sized<float>(T * E, NAN);
        w1 = rnd(E * d * h), w2 = rnd(E * h * d), w3 = rnd(E * d * h);
        b1 = rnd(E * h), b2 = rnd(E * d), b3 = rnd(E * h);
        weights = rnd(T * k, 0.1f, 1.f);
        xs = rnd(R * d), ys = rnd(R * d);
        out = sized<float>(T * d, NAN);
        aux = sized<float>(1, NAN), z = sized<float>(1, NAN);
        spare = rnd(4096);
        x64.assign(x.begin(), x.end());
        idx = sized<int32_t>(T * k, 0);
        for (int64_t t = 0; t < T; ++t) idx[size_t(t * k)] = int32_t(t % E), idx[size_t(t * k + 1)] = int32_t((t + 1) % E);
        counts = sized<int32_t>(E, -7);
        dropped = sized<uint8_t>(T * k, 0);
        dropped[size_t(T * k - 1)] = 1;
        offsets = {0, 3, 3, 7, 10};
        offsets.resize(size_t(E + 1 + kPad), 0);
        rows = {0, 1, 2, -1, 3, 4, 5, 6, 7, 8, 9, -1};
        rows.resize(size_t(R + kPad), 0);

        tx = tens(x, PMX_DTYPE_F32, {T, d});
        tlogits = tens(logits, PMX_DTYPE_F32, {T, E});
        tidx = tens(idx, PMX_DTYPE_I32, {T, k});
        tweights = tens(weights, PMX_DTYPE_F32, {T, k});
        tcounts = tens(counts, PMX_DTYPE_I32, {E});
        tdropped = tens(dropped, PMX_DTYPE_U8, {T, k});
        taux = tens(aux, PMX_DTYPE_F32, {1});
        tz = tens(z, PMX_DTYPE_F32, {1});
        txs = tens(xs, PMX_DTYPE_F32, {R, d});
        toffsets = tens(offsets, PMX_DTYPE_I32, {E + 1});
        trows = tens(rows, PMX_DTYPE_I32, {T, k});
        tw1 = tens(w1, PMX_DTYPE_F32, {E, d, h});
        tw2 = tens(w2, PMX_DTYPE_F32, {E, h, d});
        tw3 = tens(w3, PMX_DTYPE_F32, {E, d, h});
        tb1 = tens(b1, PMX_DTYPE_F32, {E, h});
        tb2 = tens(b2, PMX_DTYPE_F32, {E, d});
        tb3 = tens(b3, PMX_DTYPE_F32, {E, h});
        tys = tens(ys, PMX_DTYPE_F32, {R, d});
        tout = tens(out, PMX_DTYPE_F32, {T, d});
    }

    // The router computes the logits as x·gate_weight (and writes them to
    // lout when asked).
    void use_gate(bool logits_out) {
        tgw = tens(gw, PMX_DTYPE_F32, {d, E});
        tlogits = logits_out ? tens(lout, PMX_DTYPE_F32, {T, E}) : pmx_tensor{};
    }

    // E = PMX_MAX_MOE_EXPERTS + 1 experts: logits [T, BIG_E], and for the
    // layer weights with a zero stride over the experts.
    void make_big_e() {
        std::mt19937_64 rng(3);
        big = pmx_test::random_floats(size_t(T * BIG_E), rng, -1.f, 1.f);
        tlogits = tens(big, PMX_DTYPE_F32, {T, BIG_E});
        tcounts = pmx_tensor{};
        auto zero_e = [](pmx_tensor t, int64_t e) {
            t.shape[0] = e;
            t.stride[0] = 0;
            return t;
        };
        tw1 = zero_e(tw1, BIG_E), tw2 = zero_e(tw2, BIG_E), tw3 = zero_e(tw3, BIG_E);
        tb1 = zero_e(tb1, BIG_E), tb2 = zero_e(tb2, BIG_E), tb3 = zero_e(tb3, BIG_E);
        big_offsets.assign(size_t(BIG_E + 1), 0);
        toffsets = tens(big_offsets, PMX_DTYPE_I32, {BIG_E + 1});
        experts = BIG_E;
    }

    pmx_moe_router_params router() const {
        pmx_moe_router_params p{};
        p.struct_size = router_size;
        p.x = tx;
        p.gate_weight = tgw;
        p.logits = tlogits;
        p.top_k = top_k;
        p.scoring = scoring;
        p.renormalize = renorm;
        p.reserved = r_reserved;
        p.capacity_factor = cf;
        p.noise_std = noise_std;
        p.noise_seed = 7;
        p.indices = tidx;
        p.weights = tweights;
        p.counts = tcounts;
        p.dropped = tdropped;
        p.aux_loss = taux;
        p.z_loss = tz;
        return p;
    }
    pmx_moe_permute_params permute() const {
        pmx_moe_permute_params p{};
        p.struct_size = permute_size;
        p.x = tx;
        p.indices = tidx;
        p.dropped = tdropped;
        p.experts = experts;
        p.x_sorted = txs;
        p.offsets = toffsets;
        p.rows = trows;
        return p;
    }
    pmx_moe_experts_params experts_params() const {
        pmx_moe_experts_params p{};
        p.struct_size = experts_size;
        p.x_sorted = txs;
        p.offsets = toffsets;
        p.w1 = tw1, p.w2 = tw2, p.w3 = tw3, p.b1 = tb1, p.b2 = tb2, p.b3 = tb3;
        p.activation = activation;
        p.reserved = e_reserved;
        p.y_sorted = tys;
        return p;
    }
    pmx_moe_combine_params combine() const {
        pmx_moe_combine_params p{};
        p.struct_size = combine_size;
        p.y_sorted = tys;
        p.rows = trows;
        p.weights = tweights;
        p.out = tout;
        return p;
    }
    pmx_moe_params moe() const {
        pmx_moe_params p{};
        p.struct_size = moe_size;
        p.router = router();
        p.router.struct_size = moe_router_size;
        p.w1 = tw1, p.w2 = tw2, p.w3 = tw3, p.b1 = tb1, p.b2 = tb2, p.b3 = tb3;
        p.activation = activation;
        p.reserved = m_reserved;
        p.out = tout;
        return p;
    }

    // Every byte of every buffer: a refused call changes none.
    std::vector<uint8_t> image() const {
        std::vector<uint8_t> im;
        auto add = [&](const auto &v) {
            const uint8_t *p = reinterpret_cast<const uint8_t *>(v.data());
            im.insert(im.end(), p, p + v.size() * sizeof(v[0]));
        };
        add(x), add(gw), add(logits), add(lout), add(w1), add(w2), add(w3), add(b1), add(b2), add(b3);
        add(weights), add(xs), add(ys), add(out), add(aux), add(z), add(spare), add(big), add(x64);
        add(idx), add(counts), add(offsets), add(rows), add(big_offsets), add(dropped);
        return im;
    }
};

using F = Fixture;

inline bool has_size_query(int op) { return op == ROUTER || op == EXPERTS || op == MOE; }

// One entry point on the fixture's params, with the workspace its size query
// asks for (a token 64 bytes when the query refuses the params: the kernel
// must then refuse them the same way).
inline pmx_status call(pmx_context *ctx, Fixture &f, int op, Which which) {
    int64_t bytes = 0;
    pmx_status st = PMX_STATUS_SUCCESS;
    switch (op) {
        case ROUTER: {
            const pmx_moe_router_params p = f.router();
            const pmx_moe_router_params *pp = f.null_params ? nullptr : &p;
            st = pmx_moe_router_workspace_size(ctx, pp, &bytes);
            if (which == SIZE_QUERY) return st;
            if (st != PMX_STATUS_SUCCESS) bytes = 64;
            pmx_test::Aligned ws{size_t(bytes)};
            return pmx_moe_router(ctx, pp, bytes > 0 ? ws.p : nullptr, bytes);
        }
        case PERMUTE: {
            const pmx_moe_permute_params p = f.permute();
            return pmx_moe_permute(ctx, f.null_params ? nullptr : &p);
        }
        case EXPERTS: {
            const pmx_moe_experts_params p = f.experts_params();
            const pmx_moe_experts_params *pp = f.null_params ? nullptr : &p;
            st = pmx_moe_experts_workspace_size(ctx, pp, &bytes);
            if (which == SIZE_QUERY) return st;
            if (st != PMX_STATUS_SUCCESS) bytes = 64;
            pmx_test::Aligned ws{size_t(bytes)};
            return pmx_moe_experts(ctx, pp, bytes > 0 ? ws.p : nullptr, bytes);
        }
        case COMBINE: {
            const pmx_moe_combine_params p = f.combine();
            return pmx_moe_combine(ctx, f.null_params ? nullptr : &p);
        }
        default: {
            const pmx_moe_params p = f.moe();
            const pmx_moe_params *pp = f.null_params ? nullptr : &p;
            if (which == REFERENCE) return pmx_moe_reference(ctx, pp);
            st = pmx_moe_workspace_size(ctx, pp, &bytes);
            if (which == SIZE_QUERY) return st;
            if (st != PMX_STATUS_SUCCESS) bytes = 64;
            pmx_test::Aligned ws{size_t(bytes)};
            return pmx_moe(ctx, pp, bytes > 0 ? ws.p : nullptr, bytes);
        }
    }
}

inline bool names_any(const std::string &msg, const std::vector<std::string> &names) {
    for (const std::string &n : names)
        if (msg.find(n) != std::string::npos) return true;
    return false;
}

inline std::string joined(const std::vector<std::string> &names) {
    std::string s;
    for (const std::string &n : names) s += (s.empty() ? "'" : " or '") + n + "'";
    return s;
}

// The mutation on fresh fixtures, through every entry point of every op in
// `ops`: each must fail (INVALID_ARGUMENT unless ANY_FAIL), with a message
// containing one of `names` (and `also`, when given), and change nothing.
inline void check_rejects(pmx_context *ctx, const std::string &label, int ops,
                          const std::function<void(Fixture &)> &mutate, const std::vector<std::string> &names,
                          int flags = 0, const std::string &also = "") {
    for (int op = 1; op <= MOE; op <<= 1) {
        if (!(ops & op)) continue;
        for (Which which : {KERNEL, SIZE_QUERY, REFERENCE}) {
            if (which == SIZE_QUERY && (!has_size_query(op) || (flags & NO_SIZE))) continue;
            if (which == REFERENCE && (op != MOE || (flags & NO_REF))) continue;
            Fixture f;
            mutate(f);
            const std::vector<uint8_t> before = f.image();
            const pmx_status st = call(ctx, f, op, which);
            const std::string msg = pmx_test::last_error(ctx);
            const bool status_ok =
                (flags & ANY_FAIL) ? st != PMX_STATUS_SUCCESS : st == PMX_STATUS_INVALID_ARGUMENT;
            const bool named = names_any(msg, names) && (also.empty() || msg.find(also) != std::string::npos);
            const bool untouched = (flags & NO_UNTOUCHED) || which == SIZE_QUERY || f.image() == before;
            const std::string where = std::string(op_name(op)) + kWhichName[which];
            if (which == KERNEL)
                std::printf("%-58s %-8s -> %-28s \"%s\"\n", label.c_str(), op_name(op), pmx_status_name(st), msg.c_str());
            if (!status_ok || !named || !untouched) {
                std::printf("FAIL: %s [%s]: expected %s with a message naming %s%s%s%s (got %s \"%s\"%s)\n", label.c_str(),
                            where.c_str(), (flags & ANY_FAIL) ? "a failure" : "PMX_STATUS_INVALID_ARGUMENT",
                            joined(names).c_str(), also.empty() ? "" : " and '", also.c_str(), also.empty() ? "" : "'",
                            pmx_status_name(st), msg.c_str(), untouched ? "" : ", and memory was written");
                ++failures;
            }
        }
    }
}

// The good fixture through every entry point of every op (and with the
// router computing its logits). Returns the failures.
inline int good_calls(pmx_context *ctx, const char *when) {
    int bad = 0;
    for (int gate = 0; gate < 3; ++gate)
        for (int op = 1; op <= MOE; op <<= 1) {
            if (gate > 0 && !(op & (ROUTER | MOE))) continue;
            for (Which which : {KERNEL, SIZE_QUERY, REFERENCE}) {
                if (which == SIZE_QUERY && !has_size_query(op)) continue;
                if (which == REFERENCE && op != MOE) continue;
                Fixture f;
                if (gate > 0) f.use_gate(gate == 2);
                const pmx_status st = call(ctx, f, op, which);
                if (st != PMX_STATUS_SUCCESS) {
                    std::printf("FAIL: good call %s (%s%s%s): %s \"%s\"\n", when, op_name(op), kWhichName[which],
                                gate == 0 ? "" : gate == 1 ? ", gate" : ", gate with logits out", pmx_status_name(st),
                                pmx_test::last_error(ctx).c_str());
                    ++bad;
                }
            }
        }
    return bad;
}

// A test's main: the good calls, `checks`, the good calls again. Returns the
// exit code.
inline int run_checks(void (*checks)(pmx_context *)) {
    pmx_context *ctx = nullptr;
    if (pmx_context_create(&ctx) != PMX_STATUS_SUCCESS) return 1;
    failures += good_calls(ctx, "before");
    checks(ctx);
    failures += good_calls(ctx, "after");
    pmx_context_destroy(ctx);
    failures += pmx_test::failures;  // the plain expect() checks count too
    std::printf("%s (%d failures)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}

}  // namespace moe_validation
