// The per-ISA functions of the delta-rule and GLA engines (delta_impl.h,
// gla_impl.h, instantiated in recurrence_{avx512,avx2,portable}.cpp), which
// recurrence_cpu.cpp picks from once, and the layout of one
// thread's workspace slice for each.
//
// Sizes are padded to 16 floats whatever the ISA, so the workspace never
// depends on it; every buffer starts 64-byte aligned.
#pragma once

#include <cstdint>

#include "linear/linear_problem.h"

namespace pmx::linear {

inline int64_t rec_pad16(int64_t n) { return (n + 15) / 16 * 16; }

// DELTA / GATED_DELTA, per (sequence, kv head) item; c = the chunk, cp, kp,
// vp = chunk, Dk and Dv padded.
struct DeltaSlice {
    int64_t c = 0, cp = 0, kp = 0, vp = 0;
    int64_t lda = 0;   // row length of [P | Q]: cp + kp
    int64_t kr = 0;    // K rows [cp][kp] (then -γ·K)
    int64_t kt = 0;    // Kᵀ [kp][cp] (then Kᵀ·diag(Γ_last,j) for the state)
    int64_t gam = 0;   // Γ_ij = Π g over (j, i], lower incl. diagonal [cp][cp]
    int64_t tb = 0;    // K·Kᵀ, then T' = (I + A)^-1·diag(β) [cp][cp]
    int64_t xb = 0;    // X = V - diag(γ)·K·S [cp][vp]
    int64_t xs = 0;    // U' rows [cp][vp], then S [kp][vp]
    int64_t abuf = 0;  // [P | Q] of the current query head [cp][lda]
    int64_t ybuf = 0;  // outputs of the current query head [cp][vp]
    int64_t beta = 0, gdec = 0, gvec = 0, wvec = 0, avec = 0;  // [cp] each
    int64_t total = 0;
};

inline DeltaSlice delta_slice(const RecurrenceGeometry &g) {
    DeltaSlice s;
    s.c = g.chunk;
    s.cp = rec_pad16(g.chunk);
    s.kp = rec_pad16(g.dk);
    s.vp = rec_pad16(g.dv);
    s.lda = s.cp + s.kp;
    int64_t at = 0;
    auto take = [&](int64_t floats) {
        const int64_t o = at;
        at += rec_pad16(floats);
        return o;
    };
    s.kr = take(s.cp * s.kp);
    s.kt = take(s.kp * s.cp);
    s.gam = take(s.cp * s.cp);
    s.tb = take(s.cp * s.cp);
    s.xb = take(s.cp * s.vp);
    s.xs = take((s.cp + s.kp) * s.vp);
    s.abuf = take(s.cp * s.lda);
    s.ybuf = take(s.cp * s.vp);
    s.beta = take(s.cp);
    s.gdec = take(s.cp);
    s.gvec = take(s.cp);
    s.wvec = take(s.cp);
    s.avec = take(s.cp);
    s.total = at;
    return s;
}

// GLA (GATED with a decay per key dim): sub-chunks of kGlaSub tokens inside
// each chunk; nb = sub-chunks per chunk.
constexpr int64_t kGlaSub = 16;

struct GlaSlice {
    int64_t c = 0, cp = 0, kp = 0, vp = 0, nb = 0;
    int64_t lda = 0;    // cp + kp
    int64_t gr = 0;     // decays g rows [cp][kp]
    int64_t apre = 0;   // Π g from the sub-chunk's start to the token (incl.) [cp][kp]
    int64_t khat = 0;   // k ⊙ Π g after the token to the sub-chunk's end [cp][kp]
    int64_t kr = 0;     // K rows [cp][kp]
    int64_t qr = 0;     // Q rows of the current query head [cp][kp]
    int64_t kh = 0;     // K̂ᵀ [kp][cp]
    int64_t kb = 0;     // K̂ᵀ scaled by the decays between sub-chunks [kp][cp]
    int64_t kd = 0;     // (k ⊙ 1/a)ᵀ for the diagonal blocks' fast path [kp][cp]
    int64_t blk = 0, bpre = 0, bsfx = 0;  // per sub-chunk [nb][kp]: Π g over it, before it, after it
    int64_t ltot = 0;   // Π g over the chunk [kp]
    int64_t qf = 0;     // running q ⊙ Π g [kp]
    int64_t scr = 0;    // partial dot products [kGlaSub][16], then a 16 x 16 transpose
    int64_t xs = 0;     // V rows [cp][vp], then S [kp][vp]
    int64_t abuf = 0;   // [P | Q ⊙ e^L] [cp][lda]
    int64_t ybuf = 0;   // [cp][vp]
    int64_t total = 0;
};

inline GlaSlice gla_slice(const RecurrenceGeometry &g) {
    GlaSlice s;
    s.c = g.chunk;
    s.cp = rec_pad16(g.chunk);
    s.kp = rec_pad16(g.dk);
    s.vp = rec_pad16(g.dv);
    s.nb = (g.chunk + kGlaSub - 1) / kGlaSub;
    s.lda = s.cp + s.kp;
    int64_t at = 0;
    auto take = [&](int64_t floats) {
        const int64_t o = at;
        at += rec_pad16(floats);
        return o;
    };
    s.gr = take(s.cp * s.kp);
    s.apre = take(s.cp * s.kp);
    s.khat = take(s.cp * s.kp);
    s.kr = take(s.cp * s.kp);
    s.qr = take(s.cp * s.kp);
    s.kh = take(s.kp * s.cp);
    s.kb = take(s.kp * s.cp);
    s.kd = take(s.kp * s.cp);
    s.blk = take(s.nb * s.kp);
    s.bpre = take(s.nb * s.kp);
    s.bsfx = take(s.nb * s.kp);
    s.ltot = take(s.kp);
    s.qf = take(s.kp);
    s.scr = take(kGlaSub * 16 + 256);
    s.xs = take((s.cp + s.kp) * s.vp);
    s.abuf = take(s.cp * s.lda);
    s.ybuf = take(s.cp * s.vp);
    s.total = at;
    return s;
}

// One item: kv head hk of sequence b, the whole sequence chunk after chunk,
// and every query head of its group. ws: the thread's slice.
using RecItemFn = void (*)(const RecurrenceProblem &, int64_t b, int64_t hk, float *ws);
// One decoding step of kv head hk of sequence b (and its query heads).
using RecStepFn = void (*)(const RecurrenceProblem &, int64_t b, int64_t hk);

void delta_item_portable(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws);
void delta_item_avx2(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws);
void delta_item_avx512(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws);
void delta_step_portable(const RecurrenceProblem &p, int64_t b, int64_t hk);
void delta_step_avx2(const RecurrenceProblem &p, int64_t b, int64_t hk);
void delta_step_avx512(const RecurrenceProblem &p, int64_t b, int64_t hk);

void gla_item_portable(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws);
void gla_item_avx2(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws);
void gla_item_avx512(const RecurrenceProblem &p, int64_t b, int64_t hk, float *ws);
void gla_step_portable(const RecurrenceProblem &p, int64_t b, int64_t hk);
void gla_step_avx2(const RecurrenceProblem &p, int64_t b, int64_t hk);
void gla_step_avx512(const RecurrenceProblem &p, int64_t b, int64_t hk);

}  // namespace pmx::linear
