// The Mixture-of-Experts tests' own float64 version of every stage, written out
// here from panamax.h (never the library's), and what the tests of the family
// share (test_moe_router: the router and its noise; test_moe_stages: permute,
// experts and combine alone; test_moe_fused: pmx_moe against the four stages,
// this float64 layer and pmx_moe_reference): strided views over 64-byte aligned
// buffers poisoned when made, the checks that every element of a view was
// written as wanted and its padding left alone, calls with the workspace a size
// query asks for (shrink: that many bytes fewer), and inputs whose top k + 1
// logits are far enough apart that float32 rounding cannot reorder them.
// Header-only, C API only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "panamax/panamax.h"
#include "test_support.h"

namespace moe_test {

using pmx_test::view;

template <class V>
using Buf = std::vector<V, pmx_test::AlignedAllocator<V>>;

constexpr double kPi = 3.14159265358979323846;
constexpr int32_t kPoisonI32 = int32_t(0x7FC0BAD0);
constexpr uint8_t kPoisonU8 = 0xCD;

template <class V>
V poison_of();
template <>
inline float poison_of<float>() { return pmx_test::poison(); }
template <>
inline int32_t poison_of<int32_t>() { return kPoisonI32; }
template <>
inline uint8_t poison_of<uint8_t>() { return kPoisonU8; }

template <class V>
bool poisoned(V v) {
    const V p = poison_of<V>();
    return std::memcmp(&v, &p, sizeof v) == 0;
}

// A strided [n0, n1] (or [n0]) view over its own 64-byte aligned buffer,
// poisoned when made. Buffer elements outside the view are padding.
template <class V>
struct Grid {
    Buf<V> buf;
    int64_t n0 = 0, n1 = 0, s0 = 0, s1 = 0;
    bool rank1 = false;

