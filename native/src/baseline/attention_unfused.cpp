#include "baseline/attention_unfused.h"

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "api/attention_call.h"
#include "common/api_checks.h"
#include "common/status.h"

namespace pmx::baseline {
namespace {

using attention::FwdProblem;

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

int64_t checked_mul(int64_t a, int64_t b, const char *what) {
    int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) fail(PMX_STATUS_INVALID_ARGUMENT, "%s overflows 64-bit sizes", what);
    return r;
}

int64_t checked_add(int64_t a, int64_t b) {
    int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r))
        fail(PMX_STATUS_INVALID_ARGUMENT, "q, k: the unfused workspace size overflows 64-bit sizes");
    return r;
}

// Bytes of `elems` floats, rounded up to a 64-byte line.
int64_t float_bytes(int64_t elems, const char *what) {
    return checked_mul((checked_mul(elems, sizeof(float), what) + 63) / 64, 64, what);
}

// Byte offsets of the workspace regions; every region starts on a 64-byte line.
struct Layout {
    int64_t row_scale = 0, q = 0, k = 0, v = 0, s = 0, o = 0, total = 0;
};

Layout layout_of(const FwdProblem &p) {
    int64_t nq = 0, nk = 0;
    for (int64_t b = 0; b < p.batch; ++b) {
        nq = std::max(nq, p.q_len(b));
        nk = std::max(nk, p.k_len(b));
    }
    const int64_t d = p.head_dim;
    Layout l;
    // The cu_seqlens copies (varlen only) come first: their size depends on B alone.
    l.row_scale = p.varlen() ? (2 * (p.batch + 1) * int64_t(sizeof(int32_t)) + 63) / 64 * 64 : 0;
    l.q = checked_add(l.row_scale, float_bytes(nq, "q: Nq row scales"));
    l.k = checked_add(l.q, float_bytes(checked_mul(nq, d, "q: Nq·D panel"), "q: Nq·D panel"));
    const int64_t kv_panel = float_bytes(checked_mul(nk, d, "k: Nk·D panel"), "k: Nk·D panel");
    l.v = checked_add(l.k, kv_panel);
    l.s = checked_add(l.v, kv_panel);
    const int64_t scores = checked_mul(nq, nk, "q, k: Nq·Nk score matrix");
    l.o = checked_add(l.s, float_bytes(scores, "q, k: Nq·Nk score matrix"));
    l.total = checked_add(l.o, float_bytes(checked_mul(nq, d, "q: Nq·D panel"), "q: Nq·D panel"));
    return l;
}

int loop_threads(int threads, int64_t rows) { return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, rows))); }

// Keys row i of an [nq, nk] problem sees (bottom-right causal alignment).
int64_t visible_keys(bool causal, int64_t i, int64_t nq, int64_t nk) {
    return causal ? std::clamp<int64_t>(i + nk - nq + 1, 0, nk) : nk;
}

// Copies src rows (i < n, element d at i*s_n + d*s_d) times `factor` into a
// dense [n, d_len] panel. Returns the last row holding a NaN or Inf, or -1.
int64_t pack_rows(const float *src, int64_t s_n, int64_t s_d, int64_t n, int64_t d_len, float factor, float *dst,
                  int threads) {
    int64_t last_non_finite = -1;
#pragma omp parallel for num_threads(loop_threads(threads, n)) reduction(max : last_non_finite)
    for (int64_t i = 0; i < n; ++i) {
        bool finite = true;
        for (int64_t d = 0; d < d_len; ++d) {
            const float x = src[i * s_n + d * s_d];
            finite = finite && std::isfinite(x);
            dst[i * d_len + d] = x * factor;
        }
        if (!finite) last_non_finite = std::max(last_non_finite, i);
    }
    return last_non_finite;
}

// c[m, n] = a[m, k] · op(b), row-major; op(b) = bᵀ when transb is 'T'.
void sgemm(char transb, int64_t m, int64_t n, int64_t k, const float *a, const float *b, int64_t ldb, float *c) {
    const dnnl_status_t st = dnnl_sgemm('N', transb, m, n, k, 1.f, a, k, b, ldb, 0.f, c, n);
    if (st != dnnl_success) fail(PMX_STATUS_INTERNAL_ERROR, "oneDNN sgemm failed with status %d", (int)st);
}

// Replaces each score row by exp(s - row max) over the keys it sees and 0
// elsewhere; row_scale[i] = 1 / row sum (0 for a row that sees nothing).
// NaN scores make the row sum, hence the row, NaN, as IEEE arithmetic does.
void softmax_rows(float *s, int64_t nq, int64_t nk, bool causal, float *row_scale, float *lse, int64_t l_sn,
                  int threads) {
#pragma omp parallel for num_threads(loop_threads(threads, nq))
    for (int64_t i = 0; i < nq; ++i) {
        float *row = s + i * nk;
        const int64_t visible = visible_keys(causal, i, nq, nk);
        float row_max = kNegInf;
        for (int64_t j = 0; j < visible; ++j) row_max = std::max(row_max, row[j]);
        double sum = 0;
        for (int64_t j = 0; j < visible; ++j) {
            row[j] = std::exp(row[j] - row_max);
            sum += row[j];
        }
        std::fill(row + visible, row + nk, 0.f);
        row_scale[i] = visible > 0 ? static_cast<float>(1.0 / sum) : 0.f;
        if (lse != nullptr) lse[i * l_sn] = visible > 0 ? static_cast<float>(row_max + std::log(sum)) : kNegInf;
    }
}

