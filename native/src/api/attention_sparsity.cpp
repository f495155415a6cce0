// The ABI 2.1 fields of pmx_attention_params (window, softcap, global tokens,
// ALiBi, block layouts, top-k, axial): validated into the problem's
// geometry, as part of the one resolve step (attention_call.cpp).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "api/attention_call.h"
#include "common/status.h"
#include "common/tensor_check.h"

namespace pmx {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

void check_window_bound(int32_t w, const char *name) {
    if (w < -1) fail(PMX_STATUS_INVALID_ARGUMENT, "%s: must be -1 (unbounded) or >= 0, got %d", name, w);
}

int64_t block_size(int32_t b, const char *name) {
    if (b < 0) fail(PMX_STATUS_INVALID_ARGUMENT, "%s: must be >= 1 (0 means 64), got %d", name, b);
    return b == 0 ? 64 : b;
}

// Global positions: I32 [G] contiguous, strictly increasing, in [0, limit).
void check_global_values(const int32_t *g, int64_t n, int64_t limit) {
    for (int64_t i = 0; i < n; ++i) {
        if (g[i] < 0 || g[i] >= limit)
            fail(PMX_STATUS_INVALID_ARGUMENT, "global_tokens: entry %lld is %d, outside [0, %lld)", (long long)i, g[i],
                 (long long)limit);
        if (i > 0 && g[i] <= g[i - 1])
            fail(PMX_STATUS_INVALID_ARGUMENT, "global_tokens: must be strictly increasing, entry %lld (%d) <= %d",
                 (long long)i, g[i], g[i - 1]);
    }
}

// The longest sequence (dense: the row count).
int64_t longest(const attention::FwdGeometry &p, bool keys) {
    if (!p.varlen()) return keys ? p.nk : p.nq;
    int64_t m = 0;
    for (int64_t b = 0; b < p.batch; ++b) m = std::max(m, keys ? p.k_len(b) : p.q_len(b));
    return m;
}

// A U8 [B?, H?, nbq, nbk] layout: dims 2 and 3 equal to the block counts
// (dense), at least those of the longest sequence (varlen, checked at bind).
void check_layout_tensor(const pmx_tensor &t, const char *name, bool broadcast, int64_t batch, int64_t heads,
                         const attention::FwdGeometry &p) {
    check_tensor(t, name, 4, {PMX_DTYPE_U8}, PMX_DEVICE_CPU);
    if (broadcast) {
        if (t.shape[0] != 1 && t.shape[0] != batch)
            fail(PMX_STATUS_INVALID_ARGUMENT, "%s: shape[0] is %lld but must be 1 or B = %lld", name,
                 (long long)t.shape[0], (long long)batch);
        if (t.shape[1] != 1 && t.shape[1] != heads)
            fail(PMX_STATUS_INVALID_ARGUMENT, "%s: shape[1] is %lld but must be 1 or H = %lld", name,
                 (long long)t.shape[1], (long long)heads);
    } else {
        check_dim(t, name, 0, batch, "B");
        check_dim(t, name, 1, heads, "H");
    }
    if (!p.varlen()) {
        check_dim(t, name, 2, ceil_div(p.nq, p.block_q), "ceil(Nq / block_q)");
        check_dim(t, name, 3, ceil_div(p.nk, p.block_k), "ceil(Nk / block_k)");
    }
}

void check_layout_covers(const pmx_tensor &t, const char *name, const attention::FwdGeometry &p) {
    const int64_t nbq = ceil_div(longest(p, false), p.block_q), nbk = ceil_div(longest(p, true), p.block_k);
    if (t.shape[2] < nbq || t.shape[3] < nbk)
        fail(PMX_STATUS_INVALID_ARGUMENT,
             "%s: [.., %lld, %lld] does not cover the longest sequence's %lld x %lld blocks", name,
             (long long)t.shape[2], (long long)t.shape[3], (long long)nbq, (long long)nbk);
}

void check_self_attention(const attention::FwdGeometry &p, const char *name) {
    for (int64_t b = 0; b < p.batch; ++b)
        if (p.q_len(b) != p.k_len(b))
            fail(PMX_STATUS_INVALID_ARGUMENT, "%s: self-attention only (Nq = Nk), sequence %lld has Nq = %lld, Nk = %lld",
                 name, (long long)b, (long long)p.q_len(b), (long long)p.k_len(b));
}

void resolve_axial(const pmx_attention_params &a, attention::FwdGeometry &p) {
    if (a.axial_axis == PMX_AXIAL_OFF) {
        if (a.axial_rows != 0 || a.axial_cols != 0)
            fail(PMX_STATUS_INVALID_ARGUMENT, "axial_rows, axial_cols: set without axial_axis");
        return;
    }
    if (a.axial_axis != PMX_AXIAL_ROW && a.axial_axis != PMX_AXIAL_COL)
        fail(PMX_STATUS_INVALID_ARGUMENT, "axial_axis: must be 0 (off), 1 (row) or 2 (col), got %d", a.axial_axis);
    if (p.varlen()) fail(PMX_STATUS_INVALID_ARGUMENT, "axial_axis: dense batches only (cu_seqlens given)");
    if (a.axial_rows < 1 || a.axial_cols < 1)
        fail(PMX_STATUS_INVALID_ARGUMENT, "axial_rows, axial_cols: must be >= 1, got %d x %d", a.axial_rows,
             a.axial_cols);
    const int64_t r = a.axial_rows, c = a.axial_cols;
    if (p.nq != r * c || p.nk != r * c)
        fail(PMX_STATUS_INVALID_ARGUMENT, "axial_rows, axial_cols: %lld x %lld != Nq = %lld, Nk = %lld",
             (long long)r, (long long)c, (long long)p.nq, (long long)p.nk);
    // Sequence b = (b_outer, index along the other axis); see FwdGeometry.
    const bool row = a.axial_axis == PMX_AXIAL_ROW;
    p.sub = row ? r : c;
    p.nq = p.nk = row ? c : r;
    auto split = [&](int64_t &sn, int64_t &sa) {
        sa = row ? c * sn : sn;
        if (!row) sn *= c;
    };
    split(p.q_sn, p.q_sa);
    split(p.k_sn, p.k_sa);
    split(p.v_sn, p.v_sa);
    split(p.o_sn, p.o_sa);
    split(p.l_sn, p.l_sa);
    p.batch *= p.sub;
}

}  // namespace

