#include "api/moe_call.h"

#include <cmath>

#include "common/status.h"
#include "common/tensor_check.h"
#include "moe/moe_layout.h"

namespace pmx {
namespace {

using moe::View;

View view_of(const pmx_tensor &t) {
    View v;
    v.data = t.data;
    v.dtype = t.dtype;
    for (int d = 0; d < 3 && d < t.ndim; ++d) v.stride[d] = t.stride[d];
    return v;
}

void check_struct(const void *params, int64_t struct_size, int64_t needed, const char *type) {
    if (params == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "params: must not be NULL");
    if (struct_size < needed)
        fail(PMX_STATUS_INVALID_ARGUMENT, "params: struct_size %lld is smaller than %s (%lld)", (long long)struct_size,
             type, (long long)needed);
}

void check_i32(const pmx_tensor &t, const char *name, int ndim) {
    check_tensor(t, name, ndim, {PMX_DTYPE_I32}, PMX_DEVICE_CPU);
}

void check_dims(const pmx_tensor &t, const char *name, std::initializer_list<int64_t> dims, const char *shape) {
    int d = 0;
    for (int64_t want : dims) {
        if (t.shape[d] != want)
            fail(PMX_STATUS_INVALID_ARGUMENT, "%s: expected %s, dim %d is %lld, not %lld", name, shape, d,
                 (long long)t.shape[d], (long long)want);
        ++d;
    }
}

// dims lead, lead + 1 of t as a GEMM operand: one of them unit-strided and
// the other stepping past it (what BLAS can address).
void check_gemm_operand(const pmx_tensor &t, const char *name, int lead) {
    const int64_t r = t.shape[lead], c = t.shape[lead + 1], sr = t.stride[lead], sc = t.stride[lead + 1];
    const bool row_major = (c <= 1 || sc == 1) && (r <= 1 || sr >= c);
    const bool col_major = (r <= 1 || sr == 1) && (c <= 1 || sc >= r);
    if (!row_major && !col_major)
        fail(PMX_STATUS_INVALID_ARGUMENT,
             "%s: a GEMM operand needs a unit stride on one of its last two dims (strides %lld, %lld)", name,
             (long long)sr, (long long)sc);
}

void check_experts_count(int64_t e, const char *name) {
    if (e < 1 || e > PMX_MAX_MOE_EXPERTS)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: the expert count E = %lld must be in 1..%d", name, (long long)e,
             PMX_MAX_MOE_EXPERTS);
}

// The router's checks; outputs_optional: the fused call keeps indices and
// weights in its workspace when they are absent.
moe::RouterProblem router_of(const pmx_moe_router_params &a, bool allow_f64, bool outputs_optional) {
    if (a.reserved != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "reserved: must be 0, got %d", a.reserved);
    if (a.scoring != PMX_MOE_SOFTMAX && a.scoring != PMX_MOE_SIGMOID)
        fail(PMX_STATUS_INVALID_ARGUMENT, "scoring: must be PMX_MOE_SOFTMAX (0) or PMX_MOE_SIGMOID (1), got %d",
             a.scoring);
    if (a.renormalize != 0 && a.renormalize != 1)
        fail(PMX_STATUS_INVALID_ARGUMENT, "renormalize: must be 0 or 1, got %d", a.renormalize);
    if (!(a.capacity_factor >= 0.0) || !std::isfinite(a.capacity_factor))
        fail(PMX_STATUS_INVALID_ARGUMENT, "capacity_factor: must be finite and >= 0 (0 = dropless), got %g",
             a.capacity_factor);
    if (!(a.noise_std >= 0.0) || !std::isfinite(a.noise_std))
        fail(PMX_STATUS_INVALID_ARGUMENT, "noise_std: must be finite and >= 0, got %g", a.noise_std);

    moe::RouterProblem p;
    p.computed = tensor_present(a.gate_weight);
    if (p.computed) {
        check_float_tensor(a.x, "x", 2, allow_f64);
        check_float_tensor(a.gate_weight, "gate_weight", 2, allow_f64);
        p.tokens = a.x.shape[0];
        p.dmodel = a.x.shape[1];
        p.experts = a.gate_weight.shape[1];
        check_dim(a.gate_weight, "gate_weight", 0, p.dmodel, "d (x's last dim)");
        check_gemm_operand(a.x, "x", 0);
        check_gemm_operand(a.gate_weight, "gate_weight", 0);
        if (tensor_present(a.logits)) {
            check_float_tensor(a.logits, "logits", 2, allow_f64);
            check_dims(a.logits, "logits", {p.tokens, p.experts}, "[T, E]");
        }
        p.x = view_of(a.x);
        p.gate_weight = view_of(a.gate_weight);
    } else {
        if (!tensor_present(a.logits))
            fail(PMX_STATUS_INVALID_ARGUMENT, "logits: required when gate_weight is absent (give one of them)");
        check_float_tensor(a.logits, "logits", 2, allow_f64);
        p.tokens = a.logits.shape[0];
        p.experts = a.logits.shape[1];
        if (tensor_present(a.x)) {
            check_float_tensor(a.x, "x", 2, allow_f64);
            check_dim(a.x, "x", 0, p.tokens, "T (logits' first dim)");
            p.dmodel = a.x.shape[1];
            p.x = view_of(a.x);
        }
    }
    p.logits = view_of(a.logits);
    check_experts_count(p.experts, p.computed ? "gate_weight" : "logits");
    if (a.top_k < 1 || a.top_k > p.experts)
        fail(PMX_STATUS_INVALID_ARGUMENT, "top_k: must be in 1..E = %lld, got %d", (long long)p.experts, a.top_k);
    p.k = a.top_k;
    p.scoring = a.scoring;
    p.renormalize = a.renormalize == 1;
    p.capacity_factor = a.capacity_factor;
    p.noise_std = a.noise_std;
    p.noise_seed = a.noise_seed;

    if (!outputs_optional || tensor_present(a.indices)) {
        check_i32(a.indices, "indices", 2);
        check_dims(a.indices, "indices", {p.tokens, p.k}, "[T, k]");
        p.indices = view_of(a.indices);
    }
    if (!outputs_optional || tensor_present(a.weights)) {
        check_float_tensor(a.weights, "weights", 2, allow_f64);
        check_dims(a.weights, "weights", {p.tokens, p.k}, "[T, k]");
        p.weights = view_of(a.weights);
    }
    if (tensor_present(a.counts)) {
        check_i32(a.counts, "counts", 1);
        check_dims(a.counts, "counts", {p.experts}, "[E]");
        p.counts = view_of(a.counts);
    }
    if (tensor_present(a.dropped)) {
        check_tensor(a.dropped, "dropped", 2, {PMX_DTYPE_U8}, PMX_DEVICE_CPU);
        check_dims(a.dropped, "dropped", {p.tokens, p.k}, "[T, k]");
        p.dropped = view_of(a.dropped);
    }
    if (tensor_present(a.aux_loss)) {
        check_float_tensor(a.aux_loss, "aux_loss", 1, allow_f64);
        check_dims(a.aux_loss, "aux_loss", {1}, "[1]");
        p.aux_loss = view_of(a.aux_loss);
    }
    if (tensor_present(a.z_loss)) {
        check_float_tensor(a.z_loss, "z_loss", 1, allow_f64);
        check_dims(a.z_loss, "z_loss", {1}, "[1]");
        p.z_loss = view_of(a.z_loss);
    }
    return p;
}

// The router's tensors, outputs first (the computed logits are one).
using RouterTensors = NamedTensors<9>;
void add_router_tensors(RouterTensors &t, const pmx_moe_router_params &a, bool with_inputs) {
    const bool computed = tensor_present(a.gate_weight);
    t.add(a.indices, "indices");
    t.add(a.weights, "weights");
    t.add(a.counts, "counts");
    t.add(a.dropped, "dropped");
    t.add(a.aux_loss, "aux_loss");
    t.add(a.z_loss, "z_loss");
    if (computed) t.add(a.logits, "logits");
    if (!with_inputs) return;
    t.add(a.x, "x");
    if (computed) t.add(a.gate_weight, "gate_weight");
    else t.add(a.logits, "logits");
}
size_t router_outputs(const pmx_moe_router_params &a) { return tensor_present(a.gate_weight) ? 7 : 6; }

// The experts' weights against d, h, E.
void check_weights(const pmx_tensor &w1, const pmx_tensor &w2, const pmx_tensor &w3, const pmx_tensor &b1,
                   const pmx_tensor &b2, const pmx_tensor &b3, int64_t experts, int64_t d, moe::ExpertsProblem &p,
                   bool allow_f64) {
    check_float_tensor(w1, "w1", 3, allow_f64);
    p.experts = experts;
    p.dmodel = d;
    p.hidden = w1.shape[2];
    check_dims(w1, "w1", {experts, d, p.hidden}, "[E, d, h]");
    if (p.hidden < 1) fail(PMX_STATUS_INVALID_ARGUMENT, "w1: the hidden width h must be >= 1, got 0");
    check_gemm_operand(w1, "w1", 1);
    check_float_tensor(w2, "w2", 3, allow_f64);
    check_dims(w2, "w2", {experts, p.hidden, d}, "[E, h, d]");
    check_gemm_operand(w2, "w2", 1);
    p.gated = tensor_present(w3);
    if (p.gated) {
        check_float_tensor(w3, "w3", 3, allow_f64);
        check_dims(w3, "w3", {experts, d, p.hidden}, "[E, d, h] (like w1)");
        check_gemm_operand(w3, "w3", 1);
        p.w3 = view_of(w3);
    }
    if (tensor_present(b1)) {
        check_float_tensor(b1, "b1", 2, allow_f64);
        check_dims(b1, "b1", {experts, p.hidden}, "[E, h]");
        p.b1 = view_of(b1);
    }
    if (tensor_present(b2)) {
        check_float_tensor(b2, "b2", 2, allow_f64);
        check_dims(b2, "b2", {experts, d}, "[E, d]");
        p.b2 = view_of(b2);
    }
    if (tensor_present(b3)) {
        if (!p.gated) fail(PMX_STATUS_INVALID_ARGUMENT, "b3: given without w3 (b3 is the gate's bias)");
        check_float_tensor(b3, "b3", 2, allow_f64);
        check_dims(b3, "b3", {experts, p.hidden}, "[E, h]");
        p.b3 = view_of(b3);
    }
    p.w1 = view_of(w1);
    p.w2 = view_of(w2);
}

void check_activation(int32_t activation, int32_t reserved) {
    if (reserved != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "reserved: must be 0, got %d", reserved);
    if (activation < PMX_MOE_SILU || activation > PMX_MOE_RELU)
        fail(PMX_STATUS_INVALID_ARGUMENT, "activation: must be one of PMX_MOE_SILU, _GELU, _GELU_TANH, _RELU, got %d",
             activation);
}

// A [rows, d] float matrix written by a GEMM: unit stride along d.
void check_gemm_output(const pmx_tensor &t, const char *name) {
    if (t.shape[1] > 1 && t.stride[1] != 1)
        fail(PMX_STATUS_INVALID_ARGUMENT, "%s: needs a unit stride along d (a GEMM writes it), got %lld", name,
             (long long)t.stride[1]);
}

template <size_t N>
void apart(const NamedTensors<N> &t, size_t outputs) {
    check_outputs_apart(t.all.data(), t.n, outputs);
}

template <size_t N>
void workspace_apart(const NamedTensors<N> &t, const void *ws, int64_t bytes) {
    const ByteRange w = byte_range(ws, bytes);
    for (size_t i = 0; i < t.n; ++i) check_apart(w, "workspace", byte_range(*t.all[i].tensor), t.all[i].name);
}

using ExpertsTensors = NamedTensors<9>;
ExpertsTensors experts_tensors(const pmx_moe_experts_params &a) {
    ExpertsTensors t;
    t.add(a.y_sorted, "y_sorted");
    t.add(a.x_sorted, "x_sorted");
    t.add(a.offsets, "offsets");
    t.add(a.w1, "w1");
    t.add(a.w2, "w2");
    t.add(a.w3, "w3");
    t.add(a.b1, "b1");
    t.add(a.b2, "b2");
    t.add(a.b3, "b3");
    return t;
}

using MoeTensors = NamedTensors<16>;
MoeTensors moe_tensors(const pmx_moe_params &a, size_t &outputs) {
    MoeTensors t;
    t.add(a.out, "out");
    RouterTensors r;
    add_router_tensors(r, a.router, true);
    outputs = 1 + router_outputs(a.router);
    for (size_t i = 0; i < r.n; ++i) t.add(*r.all[i].tensor, r.all[i].name);
    t.add(a.w1, "w1");
    t.add(a.w2, "w2");
    t.add(a.w3, "w3");
    t.add(a.b1, "b1");
    t.add(a.b2, "b2");
    t.add(a.b3, "b3");
    return t;
}

}  // namespace

