// The float64 Mixture-of-Experts reference tests compare against.
#pragma once

#include "moe/moe_problem.h"

namespace pmx::reference {

// Every stage of pmx_moe as plain loops in float64 (libm exp, erf, tanh), one
// thread: logits (x·gate_weight or given, plus the same noise as the
// kernel), scores, top k, weights, capacity, losses, then each kept
// assignment's expert FFN evaluated for its token and combined in slot order.
// Reads and writes F32 or F64 per tensor; writes the router outputs present.
void moe(const moe::MoeProblem &p);

}  // namespace pmx::reference
