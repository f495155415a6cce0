// The Mixture-of-Experts CPU drivers (moe_cpu.h).
//
// Work is split by shape only (router blocks of tokens, expert row blocks,
// token blocks), and every GEMM is one single-threaded oneDNN sgemm on one
// item, so results are the same bits for any thread count. Data-dependent
// checks (non-finite logits, indices, offsets and rows out of range) run
// before anything is written, on the calling thread: nothing throws inside
// a parallel region.
#include "moe/moe_cpu.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <oneapi/dnnl/dnnl.h>

#include "common/isa_dispatch.h"
#include "common/parallel.h"
#include "common/random.h"
#include "common/status.h"
#include "moe/moe_decode.h"
#include "moe/moe_layout.h"
#include "moe/moe_vec.h"

namespace pmx::moe {
namespace {

// c[m, n] = a[m, k]·b[k, n] + beta·c, one thread (the items are the
// parallelism; the same bits whatever the thread count). Returns oneDNN's
// status (callers report it outside the parallel region).
int gemm(int64_t m, int64_t n, int64_t k, const GemmOperand &a, const GemmOperand &b, float beta, float *c,
         int64_t ldc) {
    if (m == 0 || n == 0) return dnnl_success;
    if (k == 0) {
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.f ? 0.f : beta * c[i * ldc + j];
        return dnnl_success;
    }
    const bool outer = !omp_in_parallel();
    const int saved = outer ? omp_get_max_threads() : 1;
    if (outer) omp_set_num_threads(1);
    const dnnl_status_t st = dnnl_sgemm(a.trans, b.trans, m, n, k, 1.f, a.data, a.ld, b.data, b.ld, beta, c, ldc);
    if (outer) omp_set_num_threads(saved);
    return int(st);
}

void check_gemm_status(const std::atomic<int> &status) {
    if (status.load() != dnnl_success)
        fail(PMX_STATUS_INTERNAL_ERROR, "oneDNN sgemm failed with status %d", status.load());
}

void record(std::atomic<int> &status, int st) {
    if (st != dnnl_success) status.store(st);
}

// ---- router -------------------------------------------------------------------

// Top k of scores[0 .. e) by score, ties to the lower index, into idx (in
// descending order).
void top_k(const float *scores, int64_t e, int64_t k, int32_t *idx) {
    auto before = [&](int32_t a, int32_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); };
    if (k <= 8) {
        int64_t n = 0;
        for (int32_t i = 0; i < e; ++i) {
            if (n == k && !before(i, idx[k - 1])) continue;
            int64_t j = n < k ? n++ : k - 1;
            while (j > 0 && before(i, idx[j - 1])) {
                idx[j] = idx[j - 1];
                --j;
            }
            idx[j] = i;
        }
        return;
    }
    int32_t all[PMX_MAX_MOE_EXPERTS];
    for (int32_t i = 0; i < e; ++i) all[i] = i;
    std::partial_sort(all, all + k, all + e, before);
    std::copy(all, all + k, idx);
}

// Logit row t (noise added) into row[0 .. E); returns false if one is not finite.
bool logit_row(const RouterProblem &p, const float *computed, int64_t t, float *row) {
    bool finite = true;
    for (int64_t e = 0; e < p.experts; ++e) {
        float v = computed != nullptr ? computed[t * p.experts + e] : p.logits.f32()[p.logits.off(t, e)];
        if (p.noise_std > 0) v = float(double(v) + p.noise_std * router_noise(p.noise_seed, t, e, p.experts));
        finite = finite && std::isfinite(v);
        row[e] = v;
    }
    return finite;
}

}  // namespace

const MoeVecFns &moe_vec() {
    static const MoeVecFns fns = [] {
        using Get = MoeVecFns (*)();
        return cpu::pick_for_isa<Get>(&moe_vec_portable, &moe_vec_avx2, &moe_vec_avx512)();
    }();
    return fns;
}

