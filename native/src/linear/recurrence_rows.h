// Row helpers the delta-rule and GLA kernels share (delta_impl.h,
// gla_impl.h), written once against a SIMD-traits type: gathering strided
// rows of the caller's tensors into the padded, aligned buffers of the
// workspace, scattering output rows back, tile transposes and the
// element-wise scalings of padded rows (lengths multiples of 16), and the
// decoding steps' state update.
#pragma once

#include <cstdint>
#include <cstring>

#include "common/inline.h"
#include "linear/linear_problem.h"

namespace pmx::linear {

// Bytes of out above which the prefill's output rows stream past the caches
// (as the SSD's do).
constexpr double kRecStreamBytes = 64.0 * 1024 * 1024;

// Whether the prefill streams its output rows: out that large, and every
// row whole aligned vectors of w floats (else rows are stored and their
// lines asked for ahead, as for smaller outputs).
inline bool rec_streams_out(const RecurrenceProblem &p, int64_t w) {
    const bool aligned = p.out.d == 1 && p.dv % w == 0 && p.out.t % w == 0 && p.out.h % w == 0 &&
                         p.out.b % w == 0 && reinterpret_cast<uintptr_t>(p.out_data) % (w * sizeof(float)) == 0;
    const double bytes = double(p.batch) * double(p.seq) * double(p.heads) * double(p.dv) * sizeof(float);
    return aligned && bytes > kRecStreamBytes;
}

// The decoding steps' column tile: states are walked kStepTile value
// columns at a time, so that one tile of every key row (Dk x kStepTile
// floats) stays in L1 between the passes over it.
constexpr int64_t kStepTile = 64;

// Query heads whose outputs one pass over a state tile accumulates.
constexpr int64_t kStepHeads = 8;

template <class T>
struct RecRows {
    using V = typename T::V;
    static constexpr int W = T::W;

    // n floats at src (stride s) into dst[0, n) (dst aligned); dst's padding
    // is left as is. Inline vector copies: the rows are short, a memcpy call
    // costs as much as the copy.
    static PMX_INLINE void gather(const float *src, int64_t s, int64_t n, float *dst) {
        if (s == 1) {
            int64_t i = 0;
            for (; i + W <= n; i += W) T::store(dst + i, T::loadu(src + i));
            for (; i < n; ++i) dst[i] = src[i];
        } else {
            for (int64_t i = 0; i < n; ++i) dst[i] = src[i * s];
        }
    }

    // Asks for the cache lines of n floats at p (stride s) ahead of use: the
    // next chunk's rows, one per token at a stride of a whole token, which
    // the hardware prefetchers do not follow across pages. (Also for rows
    // about to be written: without PREFETCHW in the baseline ISA a read
    // request is what there is, and it still saves the miss.)
    static PMX_INLINE void prefetch(const float *p, int64_t s, int64_t n) {
        if (s != 1 && s * int64_t(sizeof(float)) >= 64) {
            for (int64_t i = 0; i < n; ++i) touch(p + i * s);
            return;
        }
        const int64_t span = (n - 1) * s + 1;
        for (int64_t i = 0; i < span; i += 16) touch(p + i);
        touch(p + span - 1);
    }
    // The empty asm taking p keeps a loop of prefetches alive: a prefetch
    // has no side effect, so the compiler would drop the whole loop.
    static PMX_INLINE void touch(const float *p) {
        __builtin_prefetch(p, 0, 2);
        __asm__ __volatile__("" : : "r"(p));
    }

    // y[0, n) to dst (stride s).
    static PMX_INLINE void scatter(const float *y, float *dst, int64_t s, int64_t n) {
        if (s == 1) {
            int64_t i = 0;
            for (; i + W <= n; i += W) T::storeu(dst + i, T::load(y + i));
            for (; i < n; ++i) dst[i] = y[i];
        } else {
            for (int64_t i = 0; i < n; ++i) dst[i * s] = y[i];
        }
    }

    // An output row: like scatter, or past the caches (whole aligned
    // vectors, no read for ownership) when `stream` (rec_streams_out).
    static PMX_INLINE void store_out(const float *y, float *dst, int64_t s, int64_t n, bool stream) {
        if (stream) {
            for (int64_t i = 0; i < n; i += W) T::stream(dst + i, T::load(y + i));
            return;
        }
        scatter(y, dst, s, n);
    }