int64_t moe::RouterProblem::capacity() const {
    if (capacity_factor == 0.0 || experts == 0) return tokens * k;
    const double c = std::ceil(capacity_factor * double(tokens) * double(k) / double(experts));
    return c >= double(tokens * k) ? tokens * k : int64_t(c);
}

moe::RouterProblem resolve_moe_router(const pmx_moe_router_params *params, bool allow_f64) {
    check_struct(params, params ? params->struct_size : 0, sizeof(pmx_moe_router_params), "pmx_moe_router_params");
    moe::RouterProblem p = router_of(*params, allow_f64, false);
    RouterTensors t;
    add_router_tensors(t, *params, true);
    apart(t, router_outputs(*params));
    return p;
}

moe::PermuteProblem resolve_moe_permute(const pmx_moe_permute_params *params) {
    check_struct(params, params ? params->struct_size : 0, sizeof(pmx_moe_permute_params), "pmx_moe_permute_params");
    const pmx_moe_permute_params &a = *params;
    moe::PermuteProblem p;
    check_float_tensor(a.x, "x", 2, false);
    p.tokens = a.x.shape[0];
    p.dmodel = a.x.shape[1];
    check_i32(a.indices, "indices", 2);
    check_dim(a.indices, "indices", 0, p.tokens, "T (x's first dim)");
    p.k = a.indices.shape[1];
    if (p.k < 1) fail(PMX_STATUS_INVALID_ARGUMENT, "indices: k (its last dim) must be >= 1, got 0");
    check_experts_count(a.experts, "experts");
    p.experts = a.experts;
    if (p.k > p.experts)
        fail(PMX_STATUS_INVALID_ARGUMENT, "indices: k = %lld (its last dim) exceeds the expert count E = %lld",
             (long long)p.k, (long long)p.experts);
    if (tensor_present(a.dropped)) {
        check_tensor(a.dropped, "dropped", 2, {PMX_DTYPE_U8}, PMX_DEVICE_CPU);
        check_dims(a.dropped, "dropped", {p.tokens, p.k}, "[T, k]");
        p.dropped = view_of(a.dropped);
    }
    check_float_tensor(a.x_sorted, "x_sorted", 2, false);
    check_dims(a.x_sorted, "x_sorted", {p.tokens * p.k, p.dmodel}, "[T·k, d]");
    check_i32(a.offsets, "offsets", 1);
    check_dims(a.offsets, "offsets", {p.experts + 1}, "[E + 1]");
    check_i32(a.rows, "rows", 2);
    check_dims(a.rows, "rows", {p.tokens, p.k}, "[T, k]");
    NamedTensors<6> t;
    t.add(a.x_sorted, "x_sorted");
    t.add(a.offsets, "offsets");
    t.add(a.rows, "rows");
    t.add(a.x, "x");
    t.add(a.indices, "indices");
    t.add(a.dropped, "dropped");
    apart(t, 3);
    p.x = view_of(a.x);
    p.indices = view_of(a.indices);
    p.x_sorted = view_of(a.x_sorted);
    p.offsets = view_of(a.offsets);
    p.rows = view_of(a.rows);
    return p;
}

