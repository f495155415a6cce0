#include "api/selective_scan_call.h"


#include "common/status.h"
#include "common/tensor_check.h"

namespace pmx {
namespace {

using ssm::GroupStrides;
using ssm::StateStrides;
using ssm::TokenStrides;

// The layout of the call: dense [B, L, ...], packed varlen [total, ...] or
// the step's [B, ...]. `lead` is the number of leading dims before the
// channel (or group) dims.
struct Layout {
    bool varlen = false, step = false;
    int lead = 2;  // dense: B, L; varlen: total; step: B
};

TokenStrides token_strides(const pmx_tensor &t, const Layout &l) {
    TokenStrides s;
    if (l.varlen) {
        s.t = t.stride[0];
        s.d = t.stride[1];
    } else if (l.step) {
        s.b = t.stride[0];
        s.d = t.stride[1];
    } else {
        s.b = t.stride[0];
        s.t = t.stride[1];
        s.d = t.stride[2];
    }
    return s;
}

GroupStrides group_strides(const pmx_tensor &t, const Layout &l) {
    GroupStrides s;
    const int o = l.lead;
    if (l.varlen) s.t = t.stride[0];
    else if (l.step) s.b = t.stride[0];
    else {
        s.b = t.stride[0];
        s.t = t.stride[1];
    }
    s.g = t.stride[o];
    s.n = t.stride[o + 1];
    return s;
}

// A token-major tensor shaped like u.
void check_like_u(const pmx_tensor &t, const char *name, const pmx_tensor &u, const Layout &l, bool allow_f64) {
    check_float_tensor(t, name, l.lead + 1, allow_f64);
    for (int d = 0; d <= l.lead; ++d) check_dim(t, name, d, u.shape[d], "like u");
}

void check_vector(const pmx_tensor &t, const char *name, int64_t dm, bool allow_f64) {
    check_float_tensor(t, name, 1, allow_f64);
    check_dim(t, name, 0, dm, "Dm");
}

void check_state(const pmx_tensor &t, const char *name, int64_t batch, int64_t dm, int64_t ns, bool allow_f64) {
    check_float_tensor(t, name, 3, allow_f64);
    check_dim(t, name, 0, batch, "B");
    check_dim(t, name, 1, dm, "Dm");
    check_dim(t, name, 2, ns, "Ns");
}

StateStrides state_strides(const pmx_tensor &t) { return {t.stride[0], t.stride[1], t.stride[2]}; }

ssm::ScanGeometry resolve_geometry(const pmx_selective_scan_params *params, bool step, bool allow_f64) {
    if (params == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "params: must not be NULL");
    if (params->struct_size < int64_t(sizeof(pmx_selective_scan_params)))
        fail(PMX_STATUS_INVALID_ARGUMENT, "params: struct_size %lld is smaller than pmx_selective_scan_params (%lld)",
             (long long)params->struct_size, (long long)sizeof(pmx_selective_scan_params));
    const pmx_selective_scan_params &a = *params;
    if (a.reserved != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "reserved: must be 0, got %d", a.reserved);
    if (a.delta_softplus != 0 && a.delta_softplus != 1)
        fail(PMX_STATUS_INVALID_ARGUMENT, "delta_softplus: must be 0 or 1, got %d", a.delta_softplus);
    if (a.chunk < 0) fail(PMX_STATUS_INVALID_ARGUMENT, "chunk: must be >= 0 (0 = automatic), got %lld", (long long)a.chunk);

    Layout l;
    l.step = step;
    l.varlen = !step && tensor_present(a.cu_seqlens);
    if (step && tensor_present(a.cu_seqlens))
        fail(PMX_STATUS_INVALID_ARGUMENT, "cu_seqlens: the step form takes one token per sequence ([B, Dm]), no cu_seqlens");
    if (step && a.chunk != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "chunk: the step form has no chunks (give 0)");
    l.lead = l.varlen || l.step ? 1 : 2;
    const char *u_shape = l.step ? "[B, Dm] (step)" : l.varlen ? "[total, Dm] (varlen)" : "[B, L, Dm]";
    if (a.u.ndim != l.lead + 1)
        fail(PMX_STATUS_INVALID_ARGUMENT, "u: expected %s (%d dimensions), got %d", u_shape, l.lead + 1, a.u.ndim);
    check_float_tensor(a.u, "u", l.lead + 1, allow_f64);

    ssm::ScanGeometry g;
    g.step = step;
    g.varlen = l.varlen;
    g.dm = a.u.shape[l.lead];
    check_like_u(a.delta, "delta", a.u, l, allow_f64);
    check_like_u(a.out, "out", a.u, l, allow_f64);
    if ((g.has_z = tensor_present(a.z))) check_like_u(a.z, "z", a.u, l, allow_f64);

    check_float_tensor(a.A, "A", 2, allow_f64);
    check_dim(a.A, "A", 0, g.dm, "Dm");
    g.ns = a.A.shape[1];
    if (g.ns < 1 || g.ns > PMX_MAX_SCAN_STATE)
        fail(PMX_STATUS_INVALID_ARGUMENT, "A: state size Ns = %lld must be in 1..%d", (long long)g.ns,
             PMX_MAX_SCAN_STATE);
    g.a_sd = a.A.stride[0];
    g.a_sn = a.A.stride[1];

    const char *bc_shape = l.step ? "[B, G, Ns] (step)" : l.varlen ? "[total, G, Ns] (varlen)" : "[B, L, G, Ns]";
    if (a.B.ndim != l.lead + 2)
        fail(PMX_STATUS_INVALID_ARGUMENT, "B: expected %s (%d dimensions), got %d", bc_shape, l.lead + 2, a.B.ndim);
    check_float_tensor(a.B, "B", l.lead + 2, allow_f64);
    for (int d = 0; d < l.lead; ++d) check_dim(a.B, "B", d, a.u.shape[d], "like u");
    g.groups = a.B.shape[l.lead];
    if (g.groups < 1) fail(PMX_STATUS_INVALID_ARGUMENT, "B: the group count G must be >= 1, got 0");
    if (g.dm % g.groups != 0)
        fail(PMX_STATUS_INVALID_ARGUMENT, "B: the group count G = %lld does not divide Dm = %lld", (long long)g.groups,
             (long long)g.dm);
    check_dim(a.B, "B", l.lead + 1, g.ns, "Ns (A's second dim)");
    check_float_tensor(a.C, "C", l.lead + 2, allow_f64);
    for (int d = 0; d < l.lead + 2; ++d) check_dim(a.C, "C", d, a.B.shape[d], "like B");

    if ((g.has_d = tensor_present(a.D))) check_vector(a.D, "D", g.dm, allow_f64);
    if ((g.has_bias = tensor_present(a.delta_bias))) check_vector(a.delta_bias, "delta_bias", g.dm, allow_f64);
    g.softplus = a.delta_softplus == 1;

    if (l.varlen) {
        const int64_t b1 = a.cu_seqlens.ndim == 1 ? a.cu_seqlens.shape[0] : -1;
        if (b1 < 2) fail(PMX_STATUS_INVALID_ARGUMENT, "cu_seqlens: needs shape [B + 1] with B >= 1");
        check_cu_seqlens_tensor(a.cu_seqlens, "cu_seqlens", b1);
        g.batch = b1 - 1;
        g.cu = static_cast<const int32_t *>(a.cu_seqlens.data);
        check_cu_seqlens_values(g.cu, "cu_seqlens", b1, a.u.shape[0]);
    } else {
        g.batch = a.u.shape[0];
        g.seq = step ? 1 : a.u.shape[1];
    }
    if ((g.has_state_in = tensor_present(a.state_in))) check_state(a.state_in, "state_in", g.batch, g.dm, g.ns, allow_f64);
    if ((g.has_state_out = tensor_present(a.state_out)))
        check_state(a.state_out, "state_out", g.batch, g.dm, g.ns, allow_f64);
    g.chunk = a.chunk;

    g.u = token_strides(a.u, l);
    g.delta = token_strides(a.delta, l);
    g.out = token_strides(a.out, l);
    if (g.has_z) g.z = token_strides(a.z, l);
    g.bm = group_strides(a.B, l);
    g.cm = group_strides(a.C, l);
    if (g.has_d) g.d_s = a.D.stride[0];
    if (g.has_bias) g.bias_s = a.delta_bias.stride[0];
    if (g.has_state_in) g.state_in = state_strides(a.state_in);
    if (g.has_state_out) g.state_out = state_strides(a.state_out);
    return g;
}

using Tensors = NamedTensors<12>;

Tensors tensors_of(const pmx_selective_scan_params &a, bool skip_state_in) {
    Tensors t;
    t.add(a.out, "out");
    t.add(a.state_out, "state_out");
    t.add(a.u, "u");
    t.add(a.delta, "delta");
    t.add(a.A, "A");
    t.add(a.B, "B");
    t.add(a.C, "C");
    t.add(a.D, "D");
    t.add(a.z, "z");
    t.add(a.delta_bias, "delta_bias");
    if (!skip_state_in) t.add(a.state_in, "state_in");
    t.add(a.cu_seqlens, "cu_seqlens");
    return t;
}

}  // namespace

ssm::ScanProblem resolve_selective_scan(const pmx_selective_scan_params *params, bool step) {
    ssm::ScanProblem p;
    static_cast<ssm::ScanGeometry &>(p) = resolve_geometry(params, step, false);
    const pmx_selective_scan_params &a = *params;
    p.u_data = static_cast<const float *>(a.u.data);
    p.delta_data = static_cast<const float *>(a.delta.data);
    p.a_data = static_cast<const float *>(a.A.data);
    p.b_data = static_cast<const float *>(a.B.data);
    p.c_data = static_cast<const float *>(a.C.data);
    p.d_data = static_cast<const float *>(a.D.data);
    p.z_data = static_cast<const float *>(a.z.data);
    p.bias_data = static_cast<const float *>(a.delta_bias.data);
    p.state_in_data = static_cast<const float *>(a.state_in.data);
    p.out_data = static_cast<float *>(a.out.data);
    p.state_out_data = static_cast<float *>(a.state_out.data);
    return p;
}

ssm::ScanReferenceProblem resolve_selective_scan_reference(const pmx_selective_scan_params *params) {
    ssm::ScanReferenceProblem r;
    static_cast<ssm::ScanGeometry &>(r) = resolve_geometry(params, false, true);
    const pmx_selective_scan_params &a = *params;
    r.u_data = {a.u.data, a.u.dtype};
    r.delta_data = {a.delta.data, a.delta.dtype};
    r.a_data = {a.A.data, a.A.dtype};
    r.b_data = {a.B.data, a.B.dtype};
    r.c_data = {a.C.data, a.C.dtype};
    r.d_data = {a.D.data, a.D.dtype};
    r.z_data = {a.z.data, a.z.dtype};
    r.bias_data = {a.delta_bias.data, a.delta_bias.dtype};
    r.state_in_data = {a.state_in.data, a.state_in.dtype};
    r.out_data = {a.out.data, a.out.dtype};
    r.state_out_data = {a.state_out.data, a.state_out.dtype};
    return r;
}

void bind_scan_cu_seqlens(ssm::ScanGeometry &g, const pmx_selective_scan_params &a, int32_t *copy) {
    if (!g.varlen) return;
    g.cu = copy_cu_seqlens(a.cu_seqlens, "cu_seqlens", a.u.shape[0], copy);
}

int64_t scan_cu_bytes(const ssm::ScanGeometry &g) {
    return cu_seqlens_copy_bytes(g.varlen, g.batch);
}

int64_t scan_workspace_bytes(const ssm::ScanGeometry &g) {
    return scan_cu_bytes(g) + int64_t(sizeof(float)) * ssm::scan_workspace_floats(g, ssm::plan_scan(g));
}

void check_scan_outputs_apart(const pmx_selective_scan_params &a, bool step) {
    const bool in_place = step && tensor_present(a.state_in) && tensor_present(a.state_out) &&
                           same_view(a.state_in, a.state_out);
    const Tensors t = tensors_of(a, in_place);
    check_outputs_apart(t.all.data(), t.n, 2);
}

void check_scan_workspace_apart(const pmx_selective_scan_params &a, const void *workspace, int64_t bytes) {
    const ByteRange ws = byte_range(workspace, bytes);
    const Tensors t = tensors_of(a, false);
    for (size_t i = 0; i < t.n; ++i) check_apart(ws, "workspace", byte_range(*t.all[i].tensor), t.all[i].name);
}

}  // namespace pmx
