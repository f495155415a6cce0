// The per-ISA Mixture-of-Experts vector kernels (moe_vec_impl.h instantiated
// in moe_vec_{avx512,avx2,portable}.cpp), which moe_cpu.cpp picks from once.
#pragma once

#include <cstdint>

namespace pmx::moe {

struct MoeVecFns {
    // scores[0 .. E) from contiguous logits; returns logsumexp(logits).
    double (*score_row)(const float *logits, int64_t e, int32_t scoring, float *scores);
    // h1 = act(h1 + b1) [⊙ (h3 + b3)], rows of h at row stride ld.
    void (*activate)(float *h1, const float *h3, int64_t rows, int64_t h, int64_t ld, const float *b1,
                     const float *b3, int32_t kind);
    // out[0 .. d) = Σ_i w[i]·y[i][0 .. d), summed in order.
    void (*combine_row)(float *out, int64_t d, const float *const *y, const float *w, int n);
};

MoeVecFns moe_vec_portable();
MoeVecFns moe_vec_avx2();
MoeVecFns moe_vec_avx512();

}  // namespace pmx::moe