    Grid() { buf.assign(1, poison_of<V>()); }
    // (sa, sb); sa < 0: dense rows (sa = n1, at least 1: no zero stride even when n1 = 0).
    Grid(int64_t a, int64_t b, int64_t sa = -1, int64_t sb = 1)
        : n0(a), n1(b), s0(sa < 0 ? std::max<int64_t>(b, 1) : sa), s1(sb) {
        const int64_t extent = n0 > 0 && n1 > 0 ? (n0 - 1) * s0 + (n1 - 1) * s1 + 1 : 0;
        buf.assign(size_t(std::max<int64_t>(extent, 1)), poison_of<V>());
    }
    static Grid vec(int64_t n, int64_t stride = 1) {
        Grid g(n, 1, stride, 1);
        g.rank1 = true;
        return g;
    }
    V &at(int64_t i, int64_t j = 0) { return buf[size_t(i * s0 + j * s1)]; }
    const V &at(int64_t i, int64_t j = 0) const { return buf[size_t(i * s0 + j * s1)]; }
    pmx_tensor tensor(int32_t dtype) {
        const int64_t bytes = int64_t(buf.size() * sizeof(V));
        if (rank1) return view(buf.data(), dtype, {n0}, {s0}, bytes);
        return view(buf.data(), dtype, {n0, n1}, {s0, s1}, bytes);
    }
    void repoison() { std::fill(buf.begin(), buf.end(), poison_of<V>()); }
    bool all_poison() const {
        for (const V &v : buf)
            if (!poisoned(v)) return false;
        return true;
    }
    std::vector<char> in_view() const {
        std::vector<char> m(buf.size(), 0);
        for (int64_t i = 0; i < n0; ++i)
            for (int64_t j = 0; j < n1; ++j) m[size_t(i * s0 + j * s1)] = 1;
        return m;
    }
    bool same_bits(const Grid &o) const { return buf.size() == o.buf.size() && std::memcmp(buf.data(), o.buf.data(), buf.size() * sizeof(V)) == 0; }
    // Logical [n0 * n1] contents, row-major.
    std::vector<double> values() const {
        std::vector<double> v(size_t(n0 * n1));
        for (int64_t i = 0; i < n0; ++i)
            for (int64_t j = 0; j < n1; ++j) v[size_t(i * n1 + j)] = double(at(i, j));
        return v;
    }
};

template <class V>
int padding_written(const std::string &what, const Grid<V> &g) {
    const std::vector<char> m = g.in_view();
    int bad = 0;
    for (size_t b = 0; b < g.buf.size(); ++b)
        if (!m[b] && !poisoned(g.buf[b]) && bad++ < 3) std::printf("  %s: padding element %zu written\n", what.c_str(), b);
    return bad;
}

// Integer outputs: every element of the view exactly as wanted, padding left as poison.
template <class V>
int check_exact(const std::string &what, const Grid<V> &got, const std::vector<V> &want) {
    int bad = 0;
    for (int64_t i = 0; i < got.n0; ++i)
        for (int64_t j = 0; j < got.n1; ++j) {
            const V g = got.at(i, j), w = want[size_t(i * got.n1 + j)];
            if (g != w && bad++ < 5)
                std::printf("  %s[%lld, %lld]: got %lld want %lld%s\n", what.c_str(), (long long)i, (long long)j,
                            (long long)g, (long long)w, poisoned(g) ? " (never written)" : "");
        }
    return bad + padding_written(what, got);
}

// Float outputs: within rel·(|want| + rms) (with_rms) or rel·|want| of the
// float64 value; rows from rows_written on must stay poison, and so must padding.
inline int check_close(const std::string &what, const Grid<float> &got, const std::vector<double> &want, double rel,
                       bool with_rms, int64_t rows_written = -1) {
    if (rows_written < 0) rows_written = got.n0;
    double rms = 0;
    int64_t count = 0;
    for (int64_t i = 0; i < rows_written; ++i)
        for (int64_t j = 0; j < got.n1; ++j) rms += want[size_t(i * got.n1 + j)] * want[size_t(i * got.n1 + j)], ++count;
    rms = with_rms && count > 0 ? std::sqrt(rms / double(count)) : 0.0;
    int bad = 0;
    double worst = 0;
    for (int64_t i = 0; i < got.n0; ++i)
        for (int64_t j = 0; j < got.n1; ++j) {
            const float g = got.at(i, j);
            if (i >= rows_written) {
                if (!poisoned(g) && bad++ < 5)
                    std::printf("  %s[%lld, %lld]: written past the rows it owns\n", what.c_str(), (long long)i, (long long)j);
                continue;
            }
            const double w = want[size_t(i * got.n1 + j)];
            const double err = std::fabs(double(g) - w);
            const double scale = std::fabs(w) + rms;
            if (scale > 0) worst = std::max(worst, err / scale);
            if (!(err <= rel * scale + 1e-30) && bad++ < 5)
                std::printf("  %s[%lld, %lld]: got %.9g want %.9g%s\n", what.c_str(), (long long)i, (long long)j, double(g), w,
                            poisoned(g) ? " (never written)" : "");
        }
    std::printf("  %s: worst relative error %.2e\n", what.c_str(), worst);
    return bad + padding_written(what, got);
}

inline bool close_rel(double got, double want, double rel, double abs_tol = 0) {
    return std::fabs(got - want) <= rel * std::fabs(want) + abs_tol;
}

// ---- float64 reference of every stage, from panamax.h ----------------------

struct RouterRef {
    std::vector<int32_t> idx, counts;
    std::vector<uint8_t> dropped;
    std::vector<double> w;
    double aux = 0, z = 0;
};

inline RouterRef router_ref(const std::vector<double> &L, int64_t T, int64_t E, int64_t k, int32_t scoring,
                            int32_t renorm, double cf) {
    RouterRef r;
    r.idx.assign(size_t(T * k), 0);
    r.w.assign(size_t(T * k), 0.0);
    r.counts.assign(size_t(E), 0);
    r.dropped.assign(size_t(T * k), 0);
    std::vector<double> P(size_t(E), 0.0), s(static_cast<size_t>(E));
    std::vector<int32_t> order(static_cast<size_t>(E));
    for (int64_t t = 0; t < T; ++t) {
        const double *l = &L[size_t(t * E)];
        double m = l[0];
        for (int64_t e = 1; e < E; ++e) m = std::max(m, l[e]);
        double sum = 0;
        for (int64_t e = 0; e < E; ++e) sum += std::exp(l[e] - m);
        const double lse = m + std::log(sum);
        r.z += lse * lse;
        for (int64_t e = 0; e < E; ++e)
            s[size_t(e)] = scoring == PMX_MOE_SOFTMAX ? std::exp(l[e] - lse) : 1.0 / (1.0 + std::exp(-l[e]));
        for (int64_t e = 0; e < E; ++e) P[size_t(e)] += s[size_t(e)];
        std::iota(order.begin(), order.end(), 0);
        // stable: equal scores keep the lower expert first
        std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return s[size_t(a)] > s[size_t(b)]; });
        double top = 0;
        for (int64_t j = 0; j < k; ++j) top += s[size_t(order[size_t(j)])];
        for (int64_t j = 0; j < k; ++j) {
            const int32_t e = order[size_t(j)];
            r.idx[size_t(t * k + j)] = e;
            r.w[size_t(t * k + j)] = renorm ? s[size_t(e)] / top : s[size_t(e)];
            r.counts[size_t(e)]++;
        }
    }
    if (T > 0) {
        r.z /= double(T);
        for (int64_t e = 0; e < E; ++e)
            r.aux += double(r.counts[size_t(e)]) / double(T * k) * (P[size_t(e)] / double(T));
        r.aux *= double(E);
    }
    if (cf > 0) {
        const double cap = std::ceil(cf * double(T) * double(k) / double(E));
        std::vector<int64_t> load(size_t(E), 0);
        for (int64_t i = 0; i < T * k; ++i) {
            const int32_t e = r.idx[size_t(i)];
            if (double(load[size_t(e)]) < cap)
                ++load[size_t(e)];
            else
                r.dropped[size_t(i)] = 1;
        }
    }
    return r;
}