GemmOperand operand(const float *data, int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
    GemmOperand g;
    g.data = data;
    if ((cols <= 1 || sc == 1) && (rows <= 1 || sr >= cols)) {
        g.trans = 'N';
        g.ld = rows <= 1 ? std::max<int64_t>(cols, 1) : std::max<int64_t>(sr, 1);
    } else {
        g.trans = 'T';
        g.ld = cols <= 1 ? std::max<int64_t>(rows, 1) : std::max<int64_t>(sc, 1);
    }
    return g;
}

void router_cpu(const RouterProblem &p, char *ws, int threads) {
    const RouterLayout l(p);
    const int64_t T = p.tokens, E = p.experts, K = p.k;
    const int64_t blocks = (T + kRouterBlock - 1) / kRouterBlock;
    float *computed = p.computed ? reinterpret_cast<float *>(ws + l.logits) : nullptr;
    double *partials = reinterpret_cast<double *>(ws + l.partials);
    int64_t *loads = reinterpret_cast<int64_t *>(ws + l.loads);

    if (p.computed) {
        std::atomic<int> status{dnnl_success};
        const GemmOperand wg = operand(p.gate_weight.f32(), p.dmodel, E, p.gate_weight.stride[0], p.gate_weight.stride[1]);
        parallel_items(blocks, threads, [&](int) {
            return [&](int64_t b) {
                const int64_t t0 = b * kRouterBlock, n = std::min(kRouterBlock, T - t0);
                const GemmOperand x =
                    operand(p.x.f32() + t0 * p.x.stride[0], n, p.dmodel, p.x.stride[0], p.x.stride[1]);
                record(status, gemm(n, E, p.dmodel, x, wg, 0.f, computed + t0 * E, E));
            };
        });
        check_gemm_status(status);
    }
    // Non-finite logits (after noise), before anything is written.
    std::atomic<int64_t> bad{T};
    parallel_items(blocks, threads, [&](int) {
        return [&](int64_t b) {
            float row[PMX_MAX_MOE_EXPERTS];
            for (int64_t t = b * kRouterBlock; t < std::min(T, (b + 1) * kRouterBlock); ++t)
                if (!logit_row(p, computed, t, row)) {
                    int64_t cur = bad.load();
                    while (t < cur && !bad.compare_exchange_weak(cur, t)) {
                    }
                    break;
                }
        };
    });
    if (bad.load() < T)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: token %lld has a non-finite logit%s", p.computed ? "x·gate_weight" : "logits",
             (long long)bad.load(), p.noise_std > 0 ? " (after noise)" : "");

    if (p.computed && p.logits.present())
        for (int64_t t = 0; t < T; ++t)
            for (int64_t e = 0; e < E; ++e) p.logits.f32()[p.logits.off(t, e)] = computed[t * E + e];

    // Scores, top k, weights; per block the score sums and the sum of lse².
    parallel_items(blocks, threads, [&](int) {
        return [&](int64_t b) {
            float row[PMX_MAX_MOE_EXPERTS], scores[PMX_MAX_MOE_EXPERTS];
            int32_t idx[PMX_MAX_MOE_EXPERTS];
            double *part = partials + b * (E + 1);
            for (int64_t e = 0; e <= E; ++e) part[e] = 0.0;
            for (int64_t t = b * kRouterBlock; t < std::min(T, (b + 1) * kRouterBlock); ++t) {
                logit_row(p, computed, t, row);
                const double lse = moe_vec().score_row(row, E, p.scoring, scores);
                part[E] += lse * lse;
                for (int64_t e = 0; e < E; ++e) part[e] += double(scores[e]);
                top_k(scores, E, K, idx);
                double sum = 0;
                for (int64_t s = 0; s < K; ++s) sum += double(scores[idx[s]]);
                for (int64_t s = 0; s < K; ++s) {
                    p.indices.i32()[p.indices.off(t, s)] = idx[s];
                    const double w = p.renormalize ? double(scores[idx[s]]) / sum : double(scores[idx[s]]);
                    p.weights.f32()[p.weights.off(t, s)] = float(w);
                }
            }
        };
    });

    // Loads, capacity (token order, then slot order), losses.
    int64_t *kept = loads + E;
    for (int64_t e = 0; e < E; ++e) loads[e] = kept[e] = 0;
    const int64_t cap = p.capacity();
    for (int64_t t = 0; t < T; ++t)
        for (int64_t s = 0; s < K; ++s) {
            const int32_t e = p.indices.i32()[p.indices.off(t, s)];
            ++loads[e];
            const bool drop = kept[e] >= cap;
            if (!drop) ++kept[e];
            if (p.dropped.present()) p.dropped.u8()[p.dropped.off(t, s)] = drop ? 1 : 0;
        }
    if (p.counts.present())
        for (int64_t e = 0; e < E; ++e) p.counts.i32()[p.counts.off(e)] = int32_t(loads[e]);
    double aux = 0, z = 0;
    if (T > 0) {
        for (int64_t e = 0; e < E; ++e) {
            double pe = 0;
            for (int64_t b = 0; b < blocks; ++b) pe += partials[b * (E + 1) + e];
            aux += double(loads[e]) / double(T * K) * (pe / double(T));
        }
        aux *= double(E);
        for (int64_t b = 0; b < blocks; ++b) z += partials[b * (E + 1) + E];
        z /= double(T);
    }
    if (p.aux_loss.present()) p.aux_loss.f32()[0] = float(aux);
    if (p.z_loss.present()) p.z_loss.f32()[0] = float(z);
}