void resolve_sparsity(const pmx_attention_params &a, attention::FwdGeometry &p) {
    resolve_axial(a, p);
    const int64_t caller_batch = p.batch / p.sub;

    if (a.window != 0 && a.window != 1) fail(PMX_STATUS_INVALID_ARGUMENT, "window: must be 0 or 1, got %d", a.window);
    p.window = a.window == 1;
    if (p.window) {
        check_window_bound(a.window_left, "window_left");
        check_window_bound(a.window_right, "window_right");
        p.window_left = a.window_left;
        p.window_right = a.window_right;
    }
    if (!std::isfinite(a.softcap) || a.softcap < 0.f)
        fail(PMX_STATUS_INVALID_ARGUMENT, "softcap: must be finite and >= 0 (0 = off), got %g", double(a.softcap));
    p.softcap = a.softcap;

    p.block_q = block_size(a.block_q, "block_q");
    p.block_k = block_size(a.block_k, "block_k");

    if (tensor_present(a.global_tokens)) {
        check_tensor(a.global_tokens, "global_tokens", 1, {PMX_DTYPE_I32}, PMX_DEVICE_CPU);
        p.n_global = a.global_tokens.shape[0];
        if (p.n_global > 1 && a.global_tokens.stride[0] != 1)
            fail(PMX_STATUS_INVALID_ARGUMENT, "global_tokens: must be contiguous");
        if (!p.varlen()) check_self_attention(p, "global_tokens");
        p.global = static_cast<const int32_t *>(a.global_tokens.data);
        check_global_values(p.global, p.n_global, longest(p, false));
        if (p.n_global == 0) p.global = nullptr;
    }

    if (tensor_present(a.alibi_slopes)) {
        const pmx_tensor &s = a.alibi_slopes;
        if (s.ndim == 1) {
            check_tensor(s, "alibi_slopes", 1, {PMX_DTYPE_F32}, PMX_DEVICE_CPU);
            check_dim(s, "alibi_slopes", 0, p.heads, "H");
            p.alibi_sb = 0;
            p.alibi_sh = s.stride[0];
        } else {
            check_tensor(s, "alibi_slopes", 2, {PMX_DTYPE_F32}, PMX_DEVICE_CPU);
            check_dim(s, "alibi_slopes", 0, caller_batch, "B");
            check_dim(s, "alibi_slopes", 1, p.heads, "H");
            p.alibi_sb = s.stride[0];
            p.alibi_sh = s.stride[1];
        }
        p.alibi = static_cast<const float *>(s.data);
        for (int64_t b = 0; b < (s.ndim == 1 ? 1 : caller_batch); ++b)
            for (int64_t h = 0; h < p.heads; ++h)
                if (!std::isfinite(p.alibi[b * p.alibi_sb + h * p.alibi_sh]))
                    fail(PMX_STATUS_INVALID_ARGUMENT, "alibi_slopes: entry [%lld, %lld] is not finite", (long long)b,
                         (long long)h);
    }

    if (a.topk_blocks < 0) fail(PMX_STATUS_INVALID_ARGUMENT, "topk_blocks: must be >= 0, got %d", a.topk_blocks);
    p.topk = a.topk_blocks;
    const bool mask = tensor_present(a.block_mask);
    if (mask && p.topk > 0)
        fail(PMX_STATUS_INVALID_ARGUMENT, "block_mask: give either a block mask or topk_blocks, not both");
    if (mask) {
        check_layout_tensor(a.block_mask, "block_mask", true, caller_batch, p.heads, p);
        p.layout = static_cast<const uint8_t *>(a.block_mask.data);
        p.lay_sb = a.block_mask.shape[0] == 1 ? 0 : a.block_mask.stride[0];
        p.lay_sh = a.block_mask.shape[1] == 1 ? 0 : a.block_mask.stride[1];
        p.lay_sq = a.block_mask.stride[2];
        p.lay_sk = a.block_mask.stride[3];
        p.nbq = a.block_mask.shape[2];
        p.nbk = a.block_mask.shape[3];
    }
    if (tensor_present(a.layout_out)) {
        if (p.topk == 0) fail(PMX_STATUS_INVALID_ARGUMENT, "layout_out: only with topk_blocks > 0");
        check_layout_tensor(a.layout_out, "layout_out", false, caller_batch, p.heads, p);
        p.layout_out = static_cast<uint8_t *>(a.layout_out.data);
        p.out_sb = a.layout_out.stride[0];
        p.out_sh = a.layout_out.stride[1];
        p.out_sq = a.layout_out.stride[2];
        p.out_sk = a.layout_out.stride[3];
    }
    if (p.topk > 0 && p.sub > 1) fail(PMX_STATUS_INVALID_ARGUMENT, "topk_blocks: not with axial attention");
    if (p.topk > 0) {
        p.nbq = tensor_present(a.layout_out) ? a.layout_out.shape[2] : ceil_div(longest(p, false), p.block_q);
        p.nbk = tensor_present(a.layout_out) ? a.layout_out.shape[3] : ceil_div(longest(p, true), p.block_k);
        if (p.topk > ceil_div(longest(p, true), p.block_k) && !p.varlen())
            fail(PMX_STATUS_INVALID_ARGUMENT, "topk_blocks: %lld is more than the %lld key blocks", (long long)p.topk,
                 (long long)ceil_div(p.nk, p.block_k));
    }
}

