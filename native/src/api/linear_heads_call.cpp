// The checks both linear families share: q, k, v, out, the chunk, states.
#include "api/linear_call.h"
#include "common/status.h"
#include "common/tensor_check.h"

namespace pmx {
namespace {

void check_shaped(const pmx_tensor &t, const char *name, int ndim, const char *shape, bool allow_f64) {
    if (t.ndim != ndim)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: expected %s (%d dimensions), got %d", name, shape, ndim, t.ndim);
    check_float_tensor(t, name, ndim, allow_f64);
}

// Strides of a [B, N, heads, dim] tensor, or [B, heads, dim] in a step.
linear::TokenStrides token_strides(const pmx_tensor &t, bool step) {
    linear::TokenStrides s;
    s.b = t.stride[0];
    if (step) {
        s.h = t.stride[1];
        s.d = t.stride[2];
    } else {
        s.t = t.stride[1];
        s.h = t.stride[2];
        s.d = t.stride[3];
    }
    return s;
}

}  // namespace

linear::HeadGeometry resolve_linear_heads(const pmx_tensor &q, const pmx_tensor &k, const pmx_tensor &v,
                                          const pmx_tensor &out, bool step, bool allow_f64) {
    const int lead = step ? 1 : 2;  // B (, N)
    const int rank = lead + 2;
    const char *const lead_name[] = {"B, like q", "N, like q"};

    check_shaped(q, "q", rank, step ? "[B, H, Dk] (step)" : "[B, N, H, Dk]", allow_f64);
    linear::HeadGeometry g;
    g.step = step;
    g.batch = q.shape[0];
    g.seq = step ? 1 : q.shape[1];
    g.heads = q.shape[lead];
    g.dk = q.shape[lead + 1];
    if (g.heads < 1) fail(PMX_STATUS_INVALID_ARGUMENT, "q: the head count H must be >= 1, got 0");
    if (g.dk < 1 || g.dk > PMX_MAX_LINEAR_FEATURES)
        fail(PMX_STATUS_INVALID_ARGUMENT, "q: the key dim Dk = %lld must be in 1..%d", (long long)g.dk,
             PMX_MAX_LINEAR_FEATURES);

    check_shaped(k, "k", rank, step ? "[B, Hkv, Dk] (step)" : "[B, N, Hkv, Dk]", allow_f64);
    for (int d = 0; d < lead; ++d) check_dim(k, "k", d, q.shape[d], lead_name[d]);
    g.kv_heads = k.shape[lead];
    if (g.kv_heads < 1) fail(PMX_STATUS_INVALID_ARGUMENT, "k: the key/value head count Hkv must be >= 1, got 0");
    if (g.heads % g.kv_heads != 0)
        fail(PMX_STATUS_INVALID_ARGUMENT, "k: the key/value head count Hkv = %lld does not divide H = %lld",
             (long long)g.kv_heads, (long long)g.heads);
    check_dim(k, "k", lead + 1, g.dk, "Dk, like q");

    check_shaped(v, "v", rank, step ? "[B, Hkv, Dv] (step)" : "[B, N, Hkv, Dv]", allow_f64);
    for (int d = 0; d < lead; ++d) check_dim(v, "v", d, q.shape[d], lead_name[d]);
    check_dim(v, "v", lead, g.kv_heads, "Hkv, like k");
    g.dv = v.shape[lead + 1];
    if (g.dv < 1 || g.dv > PMX_MAX_LINEAR_HEAD_DIM)
        fail(PMX_STATUS_INVALID_ARGUMENT, "v: the value dim Dv = %lld must be in 1..%d", (long long)g.dv,
             PMX_MAX_LINEAR_HEAD_DIM);

    check_shaped(out, "out", rank, step ? "[B, H, Dv] (step)" : "[B, N, H, Dv]", allow_f64);
    for (int d = 0; d < lead; ++d) check_dim(out, "out", d, q.shape[d], lead_name[d]);
    check_dim(out, "out", lead, g.heads, "H, like q");
    check_dim(out, "out", lead + 1, g.dv, "Dv, like v");

    g.q = token_strides(q, step);
    g.k = token_strides(k, step);
    g.v = token_strides(v, step);
    g.out = token_strides(out, step);
    return g;
}

int64_t resolve_linear_chunk(int64_t chunk, bool step) {
    if (chunk < 0 || chunk > PMX_MAX_LINEAR_CHUNK)
        fail(PMX_STATUS_INVALID_ARGUMENT, "chunk: must be in 0..%d (0 = %d), got %lld", PMX_MAX_LINEAR_CHUNK,
             PMX_LINEAR_DEFAULT_CHUNK, (long long)chunk);
    if (step && chunk != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "chunk: the step form has no chunks (give 0)");
    return step ? 0 : chunk == 0 ? PMX_LINEAR_DEFAULT_CHUNK : chunk;
}

void check_linear_state(const pmx_tensor &t, const char *name, const linear::HeadGeometry &g, int64_t rows,
                        const char *rows_name, bool allow_f64) {
    if (t.ndim != 4)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: expected [B, Hkv, %s, Dv] (4 dimensions), got %d", name, rows_name,
             t.ndim);
    check_float_tensor(t, name, 4, allow_f64);
    check_dim(t, name, 0, g.batch, "B");
    check_dim(t, name, 1, g.kv_heads, "Hkv");
    check_dim(t, name, 2, rows, rows_name);
    check_dim(t, name, 3, g.dv, "Dv");
}

void check_linear_norm(const pmx_tensor &t, const char *name, const linear::HeadGeometry &g, int64_t features,
                       bool allow_f64) {
    check_shaped(t, name, 3, "[B, Hkv, F]", allow_f64);
    check_dim(t, name, 0, g.batch, "B");
    check_dim(t, name, 1, g.kv_heads, "Hkv");
    check_dim(t, name, 2, features, "F");
}

linear::StateStrides linear_state_strides(const pmx_tensor &t) {
    return {t.stride[0], t.stride[1], t.stride[2], t.ndim > 3 ? t.stride[3] : 0};
}

}  // namespace pmx