moe::ExpertsProblem resolve_moe_experts(const pmx_moe_experts_params *params) {
    check_struct(params, params ? params->struct_size : 0, sizeof(pmx_moe_experts_params), "pmx_moe_experts_params");
    const pmx_moe_experts_params &a = *params;
    check_activation(a.activation, a.reserved);
    moe::ExpertsProblem p;
    check_float_tensor(a.x_sorted, "x_sorted", 2, false);
    p.rows = a.x_sorted.shape[0];
    check_gemm_operand(a.x_sorted, "x_sorted", 0);
    check_float_tensor(a.w1, "w1", 3, false);
    check_experts_count(a.w1.shape[0], "w1");
    check_weights(a.w1, a.w2, a.w3, a.b1, a.b2, a.b3, a.w1.shape[0], a.x_sorted.shape[1], p, false);
    check_i32(a.offsets, "offsets", 1);
    check_dims(a.offsets, "offsets", {p.experts + 1}, "[E + 1] (E from w1)");
    check_float_tensor(a.y_sorted, "y_sorted", 2, false);
    check_dims(a.y_sorted, "y_sorted", {p.rows, p.dmodel}, "[R, d] (like x_sorted)");
    check_gemm_output(a.y_sorted, "y_sorted");
    apart(experts_tensors(a), 1);
    p.activation = a.activation;
    p.x_sorted = view_of(a.x_sorted);
    p.offsets = view_of(a.offsets);
    p.y_sorted = view_of(a.y_sorted);
    return p;
}

