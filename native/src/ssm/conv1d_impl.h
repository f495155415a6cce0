// The causal depthwise conv1d kernel, written once against a SIMD-traits type
// (common/simd_*.h) and instantiated once per ISA
// (conv1d_avx512.cpp, conv1d_avx2.cpp, conv1d_portable.cpp).
//
// Lanes are consecutive channels. A work item (conv1d_isa.h: a chunk of rows
// x a range of channels) transposes its range's weights to [W][channels] (and
// the bias) on the stack once, then takes passes of kPassRows rows: in each,
// every 64-channel block of the range walks those rows with the W - 1
// previous input vectors of a few lane vectors in registers (per row and
// vector one load, W FMAs, one store). Every output is
//   acc = bias (0 when absent); acc = acc + w[k]·x[t - W + 1 + k], k = 0 .. W-1
// in that order (fused multiply-adds where the ISA has them), then SiLU: the
// same arithmetic on every path of one ISA, so results do not depend on the
// layout, the work split or the thread count. Channel strides other than 1 and
// a range's last partial vector take the lane-by-lane path: the inputs are
// gathered into a vector and the outputs scattered, the arithmetic unchanged.
#pragma once

#include <algorithm>
#include <cstdint>

#include "common/inline.h"
#include "common/vec_math.h"
#include "ssm/conv1d_isa.h"

namespace pmx::ssm {

constexpr int kMaxWidth = 8;  // PMX_MAX_CONV1D_WIDTH
// Rows per pass over a range's blocks: the pages of a pass's rows (x and out)
// stay in the TLB while the blocks take turns (TUNING.md).
constexpr int64_t kPassRows = 64;

template <class T>
struct Conv1dKernel {
    using V = typename T::V;
    static constexpr int L = T::W;  // lanes
    static constexpr int kBlock = int(kConv1dBlockChannels);
    static constexpr int kRange = int(kConv1dRangeChannels);
    static constexpr int kVectors = kBlock / L;  // lane vectors per block
    static constexpr int kRegisters = sizeof(V) == 64 ? 32 : 16;

    // Lane vectors walked together along t: as many as keep their windows,
    // inputs and sums in registers (weights are FMA memory operands).
    static constexpr int group(int width) {
        int g = kVectors;
        while (g > 1 && g * (width + 1) > kRegisters - 4) g /= 2;
        return g;
    }

    // One range's weights, transposed, and bias; lanes past its channels 0.
    struct Range {
        alignas(64) float w[kMaxWidth][kRange];
        alignas(64) float bias[kRange];
    };
    // The inputs before a block's first row when they do not come straight
    // from x: win[j] holds position t0 - (W - 1) + j.
    struct Window {
        alignas(64) float win[kMaxWidth - 1][kBlock];
    };

    // ---- scalar helpers ------------------------------------------------------

    // Where the inputs of sequence b at position pos (< its length) are, with
    // their channel stride: x's row, or before the start state_in's column
    // (oldest first), or nullptr when state_in is absent (zeros).
    static PMX_INLINE const float *inputs_at(const Conv1dProblem &p, int64_t b, int64_t pos, int64_t &c_stride) {
        if (pos >= 0) {
            c_stride = p.x_sc;
            return p.x + p.x_offset(b, pos);
        }
        c_stride = p.si_sc;
        return p.has_state_in ? p.state_in + b * p.si_sb + (p.width - 1 + pos) * p.si_sk : nullptr;
    }

    // Weights k < W and bias of the range's n channels from c0; lanes past n
    // (up to a whole block) are 0.
    static void load_range(const Conv1dProblem &p, int64_t c0, int64_t n, Range &r) {
        const int64_t padded = (n + kBlock - 1) / kBlock * kBlock;
        for (int64_t k = 0; k < p.width; ++k) {
            const float *w = p.weight + c0 * p.w_sc + k * p.w_sk;
            for (int64_t i = 0; i < n; ++i) r.w[k][i] = w[i * p.w_sc];
            for (int64_t i = n; i < padded; ++i) r.w[k][i] = 0.f;
        }
        for (int64_t i = 0; i < n; ++i) r.bias[i] = p.has_bias ? p.bias[(c0 + i) * p.bias_sc] : 0.f;
        for (int64_t i = n; i < padded; ++i) r.bias[i] = 0.f;
    }

