// The per-ISA S4D kernel functions (s4d_impl.h instantiated in
// s4d_{avx512,avx2,portable}.cpp), which s4d_cpu.cpp picks from once, and
// the layout they share.
//
// K[c, 64q + r] = sum_k U[q][k]·P[k][r]: with W_n = 2·C_n·B̄_n and
// Z_q = Ā_n^(64q), U[q] = [Re(W·Z_q) | -Im(W·Z_q)] (2·Nh floats) and
// P = [Re(Ā^r) ; Im(Ā^r)] (2·Nh rows of 64), so that each block of 64
// outputs is a row of a small matrix product.
#pragma once

#include <cstdint>

#include "ssm/s4d_problem.h"

namespace pmx::ssm {

constexpr int64_t kS4dBlock = 64;         // r < 64
constexpr int64_t kS4dSpanBlocks = 256;   // blocks per work item (16384 lags)
constexpr int64_t kS4dMaxRows = 8;        // U rows per product tile

// One work item: channel c, blocks [q0, q1).
struct S4dItem {
    int64_t c = 0, q0 = 0, q1 = 0;
};

// One thread's slice (float offsets, 16-float aligned).
struct S4dSlice {
    int64_t p = 0;      // P [2Nh][64]
    int64_t u = 0;      // U tile [kS4dMaxRows][2Nh]
    int64_t tile = 0;   // output tile [kS4dMaxRows][64]
    int64_t dbl = 0;    // float64 rows: W, Z_q, Ā^64, Ā (re and im each) = 8·Nh doubles
    int64_t total = 0;
};

inline S4dSlice s4d_slice(int64_t nstate) {
    auto pad = [](int64_t n) { return (n + 15) / 16 * 16; };
    S4dSlice s;
    int64_t at = 0;
    auto take = [&](int64_t floats) {
        const int64_t o = at;
        at += pad(floats);
        return o;
    };
    s.p = take(2 * nstate * kS4dBlock);
    s.u = take(kS4dMaxRows * 2 * nstate);
    s.tile = take(kS4dMaxRows * kS4dBlock);
    s.dbl = take(16 * nstate);
    s.total = at;
    return s;
}

using S4dItemFn = void (*)(const S4dProblem &, const S4dItem &, float *ws);

void s4d_item_portable(const S4dProblem &p, const S4dItem &it, float *ws);
void s4d_item_avx2(const S4dProblem &p, const S4dItem &it, float *ws);
void s4d_item_avx512(const S4dProblem &p, const S4dItem &it, float *ws);

}  // namespace pmx::ssm