struct PermuteRef {
    std::vector<int32_t> offsets, rows, src;  // src: the token of each sorted row
};

inline PermuteRef permute_ref(const std::vector<int32_t> &idx, const std::vector<uint8_t> &dropped, int64_t T,
                              int64_t k, int64_t E) {
    PermuteRef r;
    r.offsets.assign(size_t(E + 1), 0);
    r.rows.assign(size_t(T * k), -1);
    std::vector<int32_t> cnt(size_t(E), 0);
    auto kept = [&](int64_t i) { return dropped.empty() || dropped[size_t(i)] == 0; };
    for (int64_t i = 0; i < T * k; ++i)
        if (kept(i)) cnt[size_t(idx[size_t(i)])]++;
    for (int64_t e = 0; e < E; ++e) r.offsets[size_t(e + 1)] = r.offsets[size_t(e)] + cnt[size_t(e)];
    std::vector<int32_t> next(r.offsets.begin(), r.offsets.end() - 1);
    r.src.assign(size_t(r.offsets[size_t(E)]), -1);
    for (int64_t t = 0; t < T; ++t)
        for (int64_t j = 0; j < k; ++j) {
            const int64_t i = t * k + j;
            if (!kept(i)) continue;
            const int32_t row = next[size_t(idx[size_t(i)])]++;
            r.rows[size_t(i)] = row;
            r.src[size_t(row)] = int32_t(t);
        }
    return r;
}

inline double act_ref(int32_t act, double a) {
    switch (act) {
        case PMX_MOE_SILU: return a / (1.0 + std::exp(-a));
        case PMX_MOE_GELU: return 0.5 * a * (1.0 + std::erf(a / std::sqrt(2.0)));
        case PMX_MOE_GELU_TANH: {
            const double c = std::sqrt(2.0 / kPi);
            return 0.5 * a * (1.0 + std::tanh(c * (a + 0.044715 * a * a * a)));
        }
        default: return a > 0 ? a : 0.0;
    }
}

