// The per-ISA SSD functions (ssd_impl.h instantiated in
// ssd_{avx512,avx2,portable}.cpp), which ssd_cpu.cpp picks from once.
#pragma once

#include <cstdint>

#include "ssm/ssd_problem.h"

namespace pmx::ssm {

// One work item: heads [h0, h0 + nh) of sequence b (all of one group), over
// the whole sequence, chunk after chunk. ws: the thread's slice
// (ssd_item_floats floats, 64-byte aligned).
struct SsdItem {
    int64_t b = 0, h0 = 0, nh = 1;
};

// Where the buffers of one thread's workspace slice lie (float offsets, each
// 64-byte aligned), for items of up to nh heads. Sizes are padded to 16
// floats whatever the ISA, so the workspace never depends on it.
struct SsdSlice {
    int64_t q = 0, qp = 0, pp = 0, np = 0;  // chunk and the padded Q, P, N
    int64_t lda_m = 0;                      // row length of [M | C·e^cs]: qp + np
    int64_t cbuf = 0;   // C of the chunk [q][np]
    int64_t btbuf = 0;  // Bᵀ of the chunk [np][qp]
    int64_t gbuf = 0;   // C·Bᵀ [q][qp]
    int64_t abuf = 0;   // [M | C·e^cs] of the current head [q][qp + np]
    int64_t bwbuf = 0;  // Bᵀ scaled by the decays to the chunk's end [np][qp]
    int64_t ybuf = 0;   // outputs of the current head [q][pp]
    int64_t dtbuf = 0, csbuf = 0, wbuf = 0;  // dt, decay cumsum, weights [qp]
    int64_t xs = 0;     // per head: x of the chunk [qp][pp], then Sᵀ [np][pp]
    int64_t xs_head = 0;
    int64_t total = 0;
};

inline SsdSlice ssd_slice(const SsdGeometry &g, int64_t nh) {
    auto pad = [](int64_t n) { return (n + 15) / 16 * 16; };
    SsdSlice s;
    s.q = g.chunk;
    s.qp = pad(g.chunk);
    s.pp = pad(g.hdim);
    s.np = pad(g.nstate);
    s.lda_m = s.qp + s.np;
    int64_t at = 0;
    auto take = [&](int64_t floats) {
        const int64_t o = at;
        at += pad(floats);
        return o;
    };
    s.cbuf = take(s.q * s.np);
    s.btbuf = take(s.np * s.qp);
    s.gbuf = take(s.q * s.qp);
    s.abuf = take(s.q * s.lda_m);
    s.bwbuf = take(s.np * s.qp);
    s.ybuf = take(s.q * s.pp);
    s.dtbuf = take(s.qp);
    s.csbuf = take(s.qp);
    s.wbuf = take(s.qp);
    s.xs_head = (s.qp + s.np) * s.pp;
    s.xs = take(nh * s.xs_head);
    s.total = at;
    return s;
}

using SsdItemFn = void (*)(const SsdProblem &, const SsdItem &, float *ws);
using SsdStepFn = void (*)(const SsdProblem &, int64_t b, int64_t h);

void ssd_item_portable(const SsdProblem &p, const SsdItem &it, float *ws);
void ssd_item_avx2(const SsdProblem &p, const SsdItem &it, float *ws);
void ssd_item_avx512(const SsdProblem &p, const SsdItem &it, float *ws);

// The decoding step of head h of sequence b.
void ssd_step_portable(const SsdProblem &p, int64_t b, int64_t h);
void ssd_step_avx2(const SsdProblem &p, int64_t b, int64_t h);
void ssd_step_avx512(const SsdProblem &p, int64_t b, int64_t h);

}  // namespace pmx::ssm
