#include "api/ssd_call.h"


#include "common/status.h"
#include "common/tensor_check.h"

namespace pmx {
namespace {

using ssm::GroupStrides;
using ssm::HeadStateStrides;
using ssm::TokenStrides;

// The layout of the call: dense [B, L, ...], packed varlen [total, ...] or
// the step's [B, ...]; `lead` leading dims come before the head (or group)
// dims.
struct Layout {
    bool varlen = false, step = false;
    int lead = 2;
};

// Strides of the leading dims: (batch, token).
void lead_strides(const pmx_tensor &t, const Layout &l, int64_t &sb, int64_t &st) {
    if (l.varlen) st = t.stride[0];
    else if (l.step) sb = t.stride[0];
    else {
        sb = t.stride[0];
        st = t.stride[1];
    }
}

// x, out, B, C: lead dims, then two more.
GroupStrides four_index_strides(const pmx_tensor &t, const Layout &l) {
    GroupStrides s;
    lead_strides(t, l, s.b, s.t);
    s.g = t.stride[l.lead];
    s.n = t.stride[l.lead + 1];
    return s;
}

TokenStrides dt_strides(const pmx_tensor &t, const Layout &l) {
    TokenStrides s;
    lead_strides(t, l, s.b, s.t);
    s.d = t.stride[l.lead];
    return s;
}

void check_shaped(const pmx_tensor &t, const char *name, int ndim, const char *shape, bool allow_f64) {
    if (t.ndim != ndim)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: expected %s (%d dimensions), got %d", name, shape, ndim, t.ndim);
    check_float_tensor(t, name, ndim, allow_f64);
}

void check_vector(const pmx_tensor &t, const char *name, int64_t heads, bool allow_f64) {
    check_float_tensor(t, name, 1, allow_f64);
    check_dim(t, name, 0, heads, "H");
}

void check_state(const pmx_tensor &t, const char *name, const ssm::SsdGeometry &g, bool allow_f64) {
    check_shaped(t, name, 4, "[B, H, P, N]", allow_f64);
    check_dim(t, name, 0, g.batch, "B");
    check_dim(t, name, 1, g.heads, "H");
    check_dim(t, name, 2, g.hdim, "P");
    check_dim(t, name, 3, g.nstate, "N");
}

HeadStateStrides state_strides(const pmx_tensor &t) { return {t.stride[0], t.stride[1], t.stride[2], t.stride[3]}; }

ssm::SsdGeometry resolve_geometry(const pmx_ssd_params *params, bool step, bool allow_f64) {
    if (params == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "params: must not be NULL");
    if (params->struct_size < int64_t(sizeof(pmx_ssd_params)))
        fail(PMX_STATUS_INVALID_ARGUMENT, "params: struct_size %lld is smaller than pmx_ssd_params (%lld)",
             (long long)params->struct_size, (long long)sizeof(pmx_ssd_params));
    const pmx_ssd_params &a = *params;
    if (a.reserved != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "reserved: must be 0, got %d", a.reserved);
    if (a.dt_softplus != 0 && a.dt_softplus != 1)
        fail(PMX_STATUS_INVALID_ARGUMENT, "dt_softplus: must be 0 or 1, got %d", a.dt_softplus);
    if (a.chunk < 0 || a.chunk > PMX_MAX_SSD_CHUNK)
        fail(PMX_STATUS_INVALID_ARGUMENT, "chunk: must be in 0..%d (0 = %d), got %lld", PMX_MAX_SSD_CHUNK,
             PMX_SSD_DEFAULT_CHUNK, (long long)a.chunk);

    Layout l;
    l.step = step;
    l.varlen = !step && tensor_present(a.cu_seqlens);
    if (step && tensor_present(a.cu_seqlens))
        fail(PMX_STATUS_INVALID_ARGUMENT, "cu_seqlens: the step form takes one token per sequence ([B, H, P]), no cu_seqlens");
    if (step && a.chunk != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "chunk: the step form has no chunks (give 0)");
    l.lead = l.varlen || l.step ? 1 : 2;
    const char *x_shape = l.step ? "[B, H, P] (step)" : l.varlen ? "[total, H, P] (varlen)" : "[B, L, H, P]";
    check_shaped(a.x, "x", l.lead + 2, x_shape, allow_f64);

    ssm::SsdGeometry g;
    g.step = step;
    g.varlen = l.varlen;
    g.heads = a.x.shape[l.lead];
    g.hdim = a.x.shape[l.lead + 1];
    if (g.hdim > PMX_MAX_SSD_HEAD_DIM)
        fail(PMX_STATUS_INVALID_ARGUMENT, "x: the head dim P = %lld must be at most %d", (long long)g.hdim,
             PMX_MAX_SSD_HEAD_DIM);
    check_float_tensor(a.out, "out", l.lead + 2, allow_f64);
    for (int d = 0; d < l.lead + 2; ++d) check_dim(a.out, "out", d, a.x.shape[d], "like x");

    const char *dt_shape = l.step ? "[B, H] (step)" : l.varlen ? "[total, H] (varlen)" : "[B, L, H]";
    check_shaped(a.dt, "dt", l.lead + 1, dt_shape, allow_f64);
    for (int d = 0; d <= l.lead; ++d) check_dim(a.dt, "dt", d, a.x.shape[d], "like x");

    check_vector(a.A, "A", g.heads, allow_f64);

    const char *bc_shape = l.step ? "[B, G, N] (step)" : l.varlen ? "[total, G, N] (varlen)" : "[B, L, G, N]";
    check_shaped(a.B, "B", l.lead + 2, bc_shape, allow_f64);
    for (int d = 0; d < l.lead; ++d) check_dim(a.B, "B", d, a.x.shape[d], "like x");
    g.groups = a.B.shape[l.lead];
    g.nstate = a.B.shape[l.lead + 1];
    if (g.groups < 1) fail(PMX_STATUS_INVALID_ARGUMENT, "B: the group count G must be >= 1, got 0");
    if (g.heads % g.groups != 0)
        fail(PMX_STATUS_INVALID_ARGUMENT, "B: the group count G = %lld does not divide H = %lld", (long long)g.groups,
             (long long)g.heads);
    if (g.nstate < 1 || g.nstate > PMX_MAX_SSD_STATE)
        fail(PMX_STATUS_INVALID_ARGUMENT, "B: the state size N = %lld must be in 1..%d", (long long)g.nstate,
             PMX_MAX_SSD_STATE);
    check_float_tensor(a.C, "C", l.lead + 2, allow_f64);
    for (int d = 0; d < l.lead + 2; ++d) check_dim(a.C, "C", d, a.B.shape[d], "like B");

    if ((g.has_d = tensor_present(a.D))) check_vector(a.D, "D", g.heads, allow_f64);
    if ((g.has_bias = tensor_present(a.dt_bias))) check_vector(a.dt_bias, "dt_bias", g.heads, allow_f64);
    g.softplus = a.dt_softplus == 1;

    if (l.varlen) {
        const int64_t b1 = a.cu_seqlens.ndim == 1 ? a.cu_seqlens.shape[0] : -1;
        if (b1 < 2) fail(PMX_STATUS_INVALID_ARGUMENT, "cu_seqlens: needs shape [B + 1] with B >= 1");
        check_cu_seqlens_tensor(a.cu_seqlens, "cu_seqlens", b1);
        g.batch = b1 - 1;
        g.cu = static_cast<const int32_t *>(a.cu_seqlens.data);
        check_cu_seqlens_values(g.cu, "cu_seqlens", b1, a.x.shape[0]);
    } else {
        g.batch = a.x.shape[0];
        g.seq = step ? 1 : a.x.shape[1];
    }
    if ((g.has_state_in = tensor_present(a.state_in))) check_state(a.state_in, "state_in", g, allow_f64);
    if ((g.has_state_out = tensor_present(a.state_out))) check_state(a.state_out, "state_out", g, allow_f64);
    g.chunk = step ? 0 : a.chunk == 0 ? PMX_SSD_DEFAULT_CHUNK : a.chunk;

    g.x = four_index_strides(a.x, l);
    g.out = four_index_strides(a.out, l);
    g.bm = four_index_strides(a.B, l);
    g.cm = four_index_strides(a.C, l);
    g.dt = dt_strides(a.dt, l);
    g.a_s = a.A.stride[0];
    if (g.has_d) g.d_s = a.D.stride[0];
    if (g.has_bias) g.bias_s = a.dt_bias.stride[0];
    if (g.has_state_in) g.state_in = state_strides(a.state_in);
    if (g.has_state_out) g.state_out = state_strides(a.state_out);
    return g;
}

using Tensors = NamedTensors<11>;

Tensors tensors_of(const pmx_ssd_params &a, bool skip_state_in) {
    Tensors t;
    t.add(a.out, "out");
    t.add(a.state_out, "state_out");
    t.add(a.x, "x");
    t.add(a.dt, "dt");
    t.add(a.A, "A");
    t.add(a.B, "B");
    t.add(a.C, "C");
    t.add(a.D, "D");
    t.add(a.dt_bias, "dt_bias");
    if (!skip_state_in) t.add(a.state_in, "state_in");
    t.add(a.cu_seqlens, "cu_seqlens");
    return t;
}

}  // namespace

ssm::SsdProblem resolve_ssd(const pmx_ssd_params *params, bool step) {
    ssm::SsdProblem p;
    static_cast<ssm::SsdGeometry &>(p) = resolve_geometry(params, step, false);
    const pmx_ssd_params &a = *params;
    p.x_data = static_cast<const float *>(a.x.data);
    p.dt_data = static_cast<const float *>(a.dt.data);
    p.a_data = static_cast<const float *>(a.A.data);
    p.b_data = static_cast<const float *>(a.B.data);
    p.c_data = static_cast<const float *>(a.C.data);
    p.d_data = static_cast<const float *>(a.D.data);
    p.bias_data = static_cast<const float *>(a.dt_bias.data);
    p.state_in_data = static_cast<const float *>(a.state_in.data);
    p.out_data = static_cast<float *>(a.out.data);
    p.state_out_data = static_cast<float *>(a.state_out.data);
    return p;
}

ssm::SsdReferenceProblem resolve_ssd_reference(const pmx_ssd_params *params) {
    ssm::SsdReferenceProblem r;
    static_cast<ssm::SsdGeometry &>(r) = resolve_geometry(params, false, true);
    const pmx_ssd_params &a = *params;
    r.x_data = {a.x.data, a.x.dtype};
    r.dt_data = {a.dt.data, a.dt.dtype};
    r.a_data = {a.A.data, a.A.dtype};
    r.b_data = {a.B.data, a.B.dtype};
    r.c_data = {a.C.data, a.C.dtype};
    r.d_data = {a.D.data, a.D.dtype};
    r.bias_data = {a.dt_bias.data, a.dt_bias.dtype};
    r.state_in_data = {a.state_in.data, a.state_in.dtype};
    r.out_data = {a.out.data, a.out.dtype};
    r.state_out_data = {a.state_out.data, a.state_out.dtype};
    return r;
}

void bind_ssd_cu_seqlens(ssm::SsdGeometry &g, const pmx_ssd_params &a, int32_t *copy) {
    if (!g.varlen) return;
    g.cu = copy_cu_seqlens(a.cu_seqlens, "cu_seqlens", a.x.shape[0], copy);
}

int64_t ssd_cu_bytes(const ssm::SsdGeometry &g) {
    return cu_seqlens_copy_bytes(g.varlen, g.batch);
}

int64_t ssd_workspace_bytes(const ssm::SsdGeometry &g, int threads) {
    return ssd_cu_bytes(g) + int64_t(sizeof(float)) * ssm::ssd_workspace_floats(g, threads);
}

void check_ssd_outputs_apart(const pmx_ssd_params &a, bool step) {
    const bool in_place = step && tensor_present(a.state_in) && tensor_present(a.state_out) &&
                           same_view(a.state_in, a.state_out);
    const Tensors t = tensors_of(a, in_place);
    check_outputs_apart(t.all.data(), t.n, 2);
}

void check_ssd_workspace_apart(const pmx_ssd_params &a, const void *workspace, int64_t bytes) {
    const ByteRange ws = byte_range(workspace, bytes);
    const Tensors t = tensors_of(a, false);
    for (size_t i = 0; i < t.n; ++i) check_apart(ws, "workspace", byte_range(*t.all[i].tensor), t.all[i].name);
}

}  // namespace pmx