// The experts' weights: logical values (w1 [E, d, h], w2 [E, h, d] row-major)
// and the buffers handed over, row-major or transposed in their last two dims
// (Hugging Face's [E, h, d] W1 is W1 [E, d, h] with strides (h·d, 1, d)).
struct Experts {
    int64_t E = 0, d = 0, h = 0;
    bool gated = false, has_b1 = false, has_b2 = false, has_b3 = false, transposed = false;
    int32_t act = PMX_MOE_SILU;
    std::vector<float> w1, w2, w3, b1, b2, b3;
    Buf<float> p1, p2, p3;

    Experts(int64_t E_, int64_t d_, int64_t h_, bool gated_, bool b1_, bool b2_, bool b3_, bool transposed_, int32_t act_,
            std::mt19937_64 &rng)
        : E(E_), d(d_), h(h_), gated(gated_), has_b1(b1_), has_b2(b2_), has_b3(b3_), transposed(transposed_), act(act_) {
        const float s1 = 2.f / std::sqrt(float(std::max<int64_t>(d, 1))), s2 = 2.f / std::sqrt(float(h));
        w1 = pmx_test::random_floats(size_t(E * d * h), rng, -s1, s1);
        w3 = pmx_test::random_floats(size_t(E * d * h), rng, -s1, s1);
        w2 = pmx_test::random_floats(size_t(E * h * d), rng, -s2, s2);
        b1 = pmx_test::random_floats(size_t(E * h), rng, -0.5f, 0.5f);
        b3 = pmx_test::random_floats(size_t(E * h), rng, -0.5f, 0.5f);
        b2 = pmx_test::random_floats(size_t(E * d), rng, -0.5f, 0.5f);
        p1 = lay(w1, d, h);
        p3 = lay(w3, d, h);
        p2 = lay(w2, h, d);
    }
    // [E, m, n] logical to the buffer handed over.
    Buf<float> lay(const std::vector<float> &w, int64_t m, int64_t n) const {
        Buf<float> p(size_t(std::max<int64_t>(E * std::max<int64_t>(m, 1) * std::max<int64_t>(n, 1), 1)), 0.f);
        for (int64_t e = 0; e < E; ++e)
            for (int64_t i = 0; i < m; ++i)
                for (int64_t j = 0; j < n; ++j)
                    p[size_t(e * m * n + (transposed ? j * m + i : i * n + j))] = w[size_t((e * m + i) * n + j)];
        return p;
    }
    // (d = 0 gives empty dims: their strides are kept nonzero all the same)
    pmx_tensor weight(Buf<float> &p, int64_t m, int64_t n) const {
        const int64_t bytes = int64_t(p.size() * 4), m1 = std::max<int64_t>(m, 1), n1 = std::max<int64_t>(n, 1);
        if (transposed) return view(p.data(), PMX_DTYPE_F32, {E, m, n}, {m1 * n1, 1, m1}, bytes);
        return view(p.data(), PMX_DTYPE_F32, {E, m, n}, {m1 * n1, n1, 1}, bytes);
    }
    pmx_tensor t1() { return weight(p1, d, h); }
    pmx_tensor t2() { return weight(p2, h, d); }
    pmx_tensor t3() { return gated ? weight(p3, d, h) : pmx_tensor{}; }
    pmx_tensor tb(std::vector<float> &b, bool on, int64_t n) {
        if (!on) return pmx_tensor{};
        if (b.empty()) b.push_back(0.f);  // d = 0: a real (empty) tensor all the same
        return view(b.data(), PMX_DTYPE_F32, {E, n}, {std::max<int64_t>(n, 1), 1}, int64_t(b.size() * 4));
    }
    void put(pmx_tensor &tw1, pmx_tensor &tw2, pmx_tensor &tw3, pmx_tensor &tb1, pmx_tensor &tb2, pmx_tensor &tb3) {
        tw1 = t1(), tw2 = t2(), tw3 = t3();
        tb1 = tb(b1, has_b1, h), tb2 = tb(b2, has_b2, d), tb3 = tb(b3, gated && has_b3, h);
    }
    // y = expert e applied to the row x, in float64.
    void row(int64_t e, const double *x, double *y) const {
        std::vector<double> a(static_cast<size_t>(h));
        for (int64_t j = 0; j < h; ++j) {
            double a1 = has_b1 ? b1[size_t(e * h + j)] : 0.0, a3 = gated && has_b3 ? b3[size_t(e * h + j)] : 0.0;
            for (int64_t i = 0; i < d; ++i) {
                a1 += x[i] * double(w1[size_t((e * d + i) * h + j)]);
                if (gated) a3 += x[i] * double(w3[size_t((e * d + i) * h + j)]);
            }
            a[size_t(j)] = gated ? act_ref(act, a1) * a3 : act_ref(act, a1);
        }
        for (int64_t i = 0; i < d; ++i) {
            double acc = has_b2 ? b2[size_t(e * d + i)] : 0.0;
            for (int64_t j = 0; j < h; ++j) acc += a[size_t(j)] * double(w2[size_t((e * h + j) * d + i)]);
            y[i] = acc;
        }
    }
};