void bind_sparsity(attention::FwdGeometry &p, const pmx_attention_params &a, int32_t *global_copy) {
    if (p.n_global > 0) {
        std::memcpy(global_copy, a.global_tokens.data, size_t(p.n_global) * sizeof(int32_t));
        if (p.varlen()) check_self_attention(p, "global_tokens");
        check_global_values(global_copy, p.n_global, longest(p, false));
        p.global = global_copy;
    }
    if (!p.varlen()) return;
    if (tensor_present(a.block_mask)) check_layout_covers(a.block_mask, "block_mask", p);
    if (tensor_present(a.layout_out)) check_layout_covers(a.layout_out, "layout_out", p);
    if (p.topk > ceil_div(longest(p, true), p.block_k))
        fail(PMX_STATUS_INVALID_ARGUMENT, "topk_blocks: %lld is more than the %lld key blocks of the longest sequence",
             (long long)p.topk, (long long)ceil_div(longest(p, true), p.block_k));
    // The top-k layout was sized from the lengths read before the copy.
    if (p.topk > 0 && (ceil_div(longest(p, false), p.block_q) > p.nbq || ceil_div(longest(p, true), p.block_k) > p.nbk))
        fail(PMX_STATUS_INVALID_ARGUMENT, "cu_seqlens_q, cu_seqlens_k: changed during the call");
}

}  // namespace pmx
