// The Mixture-of-Experts CPU drivers: each stage, and the whole layer.
// ws: the call's workspace (moe_layout.h), 64-byte aligned.
#pragma once

#include "moe/moe_problem.h"

namespace pmx::moe {

void router_cpu(const RouterProblem &p, char *ws, int threads);
void permute_cpu(const PermuteProblem &p, int threads);
void experts_cpu(const ExpertsProblem &p, char *ws, int threads);
void combine_cpu(const CombineProblem &p, int threads);
void moe_cpu(const MoeProblem &p, char *ws, int threads);

}  // namespace pmx::moe
