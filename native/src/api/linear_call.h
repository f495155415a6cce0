// Turns pmx_linear_attention_params, pmx_linear_recurrence_params and
// pmx_favor_params into validated problems (linear/linear_problem.h): one
// resolve step per family for every entry point (kernel, size query, step,
// reference). Every check throws pmx::Error naming the argument.
#pragma once

#include <cstdint>

#include "common/typed_data.h"
#include "linear/linear_problem.h"
#include "panamax/panamax.h"

namespace pmx {

// ---- shared by both families (linear_heads_call.cpp) ---------------------------

// q [B, N, H, Dk], k [B, N, Hkv, Dk], v [B, N, Hkv, Dv], out [B, N, H, Dv]
// (step: no N), with 1 <= Dk <= PMX_MAX_LINEAR_FEATURES, 1 <= Dv <=
// PMX_MAX_LINEAR_HEAD_DIM, H >= 1, 1 <= Hkv dividing H. Fills the geometry
// and strides (step: seq = 1, token stride 0); F32 only unless allow_f64.
linear::HeadGeometry resolve_linear_heads(const pmx_tensor &q, const pmx_tensor &k, const pmx_tensor &v,
                                          const pmx_tensor &out, bool step, bool allow_f64);

// The chunk field: 0..PMX_MAX_LINEAR_CHUNK, 0 in a step; resolved (0 ->
// PMX_LINEAR_DEFAULT_CHUNK; the step keeps 0).
int64_t resolve_linear_chunk(int64_t chunk, bool step);

// A state [B, Hkv, rows, Dv] (`rows` is "F" or "Dk") or a norm [B, Hkv, F].
void check_linear_state(const pmx_tensor &t, const char *name, const linear::HeadGeometry &g, int64_t rows,
                        const char *rows_name, bool allow_f64);
void check_linear_norm(const pmx_tensor &t, const char *name, const linear::HeadGeometry &g, int64_t features,
                       bool allow_f64);
linear::StateStrides linear_state_strides(const pmx_tensor &t);  // norms: v = 0

// ---- kernel linear attention (linear_attention_call.cpp) -----------------------

// Validates every argument and returns the kernel's problem (F32). step: the
// one-token form of pmx_linear_attention_step.
linear::LinearProblem resolve_linear_attention(const pmx_linear_attention_params *params, bool step);

// The same checks for the float64 reference (F32 or F64 tensors).
linear::LinearReferenceProblem resolve_linear_attention_reference(const pmx_linear_attention_params *params);

int64_t linear_attention_workspace_bytes(const linear::LinearGeometry &g, int threads);

// The aliasing contract: out, state_out and norm_out give their elements
// distinct addresses and share no byte with any other tensor, except that
// the step may update state and norm in place (the same view as the input).
void check_linear_attention_outputs_apart(const pmx_linear_attention_params &params, bool step);

// "workspace: overlaps <tensor>" when the workspace bytes touch any tensor.
void check_linear_attention_workspace_apart(const pmx_linear_attention_params &params, const void *workspace,
                                            int64_t bytes);

// pmx_favor_random_matrix's arguments, checked: random_matrix [m, Dk] (F32
// or F64, 1 <= m, Dk <= PMX_MAX_LINEAR_FEATURES, distinct element addresses).
struct FavorCall {
    uint64_t seed = 0;
    int64_t m = 0, dk = 0, sr = 0, sc = 0;
    TypedData w;
};
FavorCall resolve_favor(const pmx_favor_params *params);

// ---- update rules (linear_recurrence_call.cpp) ------------------------------------

linear::RecurrenceProblem resolve_linear_recurrence(const pmx_linear_recurrence_params *params, bool step);
linear::RecurrenceReferenceProblem resolve_linear_recurrence_reference(const pmx_linear_recurrence_params *params);

int64_t linear_recurrence_workspace_bytes(const linear::RecurrenceGeometry &g, int threads);

// out and state_out apart from everything (the step: state_out may be
// state_in itself).
void check_linear_recurrence_outputs_apart(const pmx_linear_recurrence_params &params, bool step);
void check_linear_recurrence_workspace_apart(const pmx_linear_recurrence_params &params, const void *workspace,
                                             int64_t bytes);

// The data checks, on the calling thread, before anything is written (the
// size query does not read data): every decay element in [0, 1] (NaN
// rejected), every beta element finite; the message names the tensor and the
// element ("decay: element [0, 3, 1] = 1.5 is outside [0, 1]"). params was
// resolved first.
void check_linear_recurrence_values(const pmx_linear_recurrence_params &params);

}  // namespace pmx