    static void load_window(const Conv1dProblem &p, int64_t b, int64_t t0, int64_t c0, int64_t n, Window &w) {
        const int64_t w1 = p.width - 1;
        for (int64_t j = 0; j < w1; ++j) {
            int64_t cs = 0;
            const float *in = inputs_at(p, b, t0 - w1 + j, cs);
            for (int64_t i = 0; i < n; ++i) w.win[j][i] = in != nullptr ? in[(c0 + i) * cs] : 0.f;
            for (int64_t i = n; i < kBlock; ++i) w.win[j][i] = 0.f;
        }
    }

    // state_out of sequence b, channels c0 .. c0 + n - 1: its last W - 1
    // inputs. Entry j comes from state_in entry len + j >= j (or from x), so
    // filling j = 0, 1, .. in turn never reads an entry already overwritten
    // when state_out is state_in (in place).
    static void write_state(const Conv1dProblem &p, int64_t b, int64_t c0, int64_t n) {
        const int64_t w1 = p.width - 1, len = p.length(b);
        for (int64_t j = 0; j < w1; ++j) {
            int64_t cs = 0;
            const float *in = inputs_at(p, b, len - w1 + j, cs);
            float *out = p.state_out + b * p.so_sb + j * p.so_sk;
            for (int64_t c = c0; c < c0 + n; ++c) out[c * p.so_sc] = in != nullptr ? in[c * cs] : 0.f;
        }
    }

    // ---- the walks along t ------------------------------------------------------

    // acc = bias; acc += w[k]·window[k] (k < K - 1); acc += w[K - 1]·x; SiLU.
    // lane: the first channel of the vector within the range.
    template <int K, bool kSilu>
    static PMX_INLINE V output(const Range &r, int64_t lane, const V *win, V xv) {
        V acc = T::load(r.bias + lane);
        PMX_UNROLL for (int k = 0; k < K - 1; ++k) acc = T::fmadd(T::load(r.w[k] + lane), win[k], acc);
        acc = T::fmadd(T::load(r.w[K - 1] + lane), xv, acc);
        if constexpr (kSilu) acc = simd::silu<T>(acc);
        return acc;
    }

    template <int K>
    static PMX_INLINE void shift(V *win, V xv) {
        if constexpr (K > 1) {
            PMX_UNROLL for (int k = 0; k + 1 < K - 1; ++k) win[k] = win[k + 1];
            win[K - 2] = xv;
        }
    }

    // G whole lane vectors (from range lane `lane`), channel stride 1 in x and
    // out; x, o point at the first row. Window entry j of vector g is at
    // win + j·win_stride + g·L (the rows before x, or a Window). While row t
    // is computed, row t of what comes next (pf, the same G·L channels of
    // pf_rows rows, x's row stride) is prefetched.
    // kStream: out is written with cache-bypassing stores (vector-aligned).
    template <int K, int G, bool kSilu, bool kStream>
    static void walk_vectors(const Conv1dProblem &p, const Range &r, int64_t lane, const float *win,
                             int64_t win_stride, const float *x, float *o, int64_t rows, const float *pf,
                             int64_t pf_rows) {
        constexpr int KW = K > 1 ? K - 1 : 1;
        V w[G][KW];
        PMX_UNROLL for (int g = 0; g < G; ++g)
            PMX_UNROLL for (int j = 0; j < K - 1; ++j) w[g][j] = T::loadu(win + j * win_stride + g * L);
        const int64_t xs = p.x_st, os = p.o_st;
        for (int64_t t = 0; t < rows; ++t) {
            const float *xr = x + t * xs;
            float *orow = o + t * os;
            if (t < pf_rows) {
                constexpr int kLineFloats = 64 / int(sizeof(float));
                PMX_UNROLL for (int f = 0; f < G * L; f += kLineFloats) __builtin_prefetch(pf + t * xs + f, 0, 3);
            }
            PMX_UNROLL for (int g = 0; g < G; ++g) {
                const V xv = T::loadu(xr + g * L);
                const V y = output<K, kSilu>(r, lane + g * L, w[g], xv);
                if constexpr (kStream) T::stream(orow + g * L, y);
                else T::storeu(orow + g * L, y);
                shift<K>(w[g], xv);
            }
        }
    }

