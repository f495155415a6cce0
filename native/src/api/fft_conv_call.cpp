#include "api/fft_conv_call.h"


#include "common/status.h"
#include "common/tensor_check.h"

namespace pmx {
namespace {

ssm::FftConvGeometry resolve_geometry(const pmx_fft_conv_params *params, bool allow_f64) {
    if (params == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "params: must not be NULL");
    if (params->struct_size < int64_t(sizeof(pmx_fft_conv_params)))
        fail(PMX_STATUS_INVALID_ARGUMENT, "params: struct_size %lld is smaller than pmx_fft_conv_params (%lld)",
             (long long)params->struct_size, (long long)sizeof(pmx_fft_conv_params));
    const pmx_fft_conv_params &a = *params;
    if (a.reserved != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "reserved: must be 0, got %d", a.reserved);
    if (a.method != PMX_FFT_CONV_AUTO && a.method != PMX_FFT_CONV_FFT && a.method != PMX_FFT_CONV_DIRECT)
        fail(PMX_STATUS_INVALID_ARGUMENT, "method: must be PMX_FFT_CONV_AUTO (0), _FFT (1) or _DIRECT (2), got %d",
             a.method);

    if (a.u.ndim != 3) fail(PMX_STATUS_INVALID_ARGUMENT, "u: expected [B, L, C] (3 dimensions), got %d", a.u.ndim);
    check_float_tensor(a.u, "u", 3, allow_f64);
    ssm::FftConvGeometry g;
    g.batch = a.u.shape[0];
    g.seq = a.u.shape[1];
    g.channels = a.u.shape[2];
    check_float_tensor(a.out, "out", 3, allow_f64);
    for (int d = 0; d < 3; ++d) check_dim(a.out, "out", d, a.u.shape[d], "like u");

    if (a.kernel.ndim != 2)
        fail(PMX_STATUS_INVALID_ARGUMENT, "kernel: expected [C, Lk] (2 dimensions), got %d", a.kernel.ndim);
    check_float_tensor(a.kernel, "kernel", 2, allow_f64);
    check_dim(a.kernel, "kernel", 0, g.channels, "C");
    g.klen = a.kernel.shape[1];
    if (g.klen < 1) fail(PMX_STATUS_INVALID_ARGUMENT, "kernel: the length Lk must be >= 1, got 0");
    if ((g.has_d = tensor_present(a.D))) {
        check_float_tensor(a.D, "D", 1, allow_f64);
        check_dim(a.D, "D", 0, g.channels, "C");
        g.d_s = a.D.stride[0];
    }

    g.method = a.method == PMX_FFT_CONV_FFT      ? ssm::ConvMethod::Fft
               : a.method == PMX_FFT_CONV_DIRECT ? ssm::ConvMethod::Direct
                                                 : ssm::auto_conv_method(g.batch, g.seq, g.taps());
    if (!allow_f64 && g.method == ssm::ConvMethod::Fft && g.seq > 0 &&
        g.seq + g.taps() - 1 > PMX_MAX_FFT_CONV_LENGTH)
        fail(PMX_STATUS_UNSUPPORTED, "u: L + min(Lk, L) - 1 = %lld exceeds the FFT's PMX_MAX_FFT_CONV_LENGTH (%d)%s",
             (long long)(g.seq + g.taps() - 1), PMX_MAX_FFT_CONV_LENGTH,
             a.method == PMX_FFT_CONV_AUTO ? "" : "; method PMX_FFT_CONV_DIRECT has no limit");

    g.u = {a.u.stride[0], a.u.stride[1], a.u.stride[2]};
    g.out = {a.out.stride[0], a.out.stride[1], a.out.stride[2]};
    g.k_sc = a.kernel.stride[0];
    g.k_sl = a.kernel.stride[1];
    return g;
}

using Tensors = NamedTensors<4>;

Tensors tensors_of(const pmx_fft_conv_params &a) {
    Tensors t;
    t.add(a.out, "out");
    t.add(a.u, "u");
    t.add(a.kernel, "kernel");
    t.add(a.D, "D");
    return t;
}

}  // namespace

ssm::FftConvProblem resolve_fft_conv(const pmx_fft_conv_params *params) {
    ssm::FftConvProblem p;
    static_cast<ssm::FftConvGeometry &>(p) = resolve_geometry(params, false);
    const pmx_fft_conv_params &a = *params;
    p.u_data = static_cast<const float *>(a.u.data);
    p.k_data = static_cast<const float *>(a.kernel.data);
    p.d_data = static_cast<const float *>(a.D.data);
    p.out_data = static_cast<float *>(a.out.data);
    return p;
}

ssm::FftConvReferenceProblem resolve_fft_conv_reference(const pmx_fft_conv_params *params) {
    ssm::FftConvReferenceProblem r;
    static_cast<ssm::FftConvGeometry &>(r) = resolve_geometry(params, true);
    const pmx_fft_conv_params &a = *params;
    r.u_data = {a.u.data, a.u.dtype};
    r.k_data = {a.kernel.data, a.kernel.dtype};
    r.d_data = {a.D.data, a.D.dtype};
    r.out_data = {a.out.data, a.out.dtype};
    return r;
}

int64_t fft_conv_workspace_bytes(const ssm::FftConvGeometry &g, int threads) {
    return int64_t(sizeof(float)) * ssm::fft_conv_workspace_floats(g, threads);
}

void check_fft_conv_outputs_apart(const pmx_fft_conv_params &a) {
    const Tensors t = tensors_of(a);
    check_outputs_apart(t.all.data(), t.n, 1);
}

void check_fft_conv_workspace_apart(const pmx_fft_conv_params &a, const void *workspace, int64_t bytes) {
    const ByteRange ws = byte_range(workspace, bytes);
    const Tensors t = tensors_of(a);
    for (size_t i = 0; i < t.n; ++i) check_apart(ws, "workspace", byte_range(*t.all[i].tensor), t.all[i].name);
}

}  // namespace pmx
