// The float64 linear-attention references tests compare against.
#pragma once

#include "linear/linear_problem.h"

namespace pmx::reference {

// Kernel linear attention from its closed form in float64, token by token
// (causal: the running sums; non-causal: the full sums first), one thread;
// F32 or F64 per tensor. FAVOR+ features exp(W·x' − |x'|²/2) / √m without
// any stabiliser: double's range (e^±708) covers the test inputs (|x| = 30
// gives features near e^-170). Works for the step form too (seq 1;
// state_out may be state_in: each head's state is read before it is
// written).
void linear_attention(const linear::LinearReferenceProblem &p);

// The update rules as their per-token recurrence in float64 (never
// chunked), exactly as panamax.h writes them: the decay (per head, or per
// key dim scaling row i of S) applied first, then the delta rule's
// correction against the decayed state, then out = S_tᵀ q for each query
// head of the group. Works for the step form too (state_out may be
// state_in).
void linear_recurrence(const linear::RecurrenceReferenceProblem &p);

}  // namespace pmx::reference