// ---- permute ------------------------------------------------------------------

void permute_cpu(const PermuteProblem &p, int threads) {
    const int64_t T = p.tokens, K = p.k, E = p.experts, d = p.dmodel;
    for (int64_t t = 0; t < T; ++t)
        for (int64_t s = 0; s < K; ++s) {
            const int32_t e = p.indices.i32()[p.indices.off(t, s)];
            if (e < 0 || e >= E)
                fail(PMX_STATUS_INVALID_ARGUMENT, "indices: element (%lld, %lld) = %d is outside 0 .. E-1 = %lld",
                     (long long)t, (long long)s, e, (long long)(E - 1));
        }
    auto dropped = [&](int64_t t, int64_t s) { return p.dropped.present() && p.dropped.u8()[p.dropped.off(t, s)] != 0; };
    int64_t next[PMX_MAX_MOE_EXPERTS + 1];
    for (int64_t e = 0; e <= E; ++e) next[e] = 0;
    for (int64_t t = 0; t < T; ++t)
        for (int64_t s = 0; s < K; ++s)
            if (!dropped(t, s)) ++next[p.indices.i32()[p.indices.off(t, s)] + 1];
    for (int64_t e = 0; e < E; ++e) next[e + 1] += next[e];
    for (int64_t e = 0; e <= E; ++e) p.offsets.i32()[p.offsets.off(e)] = int32_t(next[e]);
    for (int64_t t = 0; t < T; ++t)
        for (int64_t s = 0; s < K; ++s)
            p.rows.i32()[p.rows.off(t, s)] =
                dropped(t, s) ? -1 : int32_t(next[p.indices.i32()[p.indices.off(t, s)]]++);

    const bool dense = (d <= 1 || (p.x.stride[1] == 1 && p.x_sorted.stride[1] == 1));
    const int64_t blocks = (T + kRouterBlock - 1) / kRouterBlock;
    parallel_items(blocks, threads, [&](int) {
        return [&](int64_t b) {
            for (int64_t t = b * kRouterBlock; t < std::min(T, (b + 1) * kRouterBlock); ++t)
                for (int64_t s = 0; s < K; ++s) {
                    const int32_t r = p.rows.i32()[p.rows.off(t, s)];
                    if (r < 0) continue;
                    const float *src = p.x.f32() + p.x.off(t);
                    float *dst = p.x_sorted.f32() + p.x_sorted.off(r);
                    if (dense) std::memcpy(dst, src, size_t(d) * sizeof(float));
                    else
                        for (int64_t j = 0; j < d; ++j) dst[j * p.x_sorted.stride[1]] = src[j * p.x.stride[1]];
                }
        };
    });
}

// ---- experts ------------------------------------------------------------------