moe::CombineProblem resolve_moe_combine(const pmx_moe_combine_params *params) {
    check_struct(params, params ? params->struct_size : 0, sizeof(pmx_moe_combine_params), "pmx_moe_combine_params");
    const pmx_moe_combine_params &a = *params;
    moe::CombineProblem p;
    check_float_tensor(a.y_sorted, "y_sorted", 2, false);
    p.sorted_rows = a.y_sorted.shape[0];
    p.dmodel = a.y_sorted.shape[1];
    check_i32(a.rows, "rows", 2);
    p.tokens = a.rows.shape[0];
    p.k = a.rows.shape[1];
    if (p.k < 1) fail(PMX_STATUS_INVALID_ARGUMENT, "rows: k (its last dim) must be >= 1, got 0");
    check_float_tensor(a.weights, "weights", 2, false);
    check_dims(a.weights, "weights", {p.tokens, p.k}, "[T, k] (like rows)");
    check_float_tensor(a.out, "out", 2, false);
    check_dims(a.out, "out", {p.tokens, p.dmodel}, "[T, d]");
    NamedTensors<4> t;
    t.add(a.out, "out");
    t.add(a.y_sorted, "y_sorted");
    t.add(a.rows, "rows");
    t.add(a.weights, "weights");
    apart(t, 1);
    p.y_sorted = view_of(a.y_sorted);
    p.rows = view_of(a.rows);
    p.weights = view_of(a.weights);
    p.out = view_of(a.out);
    return p;
}

