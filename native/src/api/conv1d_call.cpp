#include "api/conv1d_call.h"

#include <array>

#include "common/status.h"
#include "common/tensor_check.h"

namespace pmx {
namespace {

// A state tensor [B, C, W - 1].
void check_state(const pmx_tensor &t, const char *name, bool allow_f64, int64_t batch, int64_t channels,
                 int64_t width) {
    check_float_tensor(t, name, 3, allow_f64);
    check_dim(t, name, 0, batch, "B");
    check_dim(t, name, 1, channels, "C");
    check_dim(t, name, 2, width - 1, "W - 1");
}

// Everything but the tensors' data pointers: validates every argument.
ssm::Conv1dGeometry resolve_geometry(const pmx_causal_conv1d_params *params, Conv1dEntry entry,
                                     std::vector<int32_t> &cu_copy) {
    if (params == nullptr) fail(PMX_STATUS_INVALID_ARGUMENT, "params: must not be NULL");
    if (params->struct_size < int64_t(sizeof(pmx_causal_conv1d_params)))
        fail(PMX_STATUS_INVALID_ARGUMENT, "params: struct_size %lld is smaller than pmx_causal_conv1d_params (%lld)",
             (long long)params->struct_size, (long long)sizeof(pmx_causal_conv1d_params));
    const pmx_causal_conv1d_params &a = *params;
    const bool step = entry == Conv1dEntry::Step, allow_f64 = entry == Conv1dEntry::Reference;
    if (a.reserved != 0) fail(PMX_STATUS_INVALID_ARGUMENT, "reserved: must be 0, got %d", a.reserved);
    if (a.silu != 0 && a.silu != 1) fail(PMX_STATUS_INVALID_ARGUMENT, "silu: must be 0 or 1, got %d", a.silu);

    ssm::Conv1dGeometry g;
    g.varlen = tensor_present(a.cu_seqlens);
    g.silu = a.silu == 1;
    if (step && g.varlen)
        fail(PMX_STATUS_INVALID_ARGUMENT, "cu_seqlens: must be absent for pmx_causal_conv1d_step (x is [B, C], "
             "one token per sequence)");

    // x and out: [B, L, C], [total, C] (varlen) or [B, C] (step).
    const int rank = step || g.varlen ? 2 : 3;
    if (a.x.ndim != rank) {
        const char *expected = step ? "[B, C] (2 dimensions) for one decoding step"
                               : g.varlen ? "[total, C] (2 dimensions) with cu_seqlens"
                                          : "[B, L, C] (3 dimensions) without cu_seqlens";
        fail(PMX_STATUS_INVALID_ARGUMENT, "x: expected %s, got %d dimensions", expected, a.x.ndim);
    }
    check_float_tensor(a.x, "x", rank, allow_f64);
    check_float_tensor(a.out, "out", rank, allow_f64);
    for (int d = 0; d < rank; ++d) check_dim(a.out, "out", d, a.x.shape[d], "like x");
    g.channels = a.x.shape[rank - 1];

    check_float_tensor(a.weight, "weight", 2, allow_f64);
    check_dim(a.weight, "weight", 0, g.channels, "C");
    g.width = a.weight.shape[1];
    if (g.width < 1 || g.width > PMX_MAX_CONV1D_WIDTH)
        fail(PMX_STATUS_INVALID_ARGUMENT, "weight: width W = %lld must be in 1..%d", (long long)g.width,
             PMX_MAX_CONV1D_WIDTH);
    g.has_bias = tensor_present(a.bias);
    if (g.has_bias) {
        check_float_tensor(a.bias, "bias", 1, allow_f64);
        check_dim(a.bias, "bias", 0, g.channels, "C");
    }

    if (g.varlen) {
        if (a.cu_seqlens.ndim != 1)
            fail(PMX_STATUS_INVALID_ARGUMENT, "cu_seqlens: expected [B + 1] (1 dimension), got %d dimensions",
                 a.cu_seqlens.ndim);
        const int64_t b1 = a.cu_seqlens.shape[0];
        if (b1 < 1) fail(PMX_STATUS_INVALID_ARGUMENT, "cu_seqlens: needs shape [B + 1] with B >= 0, got [%lld]",
                         (long long)b1);
        check_cu_seqlens_tensor(a.cu_seqlens, "cu_seqlens", b1);
        // Read once: the copy is what is checked and what the kernel uses.
        cu_copy.resize(size_t(b1));
        g.batch = b1 - 1;
        g.cu = copy_cu_seqlens(a.cu_seqlens, "cu_seqlens", a.x.shape[0], cu_copy.data());
        g.x_st = a.x.stride[0], g.x_sc = a.x.stride[1];
        g.o_st = a.out.stride[0], g.o_sc = a.out.stride[1];
    } else if (step) {
        g.batch = a.x.shape[0];
        g.seq = 1;
        g.x_sb = a.x.stride[0], g.x_sc = a.x.stride[1];
        g.o_sb = a.out.stride[0], g.o_sc = a.out.stride[1];
    } else {
        g.batch = a.x.shape[0];
        g.seq = a.x.shape[1];
        g.x_sb = a.x.stride[0], g.x_st = a.x.stride[1], g.x_sc = a.x.stride[2];
        g.o_sb = a.out.stride[0], g.o_st = a.out.stride[1], g.o_sc = a.out.stride[2];
    }
    g.w_sc = a.weight.stride[0], g.w_sk = a.weight.stride[1];
    if (g.has_bias) g.bias_sc = a.bias.stride[0];

    g.has_state_in = tensor_present(a.state_in);
    if (g.has_state_in) {
        check_state(a.state_in, "state_in", allow_f64, g.batch, g.channels, g.width);
        g.si_sb = a.state_in.stride[0], g.si_sc = a.state_in.stride[1], g.si_sk = a.state_in.stride[2];
    }
    g.has_state_out = tensor_present(a.state_out);
    if (g.has_state_out) {
        check_state(a.state_out, "state_out", allow_f64, g.batch, g.channels, g.width);
        g.so_sb = a.state_out.stride[0], g.so_sc = a.state_out.stride[1], g.so_sk = a.state_out.stride[2];
    }

    // Outputs apart from every other tensor; the step may update the state in
    // place (state_out the very same view as state_in), nothing else may alias.
    const bool same_state = g.has_state_in && g.has_state_out && same_view(a.state_in, a.state_out);
    if (same_state && !step && !byte_range(a.state_out).empty)
        fail(PMX_STATUS_INVALID_ARGUMENT, "state_out: overlaps state_in (only pmx_causal_conv1d_step updates the "
             "state in place)");
    const bool in_place = step && same_state;
    std::array<NamedTensor, 7> t{};
    size_t n = 0;
    t[n++] = {&a.out, "out"};
    t[n++] = {&a.state_out, "state_out"};
    t[n++] = {&a.x, "x"};
    t[n++] = {&a.weight, "weight"};
    t[n++] = {&a.bias, "bias"};
    if (!in_place) t[n++] = {&a.state_in, "state_in"};
    t[n++] = {&a.cu_seqlens, "cu_seqlens"};
    check_outputs_apart(t.data(), n, 2);
    return g;
}

}  // namespace

ssm::Conv1dProblem resolve_causal_conv1d(const pmx_causal_conv1d_params *params, Conv1dEntry entry,
                                         std::vector<int32_t> &cu_copy) {
    ssm::Conv1dProblem p;
    static_cast<ssm::Conv1dGeometry &>(p) = resolve_geometry(params, entry, cu_copy);
    const pmx_causal_conv1d_params &a = *params;
    p.x = static_cast<const float *>(a.x.data);
    p.weight = static_cast<const float *>(a.weight.data);
    p.bias = p.has_bias ? static_cast<const float *>(a.bias.data) : nullptr;
    p.state_in = p.has_state_in ? static_cast<const float *>(a.state_in.data) : nullptr;
    p.out = static_cast<float *>(a.out.data);
    p.state_out = p.has_state_out ? static_cast<float *>(a.state_out.data) : nullptr;
    return p;
}

ssm::Conv1dReferenceProblem resolve_causal_conv1d_reference(const pmx_causal_conv1d_params *params,
                                                            std::vector<int32_t> &cu_copy) {
    ssm::Conv1dReferenceProblem r;
    static_cast<ssm::Conv1dGeometry &>(r) = resolve_geometry(params, Conv1dEntry::Reference, cu_copy);
    const pmx_causal_conv1d_params &a = *params;
    r.x = {a.x.data, a.x.dtype};
    r.weight = {a.weight.data, a.weight.dtype};
    if (r.has_bias) r.bias = {a.bias.data, a.bias.dtype};
    if (r.has_state_in) r.state_in = {a.state_in.data, a.state_in.dtype};
    r.out = {a.out.data, a.out.dtype};
    if (r.has_state_out) r.state_out = {a.state_out.data, a.state_out.dtype};
    return r;
}

}  // namespace pmx