    // One lane vector of n <= L channels at any channel strides: inputs
    // gathered into a vector, outputs scattered from one. win: a Window row
    // at this vector's lanes.
    template <int K, bool kSilu>
    static void walk_lanes(const Conv1dProblem &p, const Range &r, int64_t lane, int64_t n, const float *win,
                           const float *x, float *o, int64_t rows) {
        constexpr int KW = K > 1 ? K - 1 : 1;
        V w[KW];
        PMX_UNROLL for (int j = 0; j < K - 1; ++j) w[j] = T::load(win + j * kBlock);
        alignas(64) float in[L] = {}, res[L];
        const int64_t xs = p.x_st, os = p.o_st, xc = p.x_sc, oc = p.o_sc;
        for (int64_t t = 0; t < rows; ++t) {
            const float *xr = x + t * xs;
            float *orow = o + t * os;
            for (int64_t i = 0; i < n; ++i) in[i] = xr[i * xc];
            const V xv = T::load(in);
            T::store(res, output<K, kSilu>(r, lane, w, xv));
            for (int64_t i = 0; i < n; ++i) orow[i * oc] = res[i];
            shift<K>(w, xv);
        }
    }

    // Whether out is written with cache-bypassing stores: when it is far
    // larger than the caches (a plain store first reads the line it writes:
    // 1.5x the traffic of a copy), channel stride 1, every vector store lands
    // aligned, and there is no SiLU: with SiLU the kernel is bound by its
    // arithmetic, and streaming stores measured slower than plain ones
    // (TUNING.md).
    static bool streams(const Conv1dProblem &p) {
        constexpr int64_t kMinBytes = int64_t(16) << 20;
        const int64_t bytes = p.rows() * p.channels * int64_t(sizeof(float));
        const int64_t align = int64_t(L) * int64_t(sizeof(float));
        auto aligned = [&](int64_t elems) { return (elems * int64_t(sizeof(float))) % align == 0; };
        return T::kHasStream && !p.silu && bytes >= kMinBytes && p.x_sc == 1 && p.o_sc == 1 &&
               reinterpret_cast<uintptr_t>(p.out) % uintptr_t(align) == 0 && aligned(p.o_sb) && aligned(p.o_st);
    }

    // Streaming stores only where a walk writes whole 64-byte lines per row
    // (a partly written line leaves the write-combining buffer as a
    // read-modify-write).
    static constexpr bool whole_lines(int g) { return g * L * int(sizeof(float)) % 64 == 0; }

    // Rows [t0, t1) of sequence b for the n <= kBlock channels from c0 (range
    // lane `lane`).
    template <int K, bool kSilu>
    static void block_rows(const Conv1dProblem &p, const Range &r, int64_t b, int64_t t0, int64_t t1, int64_t c0,
                           int64_t lane, int64_t n, bool stream, Window &window, const float *pf,
                           int64_t pf_rows) {
        const float *x = p.x + p.x_offset(b, t0) + c0 * p.x_sc;
        float *o = p.out + p.out_offset(b, t0) + c0 * p.o_sc;
        const int64_t rows = t1 - t0;
        const bool unit = p.x_sc == 1 && p.o_sc == 1;
        if (unit && n == kBlock) {
            // The window: straight from the rows before x when they are in
            // the sequence, else from state_in or zeros.
            const bool from_x = t0 >= K - 1;
            if (!from_x) load_window(p, b, t0, c0, n, window);
            const float *win = from_x ? x - (K - 1) * p.x_st : window.win[0];
            const int64_t ws = from_x ? p.x_st : kBlock;
            constexpr int G = group(K);
            for (int v = 0; v < kVectors; v += G) {
                const float *wv = win + v * L, *pv = pf + v * L;
                if (stream && whole_lines(G))
                    walk_vectors<K, G, kSilu, true>(p, r, lane + v * L, wv, ws, x + v * L, o + v * L, rows, pv,
                                                    pf_rows);
                else
                    walk_vectors<K, G, kSilu, false>(p, r, lane + v * L, wv, ws, x + v * L, o + v * L, rows, pv,
                                                     pf_rows);
            }
            return;
        }
        load_window(p, b, t0, c0, n, window);
        int v = 0;
        for (; unit && (v + 1) * L <= n; ++v) {
            const float *wv = window.win[0] + v * L;
            if (stream && whole_lines(1))
                walk_vectors<K, 1, kSilu, true>(p, r, lane + v * L, wv, kBlock, x + v * L, o + v * L, rows, x, 0);
            else
                walk_vectors<K, 1, kSilu, false>(p, r, lane + v * L, wv, kBlock, x + v * L, o + v * L, rows, x, 0);
        }
        for (; v * L < n; ++v)
            walk_lanes<K, kSilu>(p, r, lane + v * L, std::min<int64_t>(L, n - v * L), window.win[0] + v * L,
                                 x + v * L * p.x_sc, o + v * L * p.o_sc, rows);
    }

