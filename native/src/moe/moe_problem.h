// The Mixture-of-Experts stages as validated problems (api/moe_call.cpp
// builds them from the params structs): strided views of caller memory with
// their element types, so that the float64 reference reads F32 or F64 and
// the kernels F32 through the same description.
#pragma once

#include <cstdint>

#include "panamax/panamax.h"

namespace pmx::moe {

// A strided view of up to three dims (strides in elements). Absent: data null.
struct View {
    void *data = nullptr;
    int32_t dtype = PMX_DTYPE_UNDEFINED;
    int64_t stride[3] = {0, 0, 0};

    bool present() const { return data != nullptr; }
    int64_t off(int64_t i, int64_t j = 0, int64_t k = 0) const { return i * stride[0] + j * stride[1] + k * stride[2]; }
    float *f32() const { return static_cast<float *>(data); }
    int32_t *i32() const { return static_cast<int32_t *>(data); }
    uint8_t *u8() const { return static_cast<uint8_t *>(data); }
    // F32 or F64 element (the reference).
    double load(int64_t o) const {
        return dtype == PMX_DTYPE_F64 ? static_cast<const double *>(data)[o] : double(static_cast<const float *>(data)[o]);
    }
    void store(int64_t o, double v) const {
        if (dtype == PMX_DTYPE_F64) static_cast<double *>(data)[o] = v;
        else static_cast<float *>(data)[o] = float(v);
    }
};

// A 2-D GEMM operand [rows, cols] as BLAS sees it (row-major): 'N' with
// leading dimension ld (stride of rows, unit stride along cols), or 'T' (the
// transposed memory: unit stride along rows).
struct GemmOperand {
    const float *data = nullptr;
    char trans = 'N';
    int64_t ld = 1;
};

// A [rows, cols] matrix at `data` with strides (sr, sc) as a BLAS operand
// (validated: one of them unit, the other past the unit dim; moe_cpu.cpp).
GemmOperand operand(const float *data, int64_t rows, int64_t cols, int64_t sr, int64_t sc);

// Stages 1 and 2 (pmx_moe_router).
struct RouterProblem {
    int64_t tokens = 0, dmodel = 0, experts = 0, k = 0;
    bool computed = false;  // logits = x·gate_weight
    int32_t scoring = PMX_MOE_SOFTMAX;
    bool renormalize = false;
    double capacity_factor = 0, noise_std = 0;
    uint64_t noise_seed = 0;
    View x, gate_weight, logits;  // logits: input, or (computed) optional output
    View indices, weights, counts, dropped, aux_loss, z_loss;

    // Assignments an expert keeps: ceil(factor·T·k / E), or all (factor 0).
    int64_t capacity() const;
};

// Stage 3 (pmx_moe_permute).
struct PermuteProblem {
    int64_t tokens = 0, dmodel = 0, experts = 0, k = 0;
    View x, indices, dropped, x_sorted, offsets, rows;
};

// Stage 4 (pmx_moe_experts). The offsets are read (and checked) by the
// kernel: the fused call passes its own.
struct ExpertsProblem {
    int64_t rows = 0, dmodel = 0, hidden = 0, experts = 0;
    int32_t activation = PMX_MOE_SILU;
    bool gated = false;
    View x_sorted, offsets, w1, w2, w3, b1, b2, b3, y_sorted;
};

// Stage 5 (pmx_moe_combine).
struct CombineProblem {
    int64_t tokens = 0, dmodel = 0, k = 0, sorted_rows = 0;
    View y_sorted, rows, weights, out;
};

// The whole layer (pmx_moe): the router's problem and the experts' weights;
// the fused call fills in the rest from its workspace.
struct MoeProblem {
    RouterProblem router;
    ExpertsProblem experts;  // x_sorted, offsets, y_sorted left absent
    View out;
};

// Counter-based standard normal for the router noise: SplitMix64 of
// (seed, 2c) and (seed, 2c + 1), c = t·E + e, through Box-Muller. The same
// value for the same (seed, t, e) everywhere.
double router_noise(uint64_t seed, int64_t t, int64_t e, int64_t experts);

}  // namespace pmx::moe
