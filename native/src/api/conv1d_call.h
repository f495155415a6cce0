// Turns pmx_causal_conv1d_params into a validated conv1d problem
// (ssm/conv1d_problem.h): one resolve step for pmx_causal_conv1d,
// pmx_causal_conv1d_step and pmx_causal_conv1d_reference.
#pragma once

#include <cstdint>
#include <vector>

#include "panamax/panamax.h"
#include "ssm/conv1d_problem.h"

namespace pmx {

// Which entry point the params are for: they differ in the rank of x and
// out, cu_seqlens, in-place state and the dtypes they take.
enum class Conv1dEntry {
    Full,       // pmx_causal_conv1d: x, out F32 [B, L, C] or [total, C]
    Step,       // pmx_causal_conv1d_step: x, out [B, C]; state_out may be state_in
    Reference,  // pmx_causal_conv1d_reference: as Full, F32 or F64 tensors
};

// Validates every argument (throws pmx::Error with a message that starts with
// the argument's name, e.g. "weight: width W = 9 must be in 1..8"), including
// the aliasing rules of panamax.h. Varlen: cu_seqlens are copied once into
// cu_copy, the copy is validated and the problem points at it (cu_copy must
// outlive the problem), so a caller rewriting its array during the call
// cannot send the kernel outside the tensors.
ssm::Conv1dProblem resolve_causal_conv1d(const pmx_causal_conv1d_params *params, Conv1dEntry entry,
                                         std::vector<int32_t> &cu_copy);

// The same checks (Conv1dEntry::Reference), for the float64 reference.
ssm::Conv1dReferenceProblem resolve_causal_conv1d_reference(const pmx_causal_conv1d_params *params,
                                                            std::vector<int32_t> &cu_copy);

}  // namespace pmx
