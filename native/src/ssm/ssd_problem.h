// The validated, resolved description of one Mamba-2 SSD call (panamax.h):
// geometry, options and strides, plus the tensors typed for whoever runs it
// (the CPU kernel: SsdProblem, F32; the float64 reference:
// SsdReferenceProblem, F32 or F64 each). api/ssd_call.h builds them after
// checking every argument; kernels trust them and never fail.
#pragma once

#include <cstdint>

#include "common/typed_data.h"
#include "ssm/scan_problem.h"

namespace pmx::ssm {

// States: [B, H, P, N].
struct HeadStateStrides {
    int64_t b = 0, h = 0, p = 0, n = 0;
    int64_t at(int64_t b_, int64_t h_, int64_t p_, int64_t n_) const { return b_ * b + h_ * h + p_ * p + n_ * n; }
};

struct SsdGeometry {
    int64_t batch = 0;   // B (sequences)
    int64_t seq = 0;     // L of the dense layout (varlen: unused)
    int64_t heads = 0;   // H
    int64_t hdim = 0;    // P
    int64_t nstate = 0;  // N
    int64_t groups = 1;  // G: head h reads B, C of group h / (H / G)
    bool varlen = false;
    const int32_t *cu = nullptr;  // the call's own copy of cu_seqlens (varlen)
    bool step = false;            // one token per sequence (pmx_ssd_step)

    bool has_d = false, has_bias = false, softplus = false;
    bool has_state_in = false, has_state_out = false;
    int64_t chunk = 0;  // tokens per chunk (resolved: never 0 outside the step)

    // x and out are [B, L, H, P]: the four-index layout of B and C, with
    // (head, head dim) in place of (group, state).
    GroupStrides x, out, bm, cm;
    TokenStrides dt;  // [B, L, H]: channel = head
    int64_t a_s = 0, d_s = 0, bias_s = 0;
    HeadStateStrides state_in, state_out;

    int64_t first_row(int64_t b) const { return varlen ? cu[b] : 0; }
    int64_t length(int64_t b) const { return varlen ? int64_t(cu[b + 1]) - cu[b] : seq; }
    int64_t heads_per_group() const { return heads / groups; }
};

// The CPU kernel's problem: F32 tensors.
struct SsdProblem : SsdGeometry {
    const float *x_data = nullptr, *dt_data = nullptr, *a_data = nullptr, *b_data = nullptr, *c_data = nullptr;
    const float *d_data = nullptr, *bias_data = nullptr, *state_in_data = nullptr;
    float *out_data = nullptr, *state_out_data = nullptr;
};

// The float64 reference's problem: F32 or F64 tensors.
struct SsdReferenceProblem : SsdGeometry {
    ConstTypedData x_data, dt_data, a_data, b_data, c_data, d_data, bias_data, state_in_data;
    TypedData out_data, state_out_data;
};

// Per-thread workspace floats the kernel needs for `threads` threads (0 for
// the step form), and the kernel itself: up to `threads` threads, ws
// 64-byte aligned. Never throws. Results do not depend on `threads`.
int64_t ssd_workspace_floats(const SsdGeometry &g, int threads);
void ssd_cpu(const SsdProblem &p, float *ws, int threads);

// The decoding step (one token per sequence; state_out may be state_in).
void ssd_step_cpu(const SsdProblem &p, int threads);

}  // namespace pmx::ssm
