// Resolves pmx_linear_recurrence_params (kernel, step, reference), and the
// data checks on decay and beta.
#include <cmath>
#include <cstdio>

#include "api/linear_call.h"
#include "common/status.h"
#include "common/tensor_check.h"

namespace pmx {
namespace {

const char *rule_name(int32_t r) {
    switch (r) {
        case PMX_RULE_LINEAR: return "LINEAR";
        case PMX_RULE_GATED: return "GATED";
        case PMX_RULE_DELTA: return "DELTA";
        case PMX_RULE_GATED_DELTA: return "GATED_DELTA";
        default: return "?";
    }
}

bool rule_has_decay(int32_t r) { return r == PMX_RULE_GATED || r == PMX_RULE_GATED_DELTA; }
bool rule_has_beta(int32_t r) { return r == PMX_RULE_DELTA || r == PMX_RULE_GATED_DELTA; }

// decay or beta's leading dims [B, N, Hkv] (step [B, Hkv]) against the heads.
void check_gate_dims(const pmx_tensor &t, const char *name, const linear::HeadGeometry &g) {
    const int lead = g.step ? 1 : 2;
    check_dim(t, name, 0, g.batch, "B, like q");
    if (!g.step) check_dim(t, name, 1, g.seq, "N, like q");
    check_dim(t, name, lead, g.kv_heads, "Hkv, like k");
}

linear::TokenStrides gate_strides(const pmx_tensor &t, bool step, bool per_key) {
    linear::TokenStrides s;
    const int lead = step ? 1 : 2;
    s.b = t.stride[0];
    if (!step) s.t = t.stride[1];
    s.h = t.stride[lead];
    if (per_key) s.d = t.stride[lead + 1];
    return s;
}

linear::RecurrenceGeometry resolve_geometry(const pmx_linear_recurrence_params *params, bool step, bool allow_f64) {
    if (params == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "params: must not be NULL");
    if (params->struct_size < int64_t(sizeof(pmx_linear_recurrence_params)))
        fail(PMX_STATUS_INVALID_ARGUMENT,
             "params: struct_size %lld is smaller than pmx_linear_recurrence_params (%lld)",
             (long long)params->struct_size, (long long)sizeof(pmx_linear_recurrence_params));
    const pmx_linear_recurrence_params &a = *params;
    if (a.reserved != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "reserved: must be 0, got %d", a.reserved);
    if (a.rule < PMX_RULE_LINEAR || a.rule > PMX_RULE_GATED_DELTA)
        fail(PMX_STATUS_INVALID_ARGUMENT,
             "rule: must be a pmx_linear_rule (0 LINEAR, 1 GATED, 2 DELTA, 3 GATED_DELTA), got %d", a.rule);

    linear::RecurrenceGeometry g;
    static_cast<linear::HeadGeometry &>(g) = resolve_linear_heads(a.q, a.k, a.v, a.out, step, allow_f64);
    g.chunk = resolve_linear_chunk(a.chunk, step);
    g.rule = a.rule;
    const int lead = step ? 1 : 2;

    g.has_decay = rule_has_decay(a.rule);
    if (g.has_decay) {
        const char *shapes = step ? "[B, Hkv] or [B, Hkv, Dk] (step)" : "[B, N, Hkv] or [B, N, Hkv, Dk]";
        if (!tensor_present(a.decay))
            fail(PMX_STATUS_INVALID_ARGUMENT, "decay: the %s rule needs it (%s)", rule_name(a.rule), shapes);
        if (a.decay.ndim != lead + 1 && a.decay.ndim != lead + 2)
            fail(PMX_STATUS_INVALID_ARGUMENT, "decay: expected %s (%d or %d dimensions), got %d", shapes, lead + 1,
                 lead + 2, a.decay.ndim);
        g.decay_per_key = a.decay.ndim == lead + 2;
        if (g.decay_per_key && a.rule != PMX_RULE_GATED)
            fail(PMX_STATUS_INVALID_ARGUMENT,
                 "decay: the per-key form %s is for the GATED rule only; %s takes one decay per head (%s)",
                 step ? "[B, Hkv, Dk]" : "[B, N, Hkv, Dk]", rule_name(a.rule), step ? "[B, Hkv]" : "[B, N, Hkv]");
        check_float_tensor(a.decay, "decay", a.decay.ndim, allow_f64);
        check_gate_dims(a.decay, "decay", g);
        if (g.decay_per_key) check_dim(a.decay, "decay", lead + 1, g.dk, "Dk, like q");
        g.decay = gate_strides(a.decay, step, g.decay_per_key);
    } else if (tensor_present(a.decay)) {
        fail(PMX_STATUS_INVALID_ARGUMENT,
             "decay: only the GATED and GATED_DELTA rules take one (rule is %s); leave it empty", rule_name(a.rule));
    }

    g.has_beta = rule_has_beta(a.rule);
    if (g.has_beta) {
        const char *shape = step ? "[B, Hkv] (step)" : "[B, N, Hkv]";
        if (!tensor_present(a.beta))
            fail(PMX_STATUS_INVALID_ARGUMENT, "beta: the %s rule needs it (%s)", rule_name(a.rule), shape);
        if (a.beta.ndim != lead + 1)
            fail(PMX_STATUS_INVALID_ARGUMENT, "beta: expected %s (%d dimensions), got %d", shape, lead + 1,
                 a.beta.ndim);
        check_float_tensor(a.beta, "beta", lead + 1, allow_f64);
        check_gate_dims(a.beta, "beta", g);
        g.beta = gate_strides(a.beta, step, false);
    } else if (tensor_present(a.beta)) {
        fail(PMX_STATUS_INVALID_ARGUMENT,
             "beta: only the DELTA and GATED_DELTA rules take one (rule is %s); leave it empty", rule_name(a.rule));
    }

    if ((g.has_state_in = tensor_present(a.state_in)))
        check_linear_state(a.state_in, "state_in", g, g.dk, "Dk", allow_f64);
    if ((g.has_state_out = tensor_present(a.state_out)))
        check_linear_state(a.state_out, "state_out", g, g.dk, "Dk", allow_f64);
    if (step && !g.has_state_out)
        fail(PMX_STATUS_INVALID_ARGUMENT, "state_out: the step form needs it (the updated state; it may be state_in)");
    if (g.has_state_in) g.state_in = linear_state_strides(a.state_in);
    if (g.has_state_out) g.state_out = linear_state_strides(a.state_out);
    return g;
}

using Tensors = NamedTensors<8>;

// Outputs first (check_outputs_apart writes the first two).
Tensors tensors_of(const pmx_linear_recurrence_params &a, bool skip_state_in) {
    Tensors t;
    t.add(a.out, "out");
    t.add(a.state_out, "state_out");
    t.add(a.q, "q");
    t.add(a.k, "k");
    t.add(a.v, "v");
    t.add(a.decay, "decay");
    t.add(a.beta, "beta");
    if (!skip_state_in) t.add(a.state_in, "state_in");
    return t;
}

// Visits every element of a checked F32/F64 tensor (1..4 dimensions) in
// row-major index order; the first for which ok(x) is false fails with
// "<name>: element [i, j, ...] = x <what>".
template <class Ok>
void check_elements(const pmx_tensor &t, const char *name, const char *what, Ok ok) {
    for (int d = 0; d < t.ndim; ++d)
        if (t.shape[d] == 0) return;  // no elements (data may be NULL)
    int64_t shape[4] = {1, 1, 1, 1}, stride[4] = {0, 0, 0, 0};
    const int off = 4 - t.ndim;  // right-aligned
    for (int d = 0; d < t.ndim; ++d) {
        shape[off + d] = t.shape[d];
        stride[off + d] = t.stride[d];
    }
    const ConstTypedData data{t.data, t.dtype};
    for (int64_t i0 = 0; i0 < shape[0]; ++i0)
        for (int64_t i1 = 0; i1 < shape[1]; ++i1)
            for (int64_t i2 = 0; i2 < shape[2]; ++i2)
                for (int64_t i3 = 0; i3 < shape[3]; ++i3) {
                    const double x = data.load(i0 * stride[0] + i1 * stride[1] + i2 * stride[2] + i3 * stride[3]);
                    if (ok(x)) continue;
                    const int64_t idx[4] = {i0, i1, i2, i3};
                    char at[96];
                    int len = 0;
                    for (int d = off; d < 4; ++d)
                        len += std::snprintf(at + len, sizeof at - size_t(len), d == off ? "%lld" : ", %lld",
                                             (long long)idx[d]);
                    // Enough digits to show why (1 + 2^-23 is not 1).
                    fail(PMX_STATUS_INVALID_ARGUMENT, "%s: element [%s] = %.*g %s", name, at,
                         t.dtype == PMX_DTYPE_F64 ? 17 : 9, x, what);
                }
}

}  // namespace

linear::RecurrenceProblem resolve_linear_recurrence(const pmx_linear_recurrence_params *params, bool step) {
    linear::RecurrenceProblem p;
    static_cast<linear::RecurrenceGeometry &>(p) = resolve_geometry(params, step, false);
    const pmx_linear_recurrence_params &a = *params;
    p.q_data = static_cast<const float *>(a.q.data);
    p.k_data = static_cast<const float *>(a.k.data);
    p.v_data = static_cast<const float *>(a.v.data);
    p.decay_data = p.has_decay ? static_cast<const float *>(a.decay.data) : nullptr;
    p.beta_data = p.has_beta ? static_cast<const float *>(a.beta.data) : nullptr;
    p.state_in_data = p.has_state_in ? static_cast<const float *>(a.state_in.data) : nullptr;
    p.out_data = static_cast<float *>(a.out.data);
    p.state_out_data = p.has_state_out ? static_cast<float *>(a.state_out.data) : nullptr;
    return p;
}

linear::RecurrenceReferenceProblem resolve_linear_recurrence_reference(const pmx_linear_recurrence_params *params) {
    linear::RecurrenceReferenceProblem r;
    static_cast<linear::RecurrenceGeometry &>(r) = resolve_geometry(params, false, true);
    const pmx_linear_recurrence_params &a = *params;
    r.q_data = {a.q.data, a.q.dtype};
    r.k_data = {a.k.data, a.k.dtype};
    r.v_data = {a.v.data, a.v.dtype};
    if (r.has_decay) r.decay_data = {a.decay.data, a.decay.dtype};
    if (r.has_beta) r.beta_data = {a.beta.data, a.beta.dtype};
    if (r.has_state_in) r.state_in_data = {a.state_in.data, a.state_in.dtype};
    r.out_data = {a.out.data, a.out.dtype};
    if (r.has_state_out) r.state_out_data = {a.state_out.data, a.state_out.dtype};
    return r;
}

int64_t linear_recurrence_workspace_bytes(const linear::RecurrenceGeometry &g, int threads) {
    return int64_t(sizeof(float)) * linear::recurrence_workspace_floats(g, threads);
}

void check_linear_recurrence_outputs_apart(const pmx_linear_recurrence_params &a, bool step) {
    const bool in_place = step && tensor_present(a.state_in) && tensor_present(a.state_out) &&
                          same_view(a.state_in, a.state_out);
    const Tensors t = tensors_of(a, in_place);
    check_outputs_apart(t.all.data(), t.n, 2);
}

void check_linear_recurrence_workspace_apart(const pmx_linear_recurrence_params &a, const void *workspace,
                                             int64_t bytes) {
    const ByteRange ws = byte_range(workspace, bytes);
    const Tensors t = tensors_of(a, false);
    for (size_t i = 0; i < t.n; ++i) check_apart(ws, "workspace", byte_range(*t.all[i].tensor), t.all[i].name);
}

void check_linear_recurrence_values(const pmx_linear_recurrence_params &a) {
    if (rule_has_decay(a.rule))
        check_elements(a.decay, "decay", "is outside [0, 1]", [](double x) { return x >= 0.0 && x <= 1.0; });
    if (rule_has_beta(a.rule))
        check_elements(a.beta, "beta", "is not finite", [](double x) { return std::isfinite(x); });
}

}  // namespace pmx
