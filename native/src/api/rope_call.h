// Turns pmx_rope_config into the kernel-facing RopeSpec (for pmx_rope and the
// fused attention kernel), and pmx_rope_params into a validated RoPE problem
// (rope/rope_problem.h): one resolve step for every entry point.
#pragma once

#include <cstdint>

#include "panamax/panamax.h"
#include "rope/rope_problem.h"

namespace pmx {

// Validates every field the config's style and scaling use (throws pmx::Error
// with a message "<name>.<field>: ...", e.g. "rope.rotary_dim: 7 is odd") for
// rows of head_dim features, and computes inv_freq in float64 with the
// formulas of Hugging Face transformers' modeling_rope_utils (default, linear,
// static NTK-aware, YaRN with truncation, llama3) and the attention factor.
// Style OFF returns a disabled spec (other fields unread). Fields a scaling
// does not use are ignored.
rope::RopeSpec resolve_rope_config(const pmx_rope_config &c, int64_t head_dim, const char *name);

// Validates every argument of pmx_rope (throws pmx::Error naming it) and
// returns the kernel's problem: x and out F32.
rope::RopeProblem resolve_rope(const pmx_rope_params *params);

// The same checks, for the float64 reference: x and out F32 or F64 each.
rope::RopeReferenceProblem resolve_rope_reference(const pmx_rope_params *params);

// out gives every element its own address and shares no byte with x (unless
// in_place, as resolved: out is x itself) or positions ("out: overlaps x").
void check_rope_outputs_apart(const pmx_rope_params &params, bool in_place);

}  // namespace pmx
