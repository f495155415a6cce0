// Turns pmx_bigbird_params into a validated BigBird layout problem
// (attention/bigbird_layout.h).
#pragma once

#include "attention/bigbird_layout.h"
#include "panamax/panamax.h"

namespace pmx {

// Validates every argument (throws pmx::Error; each message starts with the
// field's name: "block: must be >= 1, got 0"), the layout's shape
// [1, H, ceil(nq/block), ceil(nk/block)], dtype U8 and that it gives each
// element its own address, and returns the problem.
attention::BigBirdProblem resolve_bigbird(const pmx_bigbird_params *params);

}  // namespace pmx