    // Rows [t0, t1) of sequence b for the range's n channels from c0: passes
    // of kPassRows rows, each over all of the range's blocks.
    template <int K, bool kSilu>
    static void segment(const Conv1dProblem &p, const Range &r, int64_t b, int64_t t0, int64_t t1, int64_t c0,
                        int64_t n, bool stream) {
        Window window;
        for (int64_t ts = t0; ts < t1; ts += kPassRows) {
            const int64_t te = std::min(t1, ts + kPassRows);
            for (int64_t lane = 0; lane < n; lane += kBlock) {
                // Prefetched meanwhile (whole blocks only, so every address
                // lies in x): the next block of the same rows, or the first
                // block of the next pass.
                const bool next_block = lane + 2 * kBlock <= n, next_pass = te < t1 && n >= kBlock;
                const float *pf = next_block  ? p.x + p.x_offset(b, ts) + (c0 + lane + kBlock) * p.x_sc
                                  : next_pass ? p.x + p.x_offset(b, te) + c0 * p.x_sc
                                              : p.x;
                const int64_t pf_rows = next_block ? te - ts : next_pass ? std::min(t1, te + kPassRows) - te : 0;
                block_rows<K, kSilu>(p, r, b, ts, te, c0 + lane, lane, std::min<int64_t>(kBlock, n - lane), stream,
                                     window, pf, pf_rows);
            }
        }
    }

    template <bool kSilu>
    static void segment_width(const Conv1dProblem &p, const Range &r, int64_t b, int64_t t0, int64_t t1, int64_t c0,
                              int64_t n, bool stream) {
        switch (p.width) {
            case 1: segment<1, kSilu>(p, r, b, t0, t1, c0, n, stream); break;
            case 2: segment<2, kSilu>(p, r, b, t0, t1, c0, n, stream); break;
            case 3: segment<3, kSilu>(p, r, b, t0, t1, c0, n, stream); break;
            case 4: segment<4, kSilu>(p, r, b, t0, t1, c0, n, stream); break;
            case 5: segment<5, kSilu>(p, r, b, t0, t1, c0, n, stream); break;
            case 6: segment<6, kSilu>(p, r, b, t0, t1, c0, n, stream); break;
            case 7: segment<7, kSilu>(p, r, b, t0, t1, c0, n, stream); break;
            default: segment<8, kSilu>(p, r, b, t0, t1, c0, n, stream); break;
        }
    }

    // ---- one work item ---------------------------------------------------------

    // The sequence holding packed row r (< rows()).
    static int64_t sequence_of_row(const Conv1dProblem &p, int64_t r) {
        if (!p.varlen) return r / p.seq;
        return int64_t(std::upper_bound(p.cu, p.cu + p.batch + 1, int32_t(r)) - p.cu) - 1;
    }

    // The first sequence that starts at packed row r or later (B if none).
    static int64_t first_sequence_from(const Conv1dProblem &p, int64_t r) {
        if (!p.varlen) return p.seq == 0 ? (r == 0 ? 0 : p.batch) : std::min(p.batch, (r + p.seq - 1) / p.seq);
        return int64_t(std::lower_bound(p.cu, p.cu + p.batch, int32_t(r)) - p.cu);
    }

    static void run_item(const Conv1dProblem &p, const Conv1dPlan &plan, int64_t item) {
        const int64_t chunk = item / plan.ranges, range = item % plan.ranges;
        const int64_t c0 = range * kRange, n = std::min<int64_t>(kRange, p.channels - c0);
        const int64_t r0 = chunk * plan.chunk_rows, r1 = std::min(r0 + plan.chunk_rows, plan.rows);
        const bool stream = streams(p);
        if (r0 < r1) {
            Range r;
            load_range(p, c0, n, r);
            for (int64_t b = sequence_of_row(p, r0); b < p.batch; ++b) {
                const int64_t first = p.first_row(b);
                if (first >= r1) break;
                const int64_t t0 = std::max(r0, first) - first, t1 = std::min(r1, first + p.length(b)) - first;
                if (t0 >= t1) continue;
                if (p.silu) segment_width<true>(p, r, b, t0, t1, c0, n, stream);
                else segment_width<false>(p, r, b, t0, t1, c0, n, stream);
            }
            if (stream) T::fence();  // the streaming stores are visible before the call returns
        }
        // After the outputs: in place, this item's state_in entries are read
        // (load_window) before write_state overwrites them.
        if (p.has_state_out && p.width > 1) {
            const bool last = chunk + 1 == plan.chunks;
            const int64_t b0 = first_sequence_from(p, r0), b1 = last ? p.batch : first_sequence_from(p, r1);
            for (int64_t b = b0; b < b1; ++b) write_state(p, b, c0, n);
        }
    }
};

}  // namespace pmx::ssm
