// RoPE settings resolved for a kernel (api/rope_call.h builds them from a
// pmx_rope_config after validating it), and the cos/sin table every RoPE
// kernel rotates with: the standalone pmx_rope and the fused attention kernel.
#pragma once

#include <cstdint>

#include "panamax/panamax.h"

namespace pmx::rope {

struct RopeSpec {
    bool enabled = false;      // style != OFF
    bool interleaved = false;  // INTERLEAVED (else HALF)
    int64_t rotary_dim = 0;    // rd, even, 2..D
    double attention_factor = 1.0;
    int64_t offset = 0;
    double inv_freq[PMX_MAX_HEAD_DIM / 2] = {};  // rd/2 used, scaling applied
};

// |offset| limit resolve_rope_config accepts: positions (int32 or an index,
// plus the offset) stay exact in float64 and far from int64 overflow.
constexpr int64_t kMaxOffset = int64_t(1) << 40;

// cos/sin (times attention_factor) of positions pos0 + s.offset ..
// pos0 + s.offset + count - 1, as float, rd/2 values per position:
// cos[n * (rd/2) + i], sin[n * (rd/2) + i] for position pos0 + s.offset + n.
// The angle p·inv_freq[i] is formed and reduced modulo π/2 in float64, so any
// position |p| <= 2^32 gives cos and sin within about 1 float ulp of the exact
// value for that float64 angle (larger angles lose accuracy gradually, never
// leaving [-1, 1]·attention_factor). Vectorised per ISA; never fails.
void fill_table(const RopeSpec &s, int64_t pos0, int64_t count, float *cos, float *sin);

}  // namespace pmx::rope
