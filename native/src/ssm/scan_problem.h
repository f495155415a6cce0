// The validated, resolved description of one selective-scan call (Mamba-1,
// panamax.h): geometry, options and strides, plus the tensors typed for
// whoever runs it (the CPU kernel: ScanProblem, F32; the float64 reference:
// ScanReferenceProblem, F32 or F64 each). api/selective_scan_call.h builds
// them after checking every argument; kernels trust them and never fail.
#pragma once

#include <cstdint>

#include "common/typed_data.h"

namespace pmx::ssm {

// Strides (elements) of a token-major tensor: batch, token, channel. Packed
// varlen tensors have batch stride 0 and index tokens by their packed row.
struct TokenStrides {
    int64_t b = 0, t = 0, d = 0;
    int64_t at(int64_t b_, int64_t t_, int64_t d_) const { return b_ * b + t_ * t + d_ * d; }
};

// B and C: [B, L, G, Ns] (or [total, G, Ns]).
struct GroupStrides {
    int64_t b = 0, t = 0, g = 0, n = 0;
    int64_t at(int64_t b_, int64_t t_, int64_t g_, int64_t n_) const { return b_ * b + t_ * t + g_ * g + n_ * n; }
};

// States: [B, Dm, Ns].
struct StateStrides {
    int64_t b = 0, d = 0, n = 0;
    int64_t at(int64_t b_, int64_t d_, int64_t n_) const { return b_ * b + d_ * d + n_ * n; }
};

struct ScanGeometry {
    int64_t batch = 0;   // B (sequences)
    int64_t seq = 0;     // L of the dense layout (varlen: unused)
    int64_t dm = 0;      // channels
    int64_t ns = 0;      // states per channel
    int64_t groups = 1;  // G: channel d reads B, C of group d / (dm / groups)
    bool varlen = false;
    const int32_t *cu = nullptr;  // the call's own copy of cu_seqlens (varlen)
    bool step = false;            // one token per sequence (pmx_selective_scan_step)

    bool has_d = false, has_z = false, has_bias = false, softplus = false;
    bool has_state_in = false, has_state_out = false;
    int64_t chunk = 0;  // forced chunk length (0 = automatic)

    TokenStrides u, delta, z, out;
    GroupStrides bm, cm;
    int64_t a_sd = 0, a_sn = 0, d_s = 0, bias_s = 0;
    StateStrides state_in, state_out;

    // Sequence b: its first packed row (varlen) and its length.
    int64_t first_row(int64_t b) const { return varlen ? cu[b] : 0; }
    int64_t length(int64_t b) const { return varlen ? int64_t(cu[b + 1]) - cu[b] : seq; }
    // Batch index the strides use (packed tensors have batch stride 0).
    int64_t channels_per_group() const { return dm / groups; }
};

// The CPU kernel's problem: F32 tensors.
struct ScanProblem : ScanGeometry {
    const float *u_data = nullptr, *delta_data = nullptr, *a_data = nullptr, *b_data = nullptr, *c_data = nullptr;
    const float *d_data = nullptr, *z_data = nullptr, *bias_data = nullptr, *state_in_data = nullptr;
    float *out_data = nullptr, *state_out_data = nullptr;
};

// The float64 reference's problem: F32 or F64 tensors.
struct ScanReferenceProblem : ScanGeometry {
    ConstTypedData u_data, delta_data, a_data, b_data, c_data, d_data, z_data, bias_data, state_in_data;
    TypedData out_data, state_out_data;
};

// How the CPU kernel cuts the work: channel blocks per sequence and, when
// those are too few to keep the cores busy, chunks along L. Depends on the
// shapes (and a forced chunk) only, never on the thread count, so results
// are the same for any number of threads.
struct ScanPlan {
    int64_t chunk = 0;   // tokens per chunk; 0 = whole sequences
    int64_t chunks = 1;  // chunks of the longest sequence
};
ScanPlan plan_scan(const ScanGeometry &g);

// Workspace bytes the kernel needs (the cu_seqlens copy is the caller's
// business: the API layer keeps it in the first bytes it reserves).
int64_t scan_workspace_floats(const ScanGeometry &g, const ScanPlan &plan);

// Runs the scan on up to `threads` threads; ws holds scan_workspace_floats
// floats (64-byte aligned). Never throws.
void selective_scan_cpu(const ScanProblem &p, const ScanPlan &plan, float *ws, int threads);

}  // namespace pmx::ssm
