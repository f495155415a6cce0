#include "api/attention_call.h"

#include <algorithm>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "api/rope_call.h"
#include "common/status.h"
#include "common/tensor_check.h"

namespace pmx {
namespace {

constexpr int64_t kMaxHeadDim = PMX_MAX_HEAD_DIM;

// Size of the first ABI version of the struct: callers built against it are
// accepted; anything smaller is not a pmx_attention_params.
constexpr int64_t kParamsV1Size = static_cast<int64_t>(offsetof(pmx_attention_params, lse) + sizeof(pmx_tensor));
// Size of the ABI 2.1 struct (sparsity, bias, positions).
constexpr int64_t kParamsV21Size = static_cast<int64_t>(sizeof(pmx_attention_params));

// Every tensor of the params, the outputs first (n_outputs of them). The ABI
// 2.1 tensors count only when the caller's struct has them.
struct Tensors {
    std::array<NamedTensor, 11> all{};
    size_t n = 0;
    size_t n_outputs = 0;
    void add(const pmx_tensor &t, const char *name) { all[n++] = {&t, name}; }
};

Tensors tensors_of(const pmx_attention_params &a) {
    const bool v21 = a.struct_size >= kParamsV21Size;
    Tensors t;
    t.add(a.out, "out");
    t.add(a.lse, "lse");
    if (v21) t.add(a.layout_out, "layout_out");
    t.n_outputs = t.n;
    t.add(a.q, "q");
    t.add(a.k, "k");
    t.add(a.v, "v");
    t.add(a.cu_seqlens_q, "cu_seqlens_q");
    t.add(a.cu_seqlens_k, "cu_seqlens_k");
    if (v21) {
        t.add(a.global_tokens, "global_tokens");
        t.add(a.alibi_slopes, "alibi_slopes");
        t.add(a.block_mask, "block_mask");
    }
    return t;
}

// Everything but the tensors' data pointers: validates every argument.
attention::FwdGeometry resolve_geometry(const pmx_attention_params *params, bool allow_f64) {
    if (params == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "params: must not be NULL");
    if (params->struct_size < kParamsV1Size)
        fail(PMX_STATUS_INVALID_ARGUMENT, "params: struct_size %lld is smaller than pmx_attention_params (%lld)",
             (long long)params->struct_size, (long long)kParamsV1Size);
    const pmx_attention_params &a = *params;
    const bool varlen = tensor_present(a.cu_seqlens_q);
    if (varlen != tensor_present(a.cu_seqlens_k))
        fail(PMX_STATUS_INVALID_ARGUMENT, "cu_seqlens_q and cu_seqlens_k: give both (packed varlen) or neither");
    const int rank = varlen ? 3 : 4;
    const int row = varlen ? 0 : 1;  // the sequence dimension
    check_float_tensor(a.q, "q", rank, allow_f64);
    check_float_tensor(a.k, "k", rank, allow_f64);
    check_float_tensor(a.v, "v", rank, allow_f64);
    check_float_tensor(a.out, "out", rank, allow_f64);

    attention::FwdGeometry p;
    p.heads = a.q.shape[row + 1];
    p.head_dim = a.q.shape[row + 2];
    p.kv_heads = a.k.shape[row + 1];
    if (p.head_dim < 1 || p.head_dim > kMaxHeadDim)
        fail(PMX_STATUS_INVALID_ARGUMENT, "q: head dim D = %lld must be in 1..%lld", (long long)p.head_dim,
             (long long)kMaxHeadDim);
    if (p.heads < 1) fail(PMX_STATUS_INVALID_ARGUMENT, "q: H must be at least 1");
    if (p.kv_heads < 1) fail(PMX_STATUS_INVALID_ARGUMENT, "k: Hkv must be at least 1");
    if (p.heads % p.kv_heads != 0)
        fail(PMX_STATUS_INVALID_ARGUMENT, "q, k: H = %lld is not a multiple of Hkv = %lld", (long long)p.heads,
             (long long)p.kv_heads);
    check_dim(a.k, "k", row + 2, p.head_dim, "D");
    for (int d = 0; d < rank; ++d) check_dim(a.v, "v", d, a.k.shape[d], d == row + 2 ? "D" : "like k");
    for (int d = 0; d < rank; ++d) check_dim(a.out, "out", d, a.q.shape[d], "like q");

    if (varlen) {
        const int64_t b1 = a.cu_seqlens_q.ndim == 1 ? a.cu_seqlens_q.shape[0] : -1;
        if (b1 < 2) fail(PMX_STATUS_INVALID_ARGUMENT, "cu_seqlens_q: needs shape [B + 1] with B >= 1");
        p.batch = b1 - 1;
        p.packed = true;
        p.total_q = a.q.shape[0];
        check_cu_seqlens_tensor(a.cu_seqlens_q, "cu_seqlens_q", b1);
        check_cu_seqlens_tensor(a.cu_seqlens_k, "cu_seqlens_k", b1);
        // Checked here so the size query reports bad values too; the call
        // checks its own copy again (bind_cu_seqlens).
        p.cu_q = static_cast<const int32_t *>(a.cu_seqlens_q.data);
        p.cu_k = static_cast<const int32_t *>(a.cu_seqlens_k.data);
        check_cu_seqlens_values(p.cu_q, "cu_seqlens_q", b1, a.q.shape[0]);
        check_cu_seqlens_values(p.cu_k, "cu_seqlens_k", b1, a.k.shape[0]);
    } else {
        p.batch = a.q.shape[0];
        p.nq = a.q.shape[1];
        p.nk = a.k.shape[1];
        check_dim(a.k, "k", 0, p.batch, "B");
    }

    if (!std::isfinite(a.scale)) fail(PMX_STATUS_INVALID_ARGUMENT, "scale: must be finite");
    p.scale = a.scale != 0.f ? a.scale : static_cast<float>(1.0 / std::sqrt(static_cast<double>(p.head_dim)));
    if (a.causal != 0 && a.causal != 1) fail(PMX_STATUS_INVALID_ARGUMENT, "causal: must be 0 or 1, got %d", a.causal);
    p.causal = a.causal == 1;

    // Strides: [B?, N, H, D].
    auto take = [&](const pmx_tensor &t, int64_t &sb, int64_t &sn, int64_t &sh, int64_t &sd) {
        sb = varlen ? 0 : t.stride[0];
        sn = t.stride[row];
        sh = t.stride[row + 1];
        sd = t.stride[row + 2];
    };
    take(a.q, p.q_sb, p.q_sn, p.q_sh, p.q_sd);
    take(a.k, p.k_sb, p.k_sn, p.k_sh, p.k_sd);
    take(a.v, p.v_sb, p.v_sn, p.v_sh, p.v_sd);
    take(a.out, p.o_sb, p.o_sn, p.o_sh, p.o_sd);

    if (tensor_present(a.lse)) {
        if (allow_f64) check_tensor(a.lse, "lse", varlen ? 2 : 3, {PMX_DTYPE_F32, PMX_DTYPE_F64}, PMX_DEVICE_CPU);
        else check_tensor(a.lse, "lse", varlen ? 2 : 3, {PMX_DTYPE_F32}, PMX_DEVICE_CPU);
        if (varlen) {
            check_dim(a.lse, "lse", 0, p.heads, "H");
            check_dim(a.lse, "lse", 1, a.q.shape[0], "total_q");
            p.l_sb = 0;
            p.l_sh = a.lse.stride[0];
            p.l_sn = a.lse.stride[1];
        } else {
            check_dim(a.lse, "lse", 0, p.batch, "B");
            check_dim(a.lse, "lse", 1, p.heads, "H");
            check_dim(a.lse, "lse", 2, p.nq, "Nq");
            p.l_sb = a.lse.stride[0];
            p.l_sh = a.lse.stride[1];
            p.l_sn = a.lse.stride[2];
        }
    }
    if (a.struct_size >= kParamsV21Size) {
        resolve_sparsity(a, p);
        p.rope = resolve_rope_config(a.rope, p.head_dim, "rope");
        if (p.rope.enabled) {
            // Keys sit at 0 .. Nk - 1, queries at i + Nk - Nq >= -Nq: from shapes
            // alone, so that the size query and the call agree.
            p.rope_first = p.varlen() ? -p.total_q : std::min<int64_t>(0, p.nk - p.nq);
            p.rope_count = (p.varlen() ? a.k.shape[0] : p.nk) - p.rope_first;
        }
    }
    return p;
}

}  // namespace

attention::FwdProblem resolve_attention(const pmx_attention_params *params) {
    attention::FwdProblem p;
    static_cast<attention::FwdGeometry &>(p) = resolve_geometry(params, false);
    p.q = static_cast<const float *>(params->q.data);
    p.k = static_cast<const float *>(params->k.data);
    p.v = static_cast<const float *>(params->v.data);
    p.out = static_cast<float *>(params->out.data);
    p.lse = static_cast<float *>(params->lse.data);
    return p;
}

attention::FwdReferenceProblem resolve_attention_reference(const pmx_attention_params *params) {
    attention::FwdReferenceProblem r;
    static_cast<attention::FwdGeometry &>(r) = resolve_geometry(params, true);
    r.q = {params->q.data, params->q.dtype};
    r.k = {params->k.data, params->k.dtype};
    r.v = {params->v.data, params->v.dtype};
    r.out = {params->out.data, params->out.dtype};
    r.lse = {params->lse.data, params->lse.dtype};
    return r;
}

void bind_cu_seqlens(attention::FwdGeometry &p, const pmx_attention_params &a, int32_t *copy) {
    if (!p.varlen()) return;
    const int64_t b1 = p.batch + 1;
    std::memcpy(copy, a.cu_seqlens_q.data, size_t(b1) * sizeof(int32_t));
    std::memcpy(copy + b1, a.cu_seqlens_k.data, size_t(b1) * sizeof(int32_t));
    check_cu_seqlens_values(copy, "cu_seqlens_q", b1, a.q.shape[0]);
    check_cu_seqlens_values(copy + b1, "cu_seqlens_k", b1, a.k.shape[0]);
    p.cu_q = copy;
    p.cu_k = copy + b1;
}

void check_outputs_apart(const pmx_attention_params &a) {
    const Tensors t = tensors_of(a);
    pmx::check_outputs_apart(t.all.data(), t.n, t.n_outputs);
}

void check_workspace_apart(const pmx_attention_params &a, const void *workspace, int64_t bytes) {
    const ByteRange ws = byte_range(workspace, bytes);
    const Tensors t = tensors_of(a);
    for (size_t i = 0; i < t.n; ++i) check_apart(ws, "workspace", byte_range(*t.all[i].tensor), t.all[i].name);
}

}  // namespace pmx