// ---- calls with the workspace asked for ------------------------------------

inline pmx_status run_router(pmx_context *ctx, const pmx_moe_router_params &p, int64_t shrink = 0) {
    int64_t bytes = -1;
    pmx_status st = pmx_moe_router_workspace_size(ctx, &p, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    if (bytes < 0) return PMX_STATUS_INTERNAL_ERROR;
    pmx_test::Aligned ws{size_t(std::max<int64_t>(bytes, 1))};
    bytes -= shrink;
    return pmx_moe_router(ctx, &p, bytes > 0 ? ws.p : nullptr, bytes);
}

inline pmx_status run_experts(pmx_context *ctx, const pmx_moe_experts_params &p, int64_t shrink = 0) {
    int64_t bytes = -1;
    pmx_status st = pmx_moe_experts_workspace_size(ctx, &p, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    if (bytes < 0) return PMX_STATUS_INTERNAL_ERROR;
    pmx_test::Aligned ws{size_t(std::max<int64_t>(bytes, 1))};
    bytes -= shrink;
    return pmx_moe_experts(ctx, &p, bytes > 0 ? ws.p : nullptr, bytes);
}

template <class SizeFn>
int64_t asked(pmx_context *ctx, const void *p, SizeFn fn) {
    int64_t bytes = -1;
    if (fn(ctx, p, &bytes) != PMX_STATUS_SUCCESS) return -1;
    return bytes;
}

// ---- inputs ------------------------------------------------------------------

// True when the top k + 1 of the row, in descending order, are at least `gap`
// apart (so float32 rounding cannot reorder what decides the result).
inline bool separated(const double *l, int64_t E, int64_t k, double gap) {
    std::vector<double> v(l, l + E);
    std::sort(v.begin(), v.end(), std::greater<double>());
    for (int64_t j = 0; j < std::min(k, E - 1); ++j)
        if (v[size_t(j)] - v[size_t(j + 1)] < gap) return false;
    return true;
}

inline std::vector<float> random_logits(int64_t T, int64_t E, int64_t k, std::mt19937_64 &rng, float lo = -3.f,
                                        float hi = 3.f) {
    std::vector<float> L(size_t(T * E));
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<double> row(static_cast<size_t>(E));
    for (int64_t t = 0; t < T; ++t) {
        do {
            for (int64_t e = 0; e < E; ++e) row[size_t(e)] = L[size_t(t * E + e)] = dist(rng);
        } while (!separated(row.data(), E, k, 1e-3));
    }
    return L;
}

// x [T, d] and gate_weight [d, E] with the rows of x redrawn until the
// float64 logits are well separated; returns those logits.
inline std::vector<double> gate_inputs(Grid<float> &x, Grid<float> &gw, int64_t k, std::mt19937_64 &rng) {
    const int64_t T = x.n0, d = x.n1, E = gw.n1;
    std::uniform_real_distribution<float> dx(-1.f, 1.f), dw(-0.5f, 0.5f);
    for (int64_t i = 0; i < d; ++i)
        for (int64_t e = 0; e < E; ++e) gw.at(i, e) = dw(rng);
    std::vector<double> L(size_t(T * E));
    for (int64_t t = 0; t < T; ++t) {
        for (int tries = 0;; ++tries) {
            for (int64_t i = 0; i < d; ++i) x.at(t, i) = dx(rng);
            for (int64_t e = 0; e < E; ++e) {
                double acc = 0;
                for (int64_t i = 0; i < d; ++i) acc += double(x.at(t, i)) * double(gw.at(i, e));
                L[size_t(t * E + e)] = acc;
            }
            if (d == 0 || separated(&L[size_t(t * E)], E, k, 2e-3)) break;
        }
    }
    return L;
}

// ---- router outputs ----------------------------------------------------------

struct RouterOut {
    Grid<int32_t> idx, counts;
    Grid<float> w, aux, z, logits;
    Grid<uint8_t> dropped;
    void repoison() {
        idx.repoison(), counts.repoison(), w.repoison(), aux.repoison(), z.repoison(), dropped.repoison();
        logits.repoison();
    }
    bool same_bits(const RouterOut &o) const {
        return idx.same_bits(o.idx) && counts.same_bits(o.counts) && w.same_bits(o.w) && aux.same_bits(o.aux) &&
               z.same_bits(o.z) && dropped.same_bits(o.dropped) && logits.same_bits(o.logits);
    }
    bool all_poison() const {
        return idx.all_poison() && counts.all_poison() && w.all_poison() && aux.all_poison() && z.all_poison() &&
               dropped.all_poison() && logits.all_poison();
    }
};

// Router outputs, dense or (strided) in column-major and padded views.
inline RouterOut router_outputs(int64_t T, int64_t E, int64_t k, bool strided) {
    RouterOut o;
    o.idx = strided ? Grid<int32_t>(T, k, 1, T) : Grid<int32_t>(T, k);
    o.w = strided ? Grid<float>(T, k, k + 2, 1) : Grid<float>(T, k);
    o.dropped = strided ? Grid<uint8_t>(T, k, 1, T + 3) : Grid<uint8_t>(T, k);
    o.counts = Grid<int32_t>::vec(E, strided ? 2 : 1);
    o.aux = Grid<float>::vec(1);
    o.z = Grid<float>::vec(1);
    return o;
}

inline void attach(pmx_moe_router_params &p, RouterOut &o, bool optional_outputs) {
    p.indices = o.idx.tensor(PMX_DTYPE_I32);
    p.weights = o.w.tensor(PMX_DTYPE_F32);
    if (optional_outputs) {
        p.counts = o.counts.tensor(PMX_DTYPE_I32);
        p.dropped = o.dropped.tensor(PMX_DTYPE_U8);
        p.aux_loss = o.aux.tensor(PMX_DTYPE_F32);
        p.z_loss = o.z.tensor(PMX_DTYPE_F32);
    }
}

// The router outputs against the float64 router.
inline int check_router(const std::string &name, const RouterRef &ref, const RouterOut &o, bool optional_outputs,
                        double wrel) {
    int bad = 0;
    bad += check_exact(name + " indices", o.idx, ref.idx);
    bad += check_close(name + " weights", o.w, ref.w, wrel, false);
    if (optional_outputs) {
        bad += check_exact(name + " counts", o.counts, ref.counts);
        bad += check_exact(name + " dropped", o.dropped, ref.dropped);
        const double aux = o.aux.at(0), z = o.z.at(0);
        if (!close_rel(aux, ref.aux, 1e-5, 1e-7)) {
            std::printf("  %s aux_loss: got %.9g want %.9g\n", name.c_str(), aux, ref.aux);
            ++bad;
        }
        if (!close_rel(z, ref.z, 1e-5, 1e-7)) {
            std::printf("  %s z_loss: got %.9g want %.9g\n", name.c_str(), z, ref.z);
            ++bad;
        }
        bad += padding_written(name + " aux_loss", o.aux) + padding_written(name + " z_loss", o.z);
    }
    return bad;
}

}  // namespace moe_test