void experts_cpu(const ExpertsProblem &p, char *ws, int threads) {
    const ExpertsLayout l(p, threads);
    const int64_t E = p.experts, d = p.dmodel, h = p.hidden;
    int32_t *off = reinterpret_cast<int32_t *>(ws + l.offsets);
    for (int64_t e = 0; e <= E; ++e) off[e] = p.offsets.i32()[p.offsets.off(e)];
    if (off[0] != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "offsets: element 0 must be 0, got %d", off[0]);
    for (int64_t e = 0; e < E; ++e)
        if (off[e + 1] < off[e])
            fail(PMX_STATUS_INVALID_ARGUMENT, "offsets: decreases at element %lld (%d after %d)", (long long)(e + 1),
                 off[e + 1], off[e]);
    if (off[E] > p.rows)
        fail(PMX_STATUS_INVALID_ARGUMENT, "offsets: the last element %d exceeds the row count R = %lld", off[E],
             (long long)p.rows);

    if (decode_path(p, off, l)) {
        experts_decode(p, off, ws, l, threads);
        return;
    }
    // Items: (expert, block of l.chunk rows), in expert order.
    int64_t items = 0;
    for (int64_t e = 0; e < E; ++e) items += (off[e + 1] - off[e] + l.chunk - 1) / l.chunk;
    if (items == 0) return;
    std::atomic<int> status{dnnl_success};
    parallel_items(items, threads, [&](int thread) {
        float *h1 = reinterpret_cast<float *>(ws + l.per_thread + thread * l.slice);
        float *h3 = h1 + l.chunk * h;
        float *bias = h1 + l.chunk * h * (p.gated ? 2 : 1);
        return [&, h1, h3, bias](int64_t item) {
            int64_t e = 0, first = item;
            for (;; ++e) {
                const int64_t n = (off[e + 1] - off[e] + l.chunk - 1) / l.chunk;
                if (first < n) break;
                first -= n;
            }
            const int64_t r0 = off[e] + first * l.chunk, m = std::min<int64_t>(l.chunk, off[e + 1] - r0);
            const GemmOperand x = operand(p.x_sorted.f32() + r0 * p.x_sorted.stride[0], m, d, p.x_sorted.stride[0],
                                          p.x_sorted.stride[1]);
            auto weight = [&](const View &w, int64_t rows, int64_t cols) {
                return operand(w.f32() + e * w.stride[0], rows, cols, w.stride[1], w.stride[2]);
            };
            record(status, gemm(m, h, d, x, weight(p.w1, d, h), 0.f, h1, h));
            if (p.gated) record(status, gemm(m, h, d, x, weight(p.w3, d, h), 0.f, h3, h));
            const float *b1 = nullptr, *b3 = nullptr;
            if (p.b1.present()) {
                for (int64_t j = 0; j < h; ++j) bias[j] = p.b1.f32()[p.b1.off(e, j)];
                b1 = bias;
            }
            if (p.b3.present()) {
                for (int64_t j = 0; j < h; ++j) bias[h + j] = p.b3.f32()[p.b3.off(e, j)];
                b3 = bias + h;
            }
            moe_vec().activate(h1, p.gated ? h3 : nullptr, m, h, h, b1, b3, p.activation);
            float *y = p.y_sorted.f32() + r0 * p.y_sorted.stride[0];
            const int64_t ldy = m <= 1 ? std::max<int64_t>(d, 1) : p.y_sorted.stride[0];
            float beta = 0.f;
            if (p.b2.present()) {
                for (int64_t i = 0; i < m; ++i)
                    for (int64_t j = 0; j < d; ++j) y[i * ldy + j] = p.b2.f32()[p.b2.off(e, j)];
                beta = 1.f;
            }
            GemmOperand a;
            a.data = h1;
            a.ld = h;
            record(status, gemm(m, d, h, a, weight(p.w2, h, d), beta, y, ldy));
        };
    });
    check_gemm_status(status);
}

// ---- combine ------------------------------------------------------------------

