#include "api/s4_kernel_call.h"


#include "common/status.h"
#include "common/tensor_check.h"

namespace pmx {
namespace {

// A complex [Ch, Nh, 2] tensor.
ssm::ComplexStrides check_complex(const pmx_tensor &t, const char *name, bool allow_f64) {
    if (t.ndim != 3)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: expected [Ch, Nh, 2] (3 dimensions, complex as (re, im)), got %d",
             name, t.ndim);
    if (t.shape[2] != 2)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: the last dimension holds (re, im) and must be 2, got %lld", name,
             (long long)t.shape[2]);
    check_float_tensor(t, name, 3, allow_f64);
    return {t.stride[0], t.stride[1], t.stride[2]};
}

ssm::S4dGeometry resolve_geometry(const pmx_s4d_kernel_params *params, bool allow_f64) {
    if (params == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "params: must not be NULL");
    if (params->struct_size < int64_t(sizeof(pmx_s4d_kernel_params)))
        fail(PMX_STATUS_INVALID_ARGUMENT, "params: struct_size %lld is smaller than pmx_s4d_kernel_params (%lld)",
             (long long)params->struct_size, (long long)sizeof(pmx_s4d_kernel_params));
    const pmx_s4d_kernel_params &a = *params;
    if (a.reserved != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "reserved: must be 0, got %d", a.reserved);
    if (a.discretization != PMX_S4D_ZOH)
        fail(PMX_STATUS_INVALID_ARGUMENT, "discretization: must be PMX_S4D_ZOH (0), got %d", a.discretization);

    ssm::S4dGeometry g;
    g.a = check_complex(a.A, "A", allow_f64);
    g.channels = a.A.shape[0];
    g.nstate = a.A.shape[1];
    if (g.nstate < 1) fail(PMX_STATUS_INVALID_ARGUMENT, "A: the state count Nh must be >= 1, got 0");
    g.b = check_complex(a.B, "B", allow_f64);
    for (int d = 0; d < 2; ++d) check_dim(a.B, "B", d, a.A.shape[d], "like A");
    g.c = check_complex(a.C, "C", allow_f64);
    for (int d = 0; d < 2; ++d) check_dim(a.C, "C", d, a.A.shape[d], "like A");
    check_float_tensor(a.log_dt, "log_dt", 1, allow_f64);
    check_dim(a.log_dt, "log_dt", 0, g.channels, "Ch");
    g.dt_s = a.log_dt.stride[0];
    if (a.out.ndim != 2) fail(PMX_STATUS_INVALID_ARGUMENT, "out: expected [Ch, Lk] (2 dimensions), got %d", a.out.ndim);
    check_float_tensor(a.out, "out", 2, allow_f64);
    check_dim(a.out, "out", 0, g.channels, "Ch");
    g.klen = a.out.shape[1];
    g.k_sc = a.out.stride[0];
    g.k_sl = a.out.stride[1];
    return g;
}

using Tensors = NamedTensors<5>;

Tensors tensors_of(const pmx_s4d_kernel_params &a) {
    Tensors t;
    t.add(a.out, "out");
    t.add(a.A, "A");
    t.add(a.B, "B");
    t.add(a.C, "C");
    t.add(a.log_dt, "log_dt");
    return t;
}

}  // namespace

ssm::S4dProblem resolve_s4d_kernel(const pmx_s4d_kernel_params *params) {
    ssm::S4dProblem p;
    static_cast<ssm::S4dGeometry &>(p) = resolve_geometry(params, false);
    const pmx_s4d_kernel_params &a = *params;
    p.a_data = static_cast<const float *>(a.A.data);
    p.b_data = static_cast<const float *>(a.B.data);
    p.c_data = static_cast<const float *>(a.C.data);
    p.dt_data = static_cast<const float *>(a.log_dt.data);
    p.k_data = static_cast<float *>(a.out.data);
    return p;
}

ssm::S4dReferenceProblem resolve_s4d_kernel_reference(const pmx_s4d_kernel_params *params) {
    ssm::S4dReferenceProblem r;
    static_cast<ssm::S4dGeometry &>(r) = resolve_geometry(params, true);
    const pmx_s4d_kernel_params &a = *params;
    r.a_data = {a.A.data, a.A.dtype};
    r.b_data = {a.B.data, a.B.dtype};
    r.c_data = {a.C.data, a.C.dtype};
    r.dt_data = {a.log_dt.data, a.log_dt.dtype};
    r.k_data = {a.out.data, a.out.dtype};
    return r;
}

int64_t s4d_kernel_workspace_bytes(const ssm::S4dGeometry &g, int threads) {
    return int64_t(sizeof(float)) * ssm::s4d_workspace_floats(g, threads);
}

void check_s4d_outputs_apart(const pmx_s4d_kernel_params &a) {
    const Tensors t = tensors_of(a);
    check_outputs_apart(t.all.data(), t.n, 1);
}

void check_s4d_workspace_apart(const pmx_s4d_kernel_params &a, const void *workspace, int64_t bytes) {
    const ByteRange ws = byte_range(workspace, bytes);
    const Tensors t = tensors_of(a);
    for (size_t i = 0; i < t.n; ++i) check_apart(ws, "workspace", byte_range(*t.all[i].tensor), t.all[i].name);
}

}  // namespace pmx
