// Turns the Mixture-of-Experts params structs into validated problems
// (moe/moe_problem.h): one resolve step per entry point, shared by the
// kernels (F32) and the float64 reference (allow_f64: F32 or F64 floats).
#pragma once

#include <cstdint>

#include "moe/moe_problem.h"
#include "panamax/panamax.h"

namespace pmx {

// Each validates every argument (throws pmx::Error naming it) and the
// aliasing contract, and returns the problem.
moe::RouterProblem resolve_moe_router(const pmx_moe_router_params *params, bool allow_f64);
moe::PermuteProblem resolve_moe_permute(const pmx_moe_permute_params *params);
moe::ExpertsProblem resolve_moe_experts(const pmx_moe_experts_params *params);
moe::CombineProblem resolve_moe_combine(const pmx_moe_combine_params *params);
moe::MoeProblem resolve_moe(const pmx_moe_params *params, bool allow_f64);

// Workspace bytes of each call on `threads` threads (64-byte multiples).
int64_t moe_router_workspace_bytes(const moe::RouterProblem &p, int threads);
int64_t moe_experts_workspace_bytes(const moe::ExpertsProblem &p, int threads);
int64_t moe_workspace_bytes(const moe::MoeProblem &p, int threads);

// "workspace: overlaps <tensor>" when the workspace touches a tensor of the call.
void check_moe_router_workspace_apart(const pmx_moe_router_params &a, const void *ws, int64_t bytes);
void check_moe_experts_workspace_apart(const pmx_moe_experts_params &a, const void *ws, int64_t bytes);
void check_moe_workspace_apart(const pmx_moe_params &a, const void *ws, int64_t bytes);

}  // namespace pmx
