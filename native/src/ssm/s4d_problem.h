// The validated, resolved description of one S4D kernel call
// (pmx_s4d_kernel, panamax.h), plus the tensors typed for whoever runs it
// (the CPU kernel: S4dProblem, F32; the float64 reference:
// S4dReferenceProblem, F32 or F64 each). api/s4_kernel_call.h builds them
// after checking every argument; kernels trust them and never fail.
#pragma once

#include <cstdint>

#include "common/typed_data.h"

namespace pmx::ssm {

// A complex [Ch, Nh, 2] tensor: (re, im) of (c, n) at at(c, n) and
// at(c, n) + part.
struct ComplexStrides {
    int64_t c = 0, n = 0, part = 0;
    int64_t at(int64_t c_, int64_t n_) const { return c_ * c + n_ * n; }
};

struct S4dGeometry {
    int64_t channels = 0;  // Ch
    int64_t nstate = 0;    // Nh (>= 1)
    int64_t klen = 0;      // Lk
    ComplexStrides a, b, c;
    int64_t dt_s = 0;            // log_dt [Ch]
    int64_t k_sc = 0, k_sl = 0;  // out [Ch, Lk]
};

struct S4dProblem : S4dGeometry {
    const float *a_data = nullptr, *b_data = nullptr, *c_data = nullptr, *dt_data = nullptr;
    float *k_data = nullptr;
};

struct S4dReferenceProblem : S4dGeometry {
    ConstTypedData a_data, b_data, c_data, dt_data;
    TypedData k_data;
};

// Workspace floats for `threads` threads, and the kernel: up to `threads`
// threads, ws 64-byte aligned. Never throws; results do not depend on
// `threads`.
int64_t s4d_workspace_floats(const S4dGeometry &g, int threads);
void s4d_kernel_cpu(const S4dProblem &p, float *ws, int threads);

}  // namespace pmx::ssm
