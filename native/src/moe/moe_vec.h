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
    // The decode path's skinny products over m rows of x (row stride ldx),
    // reading each weight element once. rows_axpy: w's k rows are
    // contiguous along n (row stride ldw); out[r][0 .. n) = Σ_i x[r][i]·w[i][..).
    // rows_dot: w's n rows are contiguous along k; out[r][j] = x[r]·w[j].
    // out rows at stride ldo; a fixed summation order (deterministic).
    void (*rows_axpy)(const float *x, int64_t ldx, int64_t m, const float *w, int64_t ldw, int64_t k, int64_t n,
                      float *out, int64_t ldo);
    void (*rows_dot)(const float *x, int64_t ldx, int64_t m, const float *w, int64_t ldw, int64_t k, int64_t n,
                     float *out, int64_t ldo);
};

// The path for this machine, picked once (moe_cpu.cpp).
const MoeVecFns &moe_vec();

MoeVecFns moe_vec_portable();
MoeVecFns moe_vec_avx2();
MoeVecFns moe_vec_avx512();

}  // namespace pmx::moe
