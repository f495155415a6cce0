// The validated, resolved description of one causal depthwise conv1d call
// (Mamba's short convolution, panamax.h): geometry, options and strides, plus
// the tensors typed for whoever runs it (the CPU kernel: Conv1dProblem, F32;
// the float64 reference: Conv1dReferenceProblem, F32 or F64 each).
// api/conv1d_call.h builds them after checking every argument; kernels trust
// them and never fail.
#pragma once

#include <cstdint>

#include "common/typed_data.h"

namespace pmx::ssm {

// Sizes and strides (in elements). Sequence b is `length(b)` tokens; its
// token t (0-based within the sequence) is at x_offset(b, t) in x and
// out_offset(b, t) in out. Dense [B, L, C] and packed varlen [total, C]
// (rows cu[b] .. cu[b + 1] - 1, batch strides 0) look alike through these;
// a decoding step is the dense case with L = 1.
struct Conv1dGeometry {
    int64_t batch = 0;     // B (sequences)
    int64_t seq = 0;       // L of the dense layout (step: 1; varlen: unused)
    int64_t channels = 0;  // C
    int64_t width = 1;     // W, 1 .. PMX_MAX_CONV1D_WIDTH
    bool varlen = false;
    const int32_t *cu = nullptr;  // varlen: the call's own validated copy of cu_seqlens [B + 1]
    bool silu = false;
    // state_out may be state_in itself (pmx_causal_conv1d_step only): the
    // kernel reads every state entry it needs before overwriting it.
    bool has_bias = false, has_state_in = false, has_state_out = false;

    int64_t x_sb = 0, x_st = 0, x_sc = 1;    // x [B, L, C] (varlen: [total, C], x_sb = 0)
    int64_t o_sb = 0, o_st = 0, o_sc = 1;    // out, like x
    int64_t w_sc = 0, w_sk = 1;              // weight [C, W]
    int64_t bias_sc = 1;                     // bias [C]
    int64_t si_sb = 0, si_sc = 0, si_sk = 1; // state_in [B, C, W - 1]
    int64_t so_sb = 0, so_sc = 0, so_sk = 1; // state_out [B, C, W - 1]

    // Sequence b: its first row in the packed row space (dense: b·L) and its length.
    int64_t first_row(int64_t b) const { return varlen ? int64_t(cu[b]) : b * seq; }
    int64_t length(int64_t b) const { return varlen ? int64_t(cu[b + 1]) - cu[b] : seq; }
    // Rows of all sequences together (dense: B·L; varlen: cu[B], which may be
    // below the packed rows of x: rows past it belong to no sequence).
    int64_t rows() const { return varlen ? int64_t(cu[batch]) : batch * seq; }
    int64_t x_offset(int64_t b, int64_t t) const {
        return varlen ? (int64_t(cu[b]) + t) * x_st : b * x_sb + t * x_st;
    }
    int64_t out_offset(int64_t b, int64_t t) const {
        return varlen ? (int64_t(cu[b]) + t) * o_st : b * o_sb + t * o_st;
    }
};

// The CPU kernel's problem: F32 tensors (absent optional ones are NULL).
struct Conv1dProblem : Conv1dGeometry {
    const float *x = nullptr, *weight = nullptr, *bias = nullptr, *state_in = nullptr;
    float *out = nullptr, *state_out = nullptr;
};

// The float64 reference's problem: F32 or F64 tensors.
struct Conv1dReferenceProblem : Conv1dGeometry {
    ConstTypedData x, weight, bias, state_in;
    TypedData out, state_out;
};

// Runs the convolution (a whole call or one decoding step) on up to
// `threads` threads; the ISA path is chosen once per process. Results do not
// depend on the thread count. Never throws.
void causal_conv1d_cpu(const Conv1dProblem &p, int threads);

}  // namespace pmx::ssm
