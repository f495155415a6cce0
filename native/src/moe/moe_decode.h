// The experts' decode path: a few rows per expert, where the weights are the
// traffic (moe_decode.cpp).
#pragma once

#include <cstdint>

#include "moe/moe_layout.h"
#include "moe/moe_problem.h"

namespace pmx::moe {

// Whether experts_cpu takes the decode path for these (checked) offsets:
// the layout has room (few sorted rows), no expert has more than
// kSkinnyExpertRows rows and d > 0. A function of the shapes and offsets
// only, never of the thread count.
bool decode_path(const ExpertsProblem &p, const int32_t *off, const ExpertsLayout &l);

// The expert feed-forward with every weight cut into slabs of whole memory
// rows, one work item per (expert, matrix, slab): the skinny kernels read
// each weight element once, partial sums over the reduction dim land in
// per-slab planes and are added in plane order (the same bits for any
// thread count).
void experts_decode(const ExpertsProblem &p, const int32_t *off, char *ws, const ExpertsLayout &l, int threads);

}  // namespace pmx::moe