    // Asks for every row of token t of kv head hk that a chunk reads (k, v,
    // decay, beta, the group's q) and, unless the outputs stream, the
    // group's out rows: called one token at a time through the previous
    // chunk's work, so that the requests do not arrive in one burst.
    static void prefetch_token(const RecurrenceProblem &p, int64_t b, int64_t hk, int64_t t, bool out) {
        prefetch(p.k_data + p.k.at(b, t, hk, 0), p.k.d, p.dk);
        prefetch(p.v_data + p.v.at(b, t, hk, 0), p.v.d, p.dv);
        if (p.has_decay) prefetch(p.decay_data + p.decay.at(b, t, hk, 0), p.decay.d, p.decay_per_key ? p.dk : 1);
        if (p.has_beta) touch(p.beta_data + p.beta.at(b, t, hk, 0));
        const int64_t G = p.group();
        for (int64_t h = hk * G; h < (hk + 1) * G; ++h) {
            prefetch(p.q_data + p.q.at(b, t, h, 0), p.q.d, p.dk);
            if (out) prefetch(p.out_data + p.out.at(b, t, h, 0), p.out.d, p.dv);
        }
    }

    // dst[c][r] = src[r][c] for r < rows, c < cols (both multiples of W).
    static void transpose(const float *src, int64_t ss, float *dst, int64_t ds, int64_t rows, int64_t cols) {
        for (int64_t r = 0; r < rows; r += W)
            for (int64_t c = 0; c < cols; c += W) T::transpose(src + r * ss + c, ss, dst + c * ds + r, ds);
    }

    // x[0, n) *= a (n a multiple of W, x aligned).
    static PMX_INLINE void scale(float *x, float a, int64_t n) {
        const V av = T::set1(a);
        for (int64_t i = 0; i < n; i += W) T::store(x + i, T::mul(av, T::load(x + i)));
    }

    // x[0, n) = y ⊙ z (n a multiple of W, all aligned; x may be y or z).
    static PMX_INLINE void mul(float *x, const float *y, const float *z, int64_t n) {
        for (int64_t i = 0; i < n; i += W) T::store(x + i, T::mul(T::load(y + i), T::load(z + i)));
    }

    // x[0, n) = y[0, n) (n a multiple of W, both aligned).
    static PMX_INLINE void copy(float *x, const float *y, int64_t n) {
        for (int64_t i = 0; i < n; i += W) T::store(x + i, T::load(y + i));
    }

    static PMX_INLINE void fill(float *x, float a, int64_t n) {
        const V av = T::set1(a);
        for (int64_t i = 0; i < n; i += W) T::store(x + i, av);
    }

    // Σ_i x[i]·y[i] over n floats (n a multiple of W), as the lanes of one
    // vector (summed by the caller, several at a time).
    static PMX_INLINE V dot_lanes(const float *x, const float *y, int64_t n) {
        V a0 = T::zero(), a1 = T::zero();
        int64_t i = 0;
        for (; i + 2 * W <= n; i += 2 * W) {
            a0 = T::fmadd(T::load(x + i), T::load(y + i), a0);
            a1 = T::fmadd(T::load(x + i + W), T::load(y + i + W), a1);
        }
        if (i < n) a0 = T::fmadd(T::load(x + i), T::load(y + i), a0);
        return T::add(a0, a1);
    }

    // Row d of a state tile (n floats from base at stride s): base itself
    // where whole vectors can be read there, else a copy in buf. (A copy
    // into a stack buffer would become a rep movs: slow for short rows.)
    static PMX_INLINE const float *state_row(const float *base, int64_t s, int64_t n, float *buf) {
        if (s == 1 && n % W == 0) return base;
        for (int64_t i = 0; i < n; ++i) buf[i] = base[i * s];
        return buf;
    }

