// Resolves pmx_linear_attention_params (kernel, step, reference) and
// pmx_favor_params.
#include <cmath>

#include "api/linear_call.h"
#include "common/status.h"
#include "common/tensor_check.h"

namespace pmx {
namespace {

const char *feature_map_name(int32_t f) {
    switch (f) {
        case PMX_FEATURE_ELU1: return "ELU1";
        case PMX_FEATURE_RELU: return "RELU";
        case PMX_FEATURE_IDENTITY: return "IDENTITY";
        case PMX_FEATURE_FAVOR: return "FAVOR";
        default: return "?";
    }
}

linear::LinearGeometry resolve_geometry(const pmx_linear_attention_params *params, bool step, bool allow_f64) {
    if (params == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "params: must not be NULL");
    if (params->struct_size < int64_t(sizeof(pmx_linear_attention_params)))
        fail(PMX_STATUS_INVALID_ARGUMENT,
             "params: struct_size %lld is smaller than pmx_linear_attention_params (%lld)",
             (long long)params->struct_size, (long long)sizeof(pmx_linear_attention_params));
    const pmx_linear_attention_params &a = *params;
    if (a.reserved != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "reserved: must be 0, got %d", a.reserved);
    if (a.feature_map < PMX_FEATURE_ELU1 || a.feature_map > PMX_FEATURE_FAVOR)
        fail(PMX_STATUS_INVALID_ARGUMENT,
             "feature_map: must be a pmx_feature_map (0 ELU1, 1 RELU, 2 IDENTITY, 3 FAVOR), got %d", a.feature_map);
    if (a.causal != 0 && a.causal != 1)
        fail(PMX_STATUS_INVALID_ARGUMENT, "causal: must be 0 or 1, got %d", a.causal);
    if (a.normalize != 0 && a.normalize != 1)
        fail(PMX_STATUS_INVALID_ARGUMENT, "normalize: must be 0 or 1, got %d", a.normalize);
    if (!(std::isfinite(a.eps) && a.eps >= 0.0))
        fail(PMX_STATUS_INVALID_ARGUMENT, "eps: must be finite and >= 0, got %g", a.eps);
    if (step && a.causal != 1)
        fail(PMX_STATUS_INVALID_ARGUMENT, "causal: a step is causal (give 1), got %d", a.causal);

    linear::LinearGeometry g;
    static_cast<linear::HeadGeometry &>(g) = resolve_linear_heads(a.q, a.k, a.v, a.out, step, allow_f64);
    g.chunk = resolve_linear_chunk(a.chunk, step);
    g.feature_map = a.feature_map;
    g.causal = a.causal == 1;
    g.normalize = a.normalize == 1;
    g.eps = a.eps;

    const bool favor = a.feature_map == PMX_FEATURE_FAVOR;
    if (favor) {
        if (!tensor_present(a.random_matrix))
            fail(PMX_STATUS_INVALID_ARGUMENT, "random_matrix: the FAVOR feature map needs one ([m, Dk])");
        if (a.random_matrix.ndim != 2)
            fail(PMX_STATUS_INVALID_ARGUMENT, "random_matrix: expected [m, Dk] (2 dimensions), got %d",
                 a.random_matrix.ndim);
        check_float_tensor(a.random_matrix, "random_matrix", 2, allow_f64);
        const int64_t m = a.random_matrix.shape[0];
        if (m < 1 || m > PMX_MAX_LINEAR_FEATURES)
            fail(PMX_STATUS_INVALID_ARGUMENT, "random_matrix: the feature count m = %lld must be in 1..%d",
                 (long long)m, PMX_MAX_LINEAR_FEATURES);
        check_dim(a.random_matrix, "random_matrix", 1, g.dk, "Dk, like q");
        g.features = m;
        g.w_r = a.random_matrix.stride[0];
        g.w_c = a.random_matrix.stride[1];
    } else {
        if (tensor_present(a.random_matrix))
            fail(PMX_STATUS_INVALID_ARGUMENT,
                 "random_matrix: only the FAVOR feature map takes one (feature_map is %s); leave it empty",
                 feature_map_name(a.feature_map));
        g.features = g.dk;
    }

    if ((g.has_state_in = tensor_present(a.state_in)))
        check_linear_state(a.state_in, "state_in", g, g.features, "F", allow_f64);
    if ((g.has_state_out = tensor_present(a.state_out)))
        check_linear_state(a.state_out, "state_out", g, g.features, "F", allow_f64);
    if ((g.has_norm_in = tensor_present(a.norm_in))) check_linear_norm(a.norm_in, "norm_in", g, g.features, allow_f64);
    if ((g.has_norm_out = tensor_present(a.norm_out)))
        check_linear_norm(a.norm_out, "norm_out", g, g.features, allow_f64);
    if (step && !g.has_state_out)
        fail(PMX_STATUS_INVALID_ARGUMENT, "state_out: the step form needs it (the updated state; it may be state_in)");
    if (step && g.normalize && !g.has_norm_out)
        fail(PMX_STATUS_INVALID_ARGUMENT,
             "norm_out: the step form with normalize = 1 needs it (the updated norm; it may be norm_in)");

    if (g.has_state_in) g.state_in = linear_state_strides(a.state_in);
    if (g.has_state_out) g.state_out = linear_state_strides(a.state_out);
    if (g.has_norm_in) g.norm_in = linear_state_strides(a.norm_in);
    if (g.has_norm_out) g.norm_out = linear_state_strides(a.norm_out);
    return g;
}

using Tensors = NamedTensors<9>;

// Outputs first (check_outputs_apart writes the first three).
Tensors tensors_of(const pmx_linear_attention_params &a, bool skip_state_in, bool skip_norm_in) {
    Tensors t;
    t.add(a.out, "out");
    t.add(a.state_out, "state_out");
    t.add(a.norm_out, "norm_out");
    t.add(a.q, "q");
    t.add(a.k, "k");
    t.add(a.v, "v");
    t.add(a.random_matrix, "random_matrix");
    if (!skip_state_in) t.add(a.state_in, "state_in");
    if (!skip_norm_in) t.add(a.norm_in, "norm_in");
    return t;
}

}  // namespace

linear::LinearProblem resolve_linear_attention(const pmx_linear_attention_params *params, bool step) {
    linear::LinearProblem p;
    static_cast<linear::LinearGeometry &>(p) = resolve_geometry(params, step, false);
    const pmx_linear_attention_params &a = *params;
    p.q_data = static_cast<const float *>(a.q.data);
    p.k_data = static_cast<const float *>(a.k.data);
    p.v_data = static_cast<const float *>(a.v.data);
    p.w_data = p.feature_map == PMX_FEATURE_FAVOR ? static_cast<const float *>(a.random_matrix.data) : nullptr;
    p.state_in_data = p.has_state_in ? static_cast<const float *>(a.state_in.data) : nullptr;
    p.norm_in_data = p.has_norm_in ? static_cast<const float *>(a.norm_in.data) : nullptr;
    p.out_data = static_cast<float *>(a.out.data);
    p.state_out_data = p.has_state_out ? static_cast<float *>(a.state_out.data) : nullptr;
    p.norm_out_data = p.has_norm_out ? static_cast<float *>(a.norm_out.data) : nullptr;
    return p;
}

linear::LinearReferenceProblem resolve_linear_attention_reference(const pmx_linear_attention_params *params) {
    linear::LinearReferenceProblem r;
    static_cast<linear::LinearGeometry &>(r) = resolve_geometry(params, false, true);
    const pmx_linear_attention_params &a = *params;
    r.q_data = {a.q.data, a.q.dtype};
    r.k_data = {a.k.data, a.k.dtype};
    r.v_data = {a.v.data, a.v.dtype};
    if (r.feature_map == PMX_FEATURE_FAVOR) r.w_data = {a.random_matrix.data, a.random_matrix.dtype};
    if (r.has_state_in) r.state_in_data = {a.state_in.data, a.state_in.dtype};
    if (r.has_norm_in) r.norm_in_data = {a.norm_in.data, a.norm_in.dtype};
    r.out_data = {a.out.data, a.out.dtype};
    if (r.has_state_out) r.state_out_data = {a.state_out.data, a.state_out.dtype};
    if (r.has_norm_out) r.norm_out_data = {a.norm_out.data, a.norm_out.dtype};
    return r;
}

int64_t linear_attention_workspace_bytes(const linear::LinearGeometry &g, int threads) {
    return int64_t(sizeof(float)) * linear::linear_attention_workspace_floats(g, threads);
}

void check_linear_attention_outputs_apart(const pmx_linear_attention_params &a, bool step) {
    const bool state_in_place = step && tensor_present(a.state_in) && tensor_present(a.state_out) &&
                                same_view(a.state_in, a.state_out);
    const bool norm_in_place =
        step && tensor_present(a.norm_in) && tensor_present(a.norm_out) && same_view(a.norm_in, a.norm_out);
    const Tensors t = tensors_of(a, state_in_place, norm_in_place);
    check_outputs_apart(t.all.data(), t.n, 3);
}

void check_linear_attention_workspace_apart(const pmx_linear_attention_params &a, const void *workspace,
                                            int64_t bytes) {
    const ByteRange ws = byte_range(workspace, bytes);
    const Tensors t = tensors_of(a, false, false);
    for (size_t i = 0; i < t.n; ++i) check_apart(ws, "workspace", byte_range(*t.all[i].tensor), t.all[i].name);
}

FavorCall resolve_favor(const pmx_favor_params *params) {
    if (params == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "params: must not be NULL");
    if (params->struct_size < int64_t(sizeof(pmx_favor_params)))
        fail(PMX_STATUS_INVALID_ARGUMENT, "params: struct_size %lld is smaller than pmx_favor_params (%lld)",
             (long long)params->struct_size, (long long)sizeof(pmx_favor_params));
    const pmx_tensor &w = params->random_matrix;
    if (w.ndim != 2)
        fail(PMX_STATUS_INVALID_ARGUMENT, "random_matrix: expected [m, Dk] (2 dimensions), got %d", w.ndim);
    check_float_tensor(w, "random_matrix", 2, true);
    FavorCall c;
    c.m = w.shape[0];
    c.dk = w.shape[1];
    if (c.m < 1 || c.m > PMX_MAX_LINEAR_FEATURES)
        fail(PMX_STATUS_INVALID_ARGUMENT, "random_matrix: the feature count m = %lld must be in 1..%d",
             (long long)c.m, PMX_MAX_LINEAR_FEATURES);
    if (c.dk < 1 || c.dk > PMX_MAX_LINEAR_FEATURES)
        fail(PMX_STATUS_INVALID_ARGUMENT, "random_matrix: the key dim Dk = %lld must be in 1..%d", (long long)c.dk,
             PMX_MAX_LINEAR_FEATURES);
    check_no_self_overlap(w, "random_matrix");
    c.seed = params->seed;
    c.sr = w.stride[0];
    c.sc = w.stride[1];
    c.w = {w.data, w.dtype};
    return c;
}

}  // namespace pmx