void combine_cpu(const CombineProblem &p, int threads) {
    const int64_t T = p.tokens, K = p.k, d = p.dmodel;
    for (int64_t t = 0; t < T; ++t)
        for (int64_t s = 0; s < K; ++s) {
            const int32_t r = p.rows.i32()[p.rows.off(t, s)];
            if (r < -1 || r >= p.sorted_rows)
                fail(PMX_STATUS_INVALID_ARGUMENT, "rows: element (%lld, %lld) = %d is outside -1 .. R-1 = %lld",
                     (long long)t, (long long)s, r, (long long)(p.sorted_rows - 1));
        }
    const bool dense = d <= 1 || (p.y_sorted.stride[1] == 1 && p.out.stride[1] == 1);
    const int64_t blocks = (T + kRouterBlock - 1) / kRouterBlock;
    parallel_items(blocks, threads, [&](int) {
        return [&](int64_t b) {
            const float *ys[PMX_MAX_MOE_EXPERTS];
            float ws[PMX_MAX_MOE_EXPERTS];
            for (int64_t t = b * kRouterBlock; t < std::min(T, (b + 1) * kRouterBlock); ++t) {
                int n = 0;
                for (int64_t s = 0; s < K; ++s) {
                    const int32_t r = p.rows.i32()[p.rows.off(t, s)];
                    if (r < 0) continue;
                    ys[n] = p.y_sorted.f32() + p.y_sorted.off(r);
                    ws[n++] = p.weights.f32()[p.weights.off(t, s)];
                }
                float *out = p.out.f32() + p.out.off(t);
                if (dense) {
                    moe_vec().combine_row(out, d, ys, ws, n);
                    continue;
                }
                for (int64_t j = 0; j < d; ++j) {
                    float acc = 0.f;
                    for (int i = 0; i < n; ++i) acc = std::fma(ws[i], ys[i][j * p.y_sorted.stride[1]], acc);
                    out[j * p.out.stride[1]] = acc;
                }
            }
        };
    });
}

// ---- the whole layer ----------------------------------------------------------

void moe_cpu(const MoeProblem &p, char *ws, int threads) {
    const MoeLayout l(p, threads);
    const int64_t T = p.router.tokens, K = p.router.k, E = p.router.experts, d = p.router.dmodel;
    auto dense2 = [&](int64_t at, int32_t dtype, int64_t cols) {
        View v;
        v.data = ws + at;
        v.dtype = dtype;
        v.stride[0] = cols;
        v.stride[1] = 1;
        return v;
    };
    RouterProblem r = p.router;
    if (!r.indices.present()) r.indices = dense2(l.indices, PMX_DTYPE_I32, K);
    if (!r.weights.present()) r.weights = dense2(l.weights, PMX_DTYPE_F32, K);
    if (!r.dropped.present()) r.dropped = dense2(l.dropped, PMX_DTYPE_U8, K);
    router_cpu(r, ws + l.router, threads);

    PermuteProblem pp;
    pp.tokens = T;
    pp.dmodel = d;
    pp.experts = E;
    pp.k = K;
    pp.x = r.x;
    pp.indices = r.indices;
    pp.dropped = r.dropped;
    pp.x_sorted = dense2(l.x_sorted, PMX_DTYPE_F32, d);
    pp.offsets = dense2(l.offsets, PMX_DTYPE_I32, 1);
    pp.offsets.stride[0] = 1;
    pp.rows = dense2(l.rows, PMX_DTYPE_I32, K);
    permute_cpu(pp, threads);

    ExpertsProblem ep = p.experts;
    ep.rows = T * K;
    ep.x_sorted = pp.x_sorted;
    ep.offsets = pp.offsets;
    ep.y_sorted = dense2(l.y_sorted, PMX_DTYPE_F32, d);
    experts_cpu(ep, ws + l.experts, threads);

    CombineProblem cp;
    cp.tokens = T;
    cp.dmodel = d;
    cp.k = K;
    cp.sorted_rows = T * K;
    cp.y_sorted = ep.y_sorted;
    cp.rows = pp.rows;
    cp.weights = r.weights;
    cp.out = p.out;
    combine_cpu(cp, threads);
}

double router_noise(uint64_t seed, int64_t t, int64_t e, int64_t experts) {
    return rng::gaussian(seed, uint64_t(t) * uint64_t(experts) + uint64_t(e));
}

}  // namespace pmx::moe
