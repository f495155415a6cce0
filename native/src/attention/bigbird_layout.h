// The BigBird block layout generator behind pmx_bigbird_layout: structural
// blocks (global rows and columns, the window around each row's diagonal)
// plus random blocks per (head, row) drawn from a counter-based generator, so
// a layout depends only on its arguments, never on the machine, the ISA path
// or the thread count.
//
// The random draw of row qb of head h (reproduce it exactly to regenerate a
// layout elsewhere):
//  - mix(z) is splitmix64's finaliser:
//      z = (z ^ z >> 30)·0xBF58476D1CE4E5B9; z = (z ^ z >> 27)·0x94D049BB133111EB;
//      z ^ z >> 31;
//    G = 0x9E3779B97F4A7C15, arithmetic modulo 2^64.
//  - key = mix(mix(mix(seed + G) + G·(h + 1)) + G·(qb + 1)); the t-th 64-bit
//    word of the row (t = 1, 2, ...) is mix(key + G·t) (splitmix64 from key).
//  - bounded(s), uniform in [0, s): Lemire's multiply-shift with rejection:
//    m = x·s (128-bit) of the next word x; while low64(m) < (2^64 - s) mod s,
//    m = x·s of the word after; the result is high64(m).
//  - the candidates c[0 .. m) are the row's blocks not visited yet and not in
//    the future, in increasing block order; n = min(random, m) of them are
//    chosen with Floyd's algorithm: for j = m - n .. m - 1, t = bounded(j + 1);
//    choose c[t] unless already chosen, else c[j]. (Floyd's sampling is
//    uniform over the n-subsets like a partial Fisher–Yates, and needs no
//    candidate array: the layout row itself records what was chosen.)
#pragma once

#include <cstdint>

namespace pmx::attention {

struct BigBirdProblem {
    int64_t nq = 0, nk = 0;  // query rows, keys
    int64_t heads = 0;
    int64_t block = 1;       // rows and keys per block
    int64_t window = 0;      // radius in blocks
    int64_t random = 0;      // random blocks per non-global row and head
    int64_t global = 0;      // global block rows and columns
    bool causal = false;
    uint64_t seed = 0;
    int64_t nbq = 0, nbk = 0;   // ceil(nq / block), ceil(nk / block)
    uint8_t *layout = nullptr;  // [heads][nbq][nbk] at these strides (elements)
    int64_t s_h = 0, s_q = 0, s_k = 1;
};

// Writes every element of p.layout (1 = visit, 0 = skip), in parallel over
// (head, row) on up to `threads` threads. Never throws, allocates nothing.
void bigbird_layout_cpu(const BigBirdProblem &p, int threads);

}  // namespace pmx::attention
