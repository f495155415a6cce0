// Shared by test_linear_attention and test_linear_recurrence: strided fp32
// tensors with a float64 mirror (the reference runs on F64 copies of the very
// same values), poisoning, and the tolerance check.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "panamax/panamax.h"
#include "test_support.h"

namespace linear_test {

// How a [B, N, heads, dim] tensor sits in memory.
enum class Layout {
    Dense,      // row-major [B, N, heads, dim]
    HeadMajor,  // [B, heads, N, dim + 3]: head-major with padded rows
    DimOuter,   // [B, heads, dim, N]: the innermost index has stride N
};

inline const char *layout_name(Layout l) {
    return l == Layout::Dense ? "dense" : l == Layout::HeadMajor ? "head-major padded" : "dim-outer";
}

// An fp32 tensor of any rank <= 4 and any strides, with a float64 mirror
// `d` of the same storage (same offsets). Storage outside the view holds a
// NaN in inputs (a read outside the view spoils the result) and the poison
// in outputs (a write outside the view is seen).
struct Tensor {
    std::vector<int64_t> shape, stride;
    pmx_test::FloatBuffer f;
    std::vector<double> d;

    Tensor() = default;
    Tensor(std::vector<int64_t> shape_, std::vector<int64_t> stride_) : shape(std::move(shape_)), stride(std::move(stride_)) {
        int64_t extent = 1;
        bool empty = false;
        for (size_t i = 0; i < shape.size(); ++i) {
            if (shape[i] == 0) empty = true;
            else extent += (shape[i] - 1) * stride[i];
        }
        // At least one element: a tensor with no elements still gets a valid pointer.
        const size_t n = size_t(empty ? 1 : extent);
        f.assign(n, pmx_test::poison());
        d.assign(n, std::numeric_limits<double>::quiet_NaN());
    }

    static Tensor dense(std::vector<int64_t> shape) {
        std::vector<int64_t> stride(shape.size());
        int64_t s = 1;
        for (size_t i = shape.size(); i-- > 0;) {
            stride[i] = s;
            s *= std::max<int64_t>(shape[i], 1);
        }
        return Tensor(std::move(shape), std::move(stride));
    }

    // [B, N, heads, dim] in a layout.
    static Tensor tokens(Layout l, int64_t B, int64_t N, int64_t heads, int64_t dim) {
        const int64_t n = std::max<int64_t>(N, 1);
        switch (l) {
        case Layout::HeadMajor:
            return Tensor({B, N, heads, dim}, {heads * n * (dim + 3), dim + 3, n * (dim + 3), 1});
        case Layout::DimOuter:
            return Tensor({B, N, heads, dim}, {heads * dim * n, 1, dim * n, n});
        default:
            return dense({B, N, heads, dim});
        }
    }

    int64_t count() const {
        int64_t c = 1;
        for (int64_t s : shape) c *= s;
        return c;
    }

    // Calls fn(offset) for every element of the view, in index order.
    template <class Fn>
    void each(Fn fn) const {
        if (count() == 0) return;
        std::vector<int64_t> idx(shape.size(), 0);
        for (;;) {
            int64_t off = 0;
            for (size_t i = 0; i < shape.size(); ++i) off += idx[i] * stride[i];
            fn(off);
            size_t i = shape.size();
            while (i-- > 0) {
                if (++idx[i] < shape[i]) break;
                idx[i] = 0;
            }
            if (i == size_t(-1)) return;
        }
    }

    // Inputs: fresh random values in the view, NaN around it; mirror copied.
    void fill(std::mt19937_64 &rng, double lo, double hi) {
        std::uniform_real_distribution<double> dist(lo, hi);
        std::fill(f.begin(), f.end(), std::numeric_limits<float>::quiet_NaN());
        each([&](int64_t o) { f[size_t(o)] = float(dist(rng)); });
        sync();
    }
    void fill_value(float value) {
        std::fill(f.begin(), f.end(), std::numeric_limits<float>::quiet_NaN());
        each([&](int64_t o) { f[size_t(o)] = value; });
        sync();
    }
    // The mirror takes the fp32 values (after any edit of f).
    void sync() {
        for (size_t i = 0; i < f.size(); ++i) d[i] = double(f[i]);
    }
    // Outputs: poison everywhere (fp32) and NaN (float64 mirror).
    void poison() {
        std::fill(f.begin(), f.end(), pmx_test::poison());
        std::fill(d.begin(), d.end(), std::numeric_limits<double>::quiet_NaN());
    }

