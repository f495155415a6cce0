// The experts' decode path (moe_decode.h). Four passes, each a
// parallel_items loop over shape-determined items:
//   1. (expert, W1 or W3, slab): x rows times the slab, into partial planes;
//   2. (expert): planes summed in order, biases, activation -> plane 0 of W1;
//   3. (expert, W2 slab): the activations times the slab, into planes;
//   4. (expert): planes summed in order, b2 -> y_sorted.
// A weight whose memory rows run along its output dim (the 'N' layout,
// row-major [k, n]) is cut along k: each slab yields a partial sum of the
// whole output row (one plane per slab). A transposed weight (memory rows
// along k) is cut along n: each slab yields finished outputs, all in plane 0.
#include "moe/moe_decode.h"

#include <algorithm>
#include <cstring>

#include "common/parallel.h"
#include "moe/moe_vec.h"

namespace pmx::moe {
namespace {

// Expert e's [k, n] matrix of a [E, k, n] weight view.
struct Weight {
    const float *data = nullptr;
    bool rows_along_n = true;  // the 'N' layout
    int64_t ld = 0, k = 0, n = 0;

    int64_t mem_rows() const { return rows_along_n ? k : n; }
    int64_t mem_row_floats() const { return rows_along_n ? n : k; }
    int64_t slab() const { return slab_rows(mem_rows(), mem_row_floats()); }
    int64_t slabs() const { return slab_count(mem_rows(), mem_row_floats()); }
    int64_t planes() const { return rows_along_n ? slabs() : 1; }
};

Weight weight(const View &w, int64_t e, int64_t k, int64_t n) {
    const GemmOperand g = operand(w.f32() + e * w.stride[0], k, n, w.stride[1], w.stride[2]);
    Weight r;
    r.data = g.data;
    r.rows_along_n = g.trans == 'N';
    r.ld = g.ld;
    r.k = k;
    r.n = n;
    return r;
}

// Slab s of w against m rows of x (row stride ldx, the k dim): into plane s
// (rows_axpy) or the slab's columns of plane 0 (rows_dot) of `planes`
// (plane stride ps, row stride ldo).
void slab_product(const Weight &w, int64_t s, const float *x, int64_t ldx, int64_t m, float *planes, int64_t ps,
                  int64_t ldo) {
    const int64_t r0 = s * w.slab(), r1 = std::min(r0 + w.slab(), w.mem_rows());
    if (w.rows_along_n)
        moe_vec().rows_axpy(x + r0, ldx, m, w.data + r0 * w.ld, w.ld, r1 - r0, w.n, planes + s * ps, ldo);
    else
        moe_vec().rows_dot(x, ldx, m, w.data + r0 * w.ld, w.ld, w.k, r1 - r0, planes + r0, ldo);
}

// Rows [r0, r0 + m) of plane 0 = Σ planes (in order) + bias[e] (optional).
void sum_planes(float *planes, int64_t np, int64_t ps, int64_t r0, int64_t m, int64_t n, const View &bias,
                int64_t e) {
    for (int64_t r = r0; r < r0 + m; ++r) {
        float *dst = planes + r * n;
        for (int64_t s = 1; s < np; ++s) {
            const float *src = planes + s * ps + r * n;
            for (int64_t j = 0; j < n; ++j) dst[j] += src[j];
        }
        if (bias.present())
            for (int64_t j = 0; j < n; ++j) dst[j] += bias.f32()[bias.off(e, j)];
    }
}

}  // namespace

bool decode_path(const ExpertsProblem &p, const int32_t *off, const ExpertsLayout &l) {
    if (l.skinny == 0 || p.dmodel == 0 || off[p.experts] > l.skinny) return false;
    for (int64_t e = 0; e < p.experts; ++e)
        if (off[e + 1] - off[e] > kSkinnyExpertRows) return false;
    return true;
}

void experts_decode(const ExpertsProblem &p, const int32_t *off, char *ws, const ExpertsLayout &l, int threads) {
    const int64_t E = p.experts, d = p.dmodel, h = p.hidden, R = off[E];
    float *xs = reinterpret_cast<float *>(ws + l.xs), *p1 = reinterpret_cast<float *>(ws + l.p1);
    float *p3 = p.gated ? reinterpret_cast<float *>(ws + l.p3) : nullptr, *p2 = reinterpret_cast<float *>(ws + l.p2);
    const int64_t ps1 = l.skinny * h, ps2 = l.skinny * d;

    // The experts with rows, and the sorted rows packed [R, d].
    int32_t active[PMX_MAX_MOE_EXPERTS];
    int64_t na = 0;
    for (int64_t e = 0; e < E; ++e)
        if (off[e + 1] > off[e]) active[na++] = int32_t(e);
    const View &x = p.x_sorted;
    for (int64_t r = 0; r < R; ++r) {
        if (x.stride[1] == 1) std::memcpy(xs + r * d, x.f32() + x.off(r), size_t(d) * sizeof(float));
        else
            for (int64_t j = 0; j < d; ++j) xs[r * d + j] = x.f32()[x.off(r, j)];
    }

    // 1. x · W1 (and W3), one item per (expert, matrix, slab).
    const int64_t s1 = weight(p.w1, 0, d, h).slabs(), s3 = p.gated ? weight(p.w3, 0, d, h).slabs() : 0;
    parallel_items(na * (s1 + s3), threads, [&](int) {
        return [&](int64_t item) {
            const int64_t e = active[item / (s1 + s3)], j = item % (s1 + s3), m = off[e + 1] - off[e];
            const bool first = j < s1;
            const Weight w = weight(first ? p.w1 : p.w3, e, d, h);
            slab_product(w, first ? j : j - s1, xs + off[e] * d, d, m, (first ? p1 : p3) + off[e] * h, ps1, h);
        };
    });
    // 2. Sums, biases, activation.
    parallel_items(na, threads, [&](int) {
        return [&](int64_t a) {
            const int64_t e = active[a], m = off[e + 1] - off[e];
            sum_planes(p1, weight(p.w1, e, d, h).planes(), ps1, off[e], m, h, p.b1, e);
            if (p.gated) sum_planes(p3, weight(p.w3, e, d, h).planes(), ps1, off[e], m, h, p.b3, e);
            moe_vec().activate(p1 + off[e] * h, p.gated ? p3 + off[e] * h : nullptr, m, h, h, nullptr, nullptr,
                               p.activation);
        };
    });
    // 3. The activations · W2.
    const int64_t s2 = weight(p.w2, 0, h, d).slabs();
    parallel_items(na * s2, threads, [&](int) {
        return [&](int64_t item) {
            const int64_t e = active[item / s2], m = off[e + 1] - off[e];
            slab_product(weight(p.w2, e, h, d), item % s2, p1 + off[e] * h, h, m, p2 + off[e] * d, ps2, d);
        };
    });
    // 4. Sums and b2 into y_sorted.
    parallel_items(na, threads, [&](int) {
        return [&](int64_t a) {
            const int64_t e = active[a], m = off[e + 1] - off[e];
            sum_planes(p2, weight(p.w2, e, h, d).planes(), ps2, off[e], m, d, p.b2, e);
            const View &y = p.y_sorted;
            for (int64_t r = off[e]; r < off[e] + m; ++r)
                for (int64_t j = 0; j < d; ++j) y.f32()[y.off(r, j)] = p2[r * d + j];
        };
    });
}

}  // namespace pmx::moe