moe::MoeProblem resolve_moe(const pmx_moe_params *params, bool allow_f64) {
    check_struct(params, params ? params->struct_size : 0, sizeof(pmx_moe_params), "pmx_moe_params");
    const pmx_moe_params &a = *params;
    check_struct(&a.router, a.router.struct_size, sizeof(pmx_moe_router_params), "pmx_moe_router_params (router)");
    check_activation(a.activation, a.reserved);
    moe::MoeProblem p;
    if (!tensor_present(a.router.x)) fail(PMX_STATUS_INVALID_ARGUMENT, "x: required (the layer's input [T, d])");
    p.router = router_of(a.router, allow_f64, true);
    check_gemm_operand(a.router.x, "x", 0);
    check_weights(a.w1, a.w2, a.w3, a.b1, a.b2, a.b3, p.router.experts, p.router.dmodel, p.experts, allow_f64);
    p.experts.activation = a.activation;
    check_float_tensor(a.out, "out", 2, allow_f64);
    check_dims(a.out, "out", {p.router.tokens, p.router.dmodel}, "[T, d] (like x)");
    p.out = view_of(a.out);
    size_t outputs = 0;
    const MoeTensors t = moe_tensors(a, outputs);
    apart(t, outputs);
    return p;
}

int64_t moe_router_workspace_bytes(const moe::RouterProblem &p, int threads) {
    return moe::RouterLayout(p).bytes;
}

int64_t moe_experts_workspace_bytes(const moe::ExpertsProblem &p, int threads) {
    return moe::ExpertsLayout(p, threads).bytes;
}

int64_t moe_workspace_bytes(const moe::MoeProblem &p, int threads) { return moe::MoeLayout(p, threads).bytes; }

void check_moe_router_workspace_apart(const pmx_moe_router_params &a, const void *ws, int64_t bytes) {
    RouterTensors t;
    add_router_tensors(t, a, true);
    workspace_apart(t, ws, bytes);
}

void check_moe_experts_workspace_apart(const pmx_moe_experts_params &a, const void *ws, int64_t bytes) {
    workspace_apart(experts_tensors(a), ws, bytes);
}

void check_moe_workspace_apart(const pmx_moe_params &a, const void *ws, int64_t bytes) {
    size_t outputs = 0;
    workspace_apart(moe_tensors(a, outputs), ws, bytes);
}

}  // namespace pmx
