// The validated, resolved description of one standalone RoPE call: its
// geometry and settings, plus the tensors typed for whoever runs it (the CPU
// kernel: RopeProblem, F32; the float64 reference: RopeReferenceProblem, F32
// or F64 each). api/rope_call.h builds them from pmx_rope_params after
// checking every argument; kernels trust them and never fail.
#pragma once

#include <cstdint>

#include "common/typed_data.h"
#include "rope/rope_spec.h"

namespace pmx::rope {

// x and out are [B, N, H, D] (a rank-3 x is B = 1 with batch stride 0);
// strides in elements.
struct RopeGeometry {
    int64_t batch = 0, seq = 0, heads = 0, head_dim = 0;  // B, N, H, D
    RopeSpec spec;                                        // enabled, rd <= D
    bool in_place = false;  // out is x (same data and strides)

    int64_t x_sb = 0, x_sn = 0, x_sh = 0, x_sd = 1;
    int64_t o_sb = 0, o_sn = 0, o_sh = 0, o_sd = 1;
    // positions (I32): absent (row n has position n), [N] (p_sb = 0) or [B, N].
    const int32_t *positions = nullptr;
    int64_t p_sb = 0, p_sn = 0;

    // Position of row (b, n) before the offset (fill_table adds it).
    int64_t position(int64_t b, int64_t n) const {
        return positions != nullptr ? int64_t(positions[b * p_sb + n * p_sn]) : n;
    }
};

// The CPU kernel's problem: x and out F32.
struct RopeProblem : RopeGeometry {
    const float *x = nullptr;
    float *out = nullptr;
};

// The float64 reference's problem: x and out F32 or F64 each.
struct RopeReferenceProblem : RopeGeometry {
    ConstTypedData x;
    TypedData out;
};

// Runs RoPE on up to `threads` threads (rows (b, n) are the work items); the
// ISA path is chosen once per process. Results do not depend on the thread
// count. Never throws.
void rope_cpu(const RopeProblem &p, int threads);

}  // namespace pmx::rope
