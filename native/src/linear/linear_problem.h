// The validated, resolved description of one linear-attention call
// (panamax.h, "linear attention"): geometry, options and strides, plus the
// tensors typed for whoever runs it (the CPU kernels: F32; the float64
// references: F32 or F64 each). api/linear_call.h builds them after
// checking every argument; kernels trust them and never fail.
//
// Two families share the layout of q, k, v and out:
//   LinearAttention*  kernel linear attention with a feature map
//                     (pmx_linear_attention and its step);
//   Recurrence*       the update rules linear / gated / delta / gated_delta
//                     (pmx_linear_recurrence and its step).
// In the step forms seq = 1 and the token stride is 0.
#pragma once

#include <cstdint>

#include "common/typed_data.h"

namespace pmx::linear {

// q, k, v, out: [B, N, heads, dim] (step: [B, heads, dim], t stride 0).
struct TokenStrides {
    int64_t b = 0, t = 0, h = 0, d = 0;
    int64_t at(int64_t b_, int64_t t_, int64_t h_, int64_t d_) const { return b_ * b + t_ * t + h_ * h + d_ * d; }
};

// States [B, Hkv, F, Dv]; norms [B, Hkv, F] use b, h, f only.
struct StateStrides {
    int64_t b = 0, h = 0, f = 0, v = 0;
    int64_t at(int64_t b_, int64_t h_, int64_t f_, int64_t v_) const { return b_ * b + h_ * h + f_ * f + v_ * v; }
};

struct HeadGeometry {
    int64_t batch = 0;     // B
    int64_t seq = 0;       // N (1 in a step)
    int64_t heads = 0;     // H: query heads (and out heads)
    int64_t kv_heads = 0;  // Hkv: key/value heads, one state each; divides H
    int64_t dk = 0;        // key/query dim
    int64_t dv = 0;        // value dim
    bool step = false;     // one token per sequence
    int64_t chunk = 0;     // tokens per chunk (resolved: never 0 outside a step)
    TokenStrides q, k, v, out;

    // Query heads per key/value head: query head h reads kv head h / group().
    int64_t group() const { return heads / kv_heads; }
};

// ---- kernel linear attention ---------------------------------------------------

struct LinearGeometry : HeadGeometry {
    int32_t feature_map = 0;  // pmx_feature_map
    int64_t features = 0;     // F: dk, or m (the random matrix's rows) for FAVOR
    bool causal = false, normalize = false;
    double eps = 0;
    int64_t w_r = 0, w_c = 0;  // random_matrix [m, Dk] strides (FAVOR)
    bool has_state_in = false, has_norm_in = false, has_state_out = false, has_norm_out = false;
    StateStrides state_in, state_out, norm_in, norm_out;  // norms: b, h, f
};

struct LinearProblem : LinearGeometry {
    const float *q_data = nullptr, *k_data = nullptr, *v_data = nullptr, *w_data = nullptr;
    const float *state_in_data = nullptr, *norm_in_data = nullptr;
    float *out_data = nullptr, *state_out_data = nullptr, *norm_out_data = nullptr;
};

struct LinearReferenceProblem : LinearGeometry {
    ConstTypedData q_data, k_data, v_data, w_data, state_in_data, norm_in_data;
    TypedData out_data, state_out_data, norm_out_data;
};

// Workspace floats pmx_linear_attention needs for `threads` threads (0 for
// the step), and the kernels: up to `threads` threads, ws 64-byte aligned.
// Never throw. Results do not depend on `threads`. In the step,
// state_out/norm_out may be state_in/norm_in (in place).
int64_t linear_attention_workspace_floats(const LinearGeometry &g, int threads);
void linear_attention_cpu(const LinearProblem &p, float *ws, int threads);
void linear_attention_step_cpu(const LinearProblem &p, int threads);

// ---- update rules ------------------------------------------------------------------

struct RecurrenceGeometry : HeadGeometry {
    int32_t rule = 0;            // pmx_linear_rule
    bool has_decay = false;      // GATED, GATED_DELTA
    bool decay_per_key = false;  // decay [B, N, Hkv, Dk] (GATED only)
    bool has_beta = false;       // DELTA, GATED_DELTA
    TokenStrides decay, beta;    // [B, N, Hkv(, Dk)]; beta and per-head decay: d = 0
    bool has_state_in = false, has_state_out = false;
    StateStrides state_in, state_out;  // [B, Hkv, Dk, Dv]: f = key dim
};

struct RecurrenceProblem : RecurrenceGeometry {
    const float *q_data = nullptr, *k_data = nullptr, *v_data = nullptr;
    const float *decay_data = nullptr, *beta_data = nullptr, *state_in_data = nullptr;
    float *out_data = nullptr, *state_out_data = nullptr;
};

struct RecurrenceReferenceProblem : RecurrenceGeometry {
    ConstTypedData q_data, k_data, v_data, decay_data, beta_data, state_in_data;
    TypedData out_data, state_out_data;
};

// The update rules (recurrence_cpu.cpp), same contract as above. LINEAR
// and GATED with a decay per head run on the chunk engine (gated_cpu.cpp:
// masked attention inside a chunk, the state across chunks), the others on
// the GLA and WY engines (recurrence_isa.h).
int64_t recurrence_workspace_floats(const RecurrenceGeometry &g, int threads);
void recurrence_cpu(const RecurrenceProblem &p, float *ws, int threads);
void recurrence_step_cpu(const RecurrenceProblem &p, int threads);
int64_t gated_workspace_floats(const RecurrenceGeometry &g, int threads);
void gated_cpu(const RecurrenceProblem &p, float *ws, int threads);
void gated_step_cpu(const RecurrenceProblem &p, int threads);

// FAVOR+ orthogonal random features into w [m, dk] at strides (sr, sc)
// (favor_matrix.cpp; float64 Gram-Schmidt, rng::gaussian of the seed).
void favor_random_matrix(uint64_t seed, int64_t m, int64_t dk, TypedData w, int64_t sr, int64_t sc);

}  // namespace pmx::linear