// P·V also multiplies masked zeros of P by V; a NaN or Inf in a value row a
// query does not see must not reach it, so those rows are summed again over
// their visible keys only (causal only; rare, so plain loops).
void resum_rows_hiding_non_finite(const float *p, const float *v, int64_t last_non_finite, int64_t nq, int64_t nk,
                                  int64_t d_len, bool causal, float *o, int threads) {
    if (!causal || last_non_finite < 0) return;
#pragma omp parallel for num_threads(loop_threads(threads, nq))
    for (int64_t i = 0; i < nq; ++i) {
        const int64_t visible = visible_keys(causal, i, nq, nk);
        if (visible > last_non_finite) continue;
        float *row = o + i * d_len;
        std::fill(row, row + d_len, 0.f);
        for (int64_t j = 0; j < visible; ++j)
            for (int64_t d = 0; d < d_len; ++d) row[d] += p[i * nk + j] * v[j * d_len + d];
    }
}

void write_out(const float *o, const float *row_scale, int64_t nq, int64_t d_len, float *out, int64_t o_sn,
               int64_t o_sd, int threads) {
#pragma omp parallel for num_threads(loop_threads(threads, nq))
    for (int64_t i = 0; i < nq; ++i)
        for (int64_t d = 0; d < d_len; ++d) out[i * o_sn + d * o_sd] = o[i * d_len + d] * row_scale[i];
}

}  // namespace

int64_t unfused_workspace_bytes(const FwdProblem &p) { return layout_of(p).total; }

FwdProblem resolve_unfused_shape(const pmx_attention_params *params) {
    FwdProblem p = resolve_attention(params);
    if (p.sparse() || p.softcap > 0.f || p.alibi != nullptr || p.sub > 1)
        fail(PMX_STATUS_UNSUPPORTED,
             "the unfused baseline runs dense or causal attention only (no window, global tokens, block layout, "
             "softcap, ALiBi or axial)");
    return p;
}

FwdProblem resolve_unfused(const pmx_attention_params *params, void *workspace, int64_t workspace_bytes) {
    FwdProblem p = resolve_unfused_shape(params);
    check_outputs_apart(*params);
    const int64_t needed = unfused_workspace_bytes(p);
    check_workspace(workspace, workspace_bytes, needed);
    check_workspace_apart(*params, workspace, needed);
    if (!p.varlen()) return p;
    // The copy sits at the start of the workspace; the sizes that follow it
    // depend on the lengths, so they are checked again against the copy.
    bind_cu_seqlens(p, *params, static_cast<int32_t *>(workspace));
    check_workspace(workspace, workspace_bytes, unfused_workspace_bytes(p));
    return p;
}

void attention_unfused(const FwdProblem &p, void *workspace, int threads) {
    const Layout l = layout_of(p);
    char *ws = static_cast<char *>(workspace);
    float *row_scale = reinterpret_cast<float *>(ws + l.row_scale);
    float *qp = reinterpret_cast<float *>(ws + l.q);
    float *kp = reinterpret_cast<float *>(ws + l.k);
    float *vp = reinterpret_cast<float *>(ws + l.v);
    float *s = reinterpret_cast<float *>(ws + l.s);
    float *op = reinterpret_cast<float *>(ws + l.o);
    const int64_t group = p.heads / p.kv_heads, d_len = p.head_dim;
    // oneDNN (OpenMP runtime) uses the calling thread's team size.
    omp_set_num_threads(threads);
    for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t nq = p.q_len(b), nk = p.k_len(b);
        if (nq == 0) continue;
        for (int64_t hk = 0; hk < p.kv_heads; ++hk) {
            pack_rows(p.k + p.k_base(b) + hk * p.k_sh, p.k_sn, p.k_sd, nk, d_len, 1.f, kp, threads);
            const int64_t last_non_finite_v =
                pack_rows(p.v + p.v_base(b) + hk * p.v_sh, p.v_sn, p.v_sd, nk, d_len, 1.f, vp, threads);
            for (int64_t h = hk * group; h < (hk + 1) * group; ++h) {
                pack_rows(p.q + p.q_base(b) + h * p.q_sh, p.q_sn, p.q_sd, nq, d_len, p.scale, qp, threads);
                if (nk > 0) sgemm('T', nq, nk, d_len, qp, kp, d_len, s);
                float *lse = p.lse != nullptr ? p.lse + p.lse_base(b) + h * p.l_sh : nullptr;
                softmax_rows(s, nq, nk, p.causal, row_scale, lse, p.l_sn, threads);
                if (nk > 0) sgemm('N', nq, d_len, nk, s, vp, d_len, op);
                else std::fill(op, op + nq * d_len, 0.f);
                resum_rows_hiding_non_finite(s, vp, last_non_finite_v, nq, nk, d_len, p.causal, op, threads);
                write_out(op, row_scale, nq, d_len, p.out + p.o_base(b) + h * p.o_sh, p.o_sn, p.o_sd, threads);
            }
        }
    }
}

}  // namespace pmx::baseline