    // The steps' update of value columns [v0, v0 + n) (n <= kStepTile) of
    // kv head hk of sequence b:
    //   S_out[d] = a_d·S_in[d] + k_d·x   (a_d = a[d·as]; S_in = 0 if absent)
    //   out_h    = S_outᵀ q_h            for every query head h of the group
    // x: kStepTile floats (0 past n); row: kStepTile floats of scratch. The
    // outputs of up to kStepHeads heads ride on the pass that writes the
    // state; further heads read the new tile back. state_out may be
    // state_in: each row is read before it is written.
    static void step_tile(const RecurrenceProblem &p, int64_t b, int64_t hk, int64_t v0, int64_t n, const float *a,
                          int64_t as, const float *x, float *row) {
        const int64_t Dk = p.dk, G = p.group(), nw = (n + W - 1) / W * W;
        const float *kv = p.k_data + p.k.at(b, 0, hk, 0);
        const bool direct = p.state_out.v == 1 && n % W == 0;
        alignas(64) float o[kStepHeads][kStepTile];
        for (int64_t h0 = 0; h0 < G; h0 += kStepHeads) {
            const int64_t nh = G - h0 < kStepHeads ? G - h0 : kStepHeads;
            for (int64_t j = 0; j < nh; ++j) fill(o[j], 0.f, nw);
            for (int64_t d = 0; d < Dk; ++d) {
                float *so = p.state_out_data + p.state_out.at(b, hk, d, v0);
                float *dst = direct ? so : row;
                if (h0 == 0) {
                    const V ad = T::set1(a[d * as]), kd = T::set1(kv[d * p.k.d]);
                    if (p.has_state_in) {
                        const float *si =
                            state_row(p.state_in_data + p.state_in.at(b, hk, d, v0), p.state_in.v, n, row);
                        for (int64_t c = 0; c < nw; c += W)
                            T::storeu(dst + c, T::fmadd(kd, T::load(x + c), T::mul(ad, T::loadu(si + c))));
                    } else {
                        for (int64_t c = 0; c < nw; c += W) T::storeu(dst + c, T::mul(kd, T::load(x + c)));
                    }
                    if (!direct)
                        for (int64_t c = 0; c < n; ++c) so[c * p.state_out.v] = row[c];
                } else if (!direct) {
                    for (int64_t c = 0; c < n; ++c) row[c] = so[c * p.state_out.v];
                }
                for (int64_t j = 0; j < nh; ++j) {
                    const V qd = T::set1(p.q_data[p.q.at(b, 0, hk * G + h0 + j, d)]);
                    for (int64_t c = 0; c < nw; c += W)
                        T::store(o[j] + c, T::fmadd(qd, T::loadu(dst + c), T::load(o[j] + c)));
                }
            }
            for (int64_t j = 0; j < nh; ++j)
                scatter(o[j], p.out_data + p.out.at(b, 0, hk * G + h0 + j, v0), p.out.d, n);
        }
    }

    // One item of an engine: the state of (b, hk) in from state_in (or 0)
    // at row stride L.vp after the chunk rows (every padding lane 0), the
    // chunks in order (Kernel::chunk), the state out. Both engines' slices
    // (recurrence_isa.h) share the fields read here.
    template <class Kernel, class Slice>
    static void walk_item(const RecurrenceProblem &p, const Slice &L, int64_t b, int64_t hk, float *ws) {
        std::memset(ws, 0, sizeof(float) * size_t(L.total));
        float *st = ws + L.xs + L.cp * L.vp;
        if (p.has_state_in)
            for (int64_t d = 0; d < p.dk; ++d)
                gather(p.state_in_data + p.state_in.at(b, hk, d, 0), p.state_in.v, p.dv, st + d * L.vp);
        // Outputs far larger than the caches bypass them.
        const bool stream = T::kHasStream && rec_streams_out(p, W);
        for (int64_t c0 = 0; c0 < p.seq; c0 += L.c)
            Kernel::chunk(p, L, b, hk, c0, p.seq - c0 < L.c ? p.seq - c0 : L.c, stream, ws);
        if (stream) T::fence();
        if (p.has_state_out)
            for (int64_t d = 0; d < p.dk; ++d)
                scatter(st + d * L.vp, p.state_out_data + p.state_out.at(b, hk, d, 0), p.state_out.v, p.dv);
    }
};

}  // namespace pmx::linear
