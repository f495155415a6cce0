// The float64 linear-attention references tests compare against.
#pragma once

#include "linear/linear_problem.h"

namespace pmx::reference {

// Kernel linear attention from its closed form in float64, token by token
// (causal: the running sums; non-causal: the full sums first), one thread;
// F32 or F64 per tensor. FAVOR+ features without any stabiliser. Works for
// the step form too (state_out may be state_in).
void linear_attention(const linear::LinearReferenceProblem &p);

// The update rules as their per-token recurrence in float64 (never
// chunked); works for the step form too (state_out may be state_in).
void linear_recurrence(const linear::RecurrenceReferenceProblem &p);

}  // namespace pmx::reference