    int64_t bytes_f() const { return int64_t(f.size() * sizeof(float)); }
    int64_t bytes_d() const { return int64_t(d.size() * sizeof(double)); }

    int64_t at(std::initializer_list<int64_t> idx) const {
        int64_t off = 0;
        size_t i = 0;
        for (int64_t x : idx) off += x * stride[i++];
        return off;
    }

    // The view as a pmx_tensor over `data`, less dimension `skip` (-1: none).
    pmx_tensor view_of(void *data, int32_t dtype, int64_t bytes, int skip) const {
        pmx_tensor t{};
        t.data = data;
        t.dtype = dtype;
        t.device = PMX_DEVICE_CPU;
        t.byte_size = bytes;
        int r = 0;
        for (size_t i = 0; i < shape.size(); ++i) {
            if (int(i) == skip) continue;
            t.shape[r] = shape[i];
            t.stride[r] = stride[i];
            ++r;
        }
        t.ndim = r;
        return t;
    }
    pmx_tensor f32() { return view_of(f.data(), PMX_DTYPE_F32, bytes_f(), -1); }
    pmx_tensor f64() { return view_of(d.data(), PMX_DTYPE_F64, bytes_d(), -1); }
    // Token t of a [B, N, ...] tensor as the step's [B, ...].
    pmx_tensor f32_token(int64_t t) {
        const int64_t off = t * stride[1];
        return view_of(f.data() + off, PMX_DTYPE_F32, bytes_f() - off * int64_t(sizeof(float)), 1);
    }
};

// The tolerance test: every element of the view within tol · (max |want|
// over the view + tiny) of the float64 value (relative to the output's
// scale, so elements near 0 by cancellation do not need a relative match),
// every element outside the view still poisoned. `want` is the float64
// mirror of a reference output; an element it left unwritten (NaN) fails.
inline int compare(const std::string &what, const Tensor &got, const Tensor &want, double tol) {
    double scale = 0;
    bool want_complete = true;
    want.each([&](int64_t o) {
        const double w = want.d[size_t(o)];
        if (!std::isfinite(w)) want_complete = false;
        else scale = std::max(scale, std::fabs(w));
    });
    int bad = 0;
    if (!want_complete) {
        std::printf("  %s: the reference left elements unwritten or not finite\n", what.c_str());
        ++bad;
    }
    const double bound = tol * (scale + std::numeric_limits<double>::min());
    double worst = 0;
    std::vector<char> in_view(got.f.size(), 0);
    got.each([&](int64_t o) {
        in_view[size_t(o)] = 1;
        const double g = double(got.f[size_t(o)]), w = want.d[size_t(o)];
        const double err = std::fabs(g - w);
        if (err > worst || std::isnan(err)) worst = std::isnan(err) ? INFINITY : err;
        if (!(err <= bound) && bad++ < 5)
            std::printf("  %s[%lld]: got %.9g want %.9g%s\n", what.c_str(), (long long)o, g, w,
                        pmx_test::is_poison(got.f[size_t(o)]) ? " (never written)" : "");
    });
    for (size_t i = 0; i < got.f.size(); ++i)
        if (!in_view[i] && !pmx_test::is_poison(got.f[i]) && bad++ < 5)
            std::printf("  %s: storage element %zu outside the view was written\n", what.c_str(), i);
    std::printf("  %-28s worst |err| / max|ref| = %.2e (tol %.0e, max|ref| %.3g)\n", what.c_str(),
                scale > 0 ? worst / scale : worst, tol, scale);
    return bad;
}

// The check must be able to fail: an error of 2·tol of the scale in one
// element, an element left unwritten, and a write outside the view are each
// reported (and an exact copy is not). Returns the number of wrong verdicts.
inline int compare_self_check() {
    const double tol = 1e-5;
    Tensor want({2, 3}, {5, 1}), got({2, 3}, {5, 1});
    double v = 0.5;
    want.each([&](int64_t o) { want.d[size_t(o)] = (v = -v * 1.5); });
    auto reset = [&] {
        got.poison();
        want.each([&](int64_t o) { got.f[size_t(o)] = float(want.d[size_t(o)]); });
        // fp32 rounding of the copy is far inside tol; the check is relative
        // to the scale, so take the rounded values as exact.
        want.each([&](int64_t o) { want.d[size_t(o)] = double(got.f[size_t(o)]); });
    };
    int wrong = 0;
    reset();
    double scale = 0;
    want.each([&](int64_t o) { scale = std::max(scale, std::fabs(want.d[size_t(o)])); });
    std::printf("compare self-check (each line below but the first must report a failure):\n");
    wrong += compare("exact", got, want, tol) != 0;
    got.f[6] = float(got.f[6] + 2 * tol * scale);
    wrong += compare("one element off by 2 tol", got, want, tol) == 0;
    reset();
    got.f[7] = pmx_test::poison();
    wrong += compare("one element unwritten", got, want, tol) == 0;
    reset();
    got.f[3] = 0.f;
    wrong += compare("written outside the view", got, want, tol) == 0;
    if (wrong) std::printf("FAIL: the compare self-check gave %d wrong verdicts\n", wrong);
    return wrong;
}

// fp32 results of two kernel runs agree within tol of the first's scale
// (chunk sizes: the contract's "within 1e-5 relative").
inline int agree(const std::string &what, const Tensor &a, const Tensor &b, double tol) {
    double scale = 0;
    a.each([&](int64_t o) { scale = std::max(scale, std::fabs(double(a.f[size_t(o)]))); });
    int bad = 0;
    double worst = 0;
    a.each([&](int64_t o) {
        const double err = std::fabs(double(a.f[size_t(o)]) - double(b.f[size_t(o)]));
        worst = std::max(worst, std::isnan(err) ? INFINITY : err);
        if (!(err <= tol * (scale + std::numeric_limits<double>::min())) && bad++ < 5)
            std::printf("  %s[%lld]: %.9g vs %.9g\n", what.c_str(), (long long)o, double(a.f[size_t(o)]),
                        double(b.f[size_t(o)]));
    });
    std::printf("  %-28s worst |a - b| / max|a| = %.2e\n", what.c_str(), scale > 0 ? worst / scale : worst);
    return bad;
}

// Bit for bit (thread counts).
inline bool identical(const Tensor &a, const Tensor &b) {
    return a.f.size() == b.f.size() && std::memcmp(a.f.data(), b.f.data(), a.f.size() * sizeof(float)) == 0;
}

// Hand-computed expectations of the references (float64 in, float64 out).
inline bool near(double got, double want) { return std::fabs(got - want) <= 1e-12 * (std::fabs(want) + 1.0); }

inline pmx_status run_attention(pmx_context *ctx, const pmx_linear_attention_params &p) {
    int64_t bytes = -1;
    pmx_status st = pmx_linear_attention_workspace_size(ctx, &p, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    pmx_test::Aligned ws{size_t(bytes > 0 ? bytes : 1)};
    if (ws.p == nullptr) return PMX_STATUS_OUT_OF_MEMORY;
    return pmx_linear_attention(ctx, &p, bytes > 0 ? ws.p : nullptr, bytes);
}

inline pmx_status run_recurrence(pmx_context *ctx, const pmx_linear_recurrence_params &p) {
    int64_t bytes = -1;
    pmx_status st = pmx_linear_recurrence_workspace_size(ctx, &p, &bytes);
    if (st != PMX_STATUS_SUCCESS) return st;
    pmx_test::Aligned ws{size_t(bytes > 0 ? bytes : 1)};
    if (ws.p == nullptr) return PMX_STATUS_OUT_OF_MEMORY;
    return pmx_linear_recurrence(ctx, &p, bytes > 0 ? ws.p : nullptr, bytes);
}

}  // namespace linear_test
