// The selective-scan kernel (Mamba-1), written once against a SIMD-traits
// type (common/simd_*.h) and instantiated once per ISA (scan_avx512.cpp,
// scan_avx2.cpp, scan_portable.cpp).
//
// Lanes are channels. A work item owns a range of channels (several blocks
// of W) of one sequence over a range of tokens, and walks the tokens in
// tiles of kTile: for each tile, block after block,
//   1. dt = softplus(delta + bias) and dt·u for the tile's tokens into small
//      buffers (so the state loop never waits on a softplus),
//   2. the recurrence, state indices in register blocks of 16: per token and
//      state one exp2 (dt·A·log2 e, in exp2_finite's form: the arguments are
//      bounded per token), one FMA for the state and one for C·s
//      (four accumulators, so the sum over states is no long chain),
//   3. y + D·u, times silu(z), written out.
// The exp rate is the limit, not memory: the tile's rows are read once per
// block, and the item's blocks share the rows' pages and neighbouring lines.
//
// Lanes whose tensors are not contiguous along the channels (channel-major
// views, a last partial block, groups narrower than W channels) go through
// small gather/scatter buffers: the same arithmetic, slower.
#pragma once

#include <cstdint>

#include "common/inline.h"
#include "common/vec_math.h"
#include "panamax/panamax.h"
#include "ssm/scan_isa.h"
#include "ssm/scan_problem.h"

namespace pmx::ssm {

template <class T>
struct ScanKernel {
    using V = typename T::V;
    static constexpr int W = T::W;
    static constexpr int kStateBlock = 16;  // state indices kept in registers
    static constexpr int64_t kTile = 64;    // tokens per tile
    static constexpr float kLog2e = 1.44269504088896341f;
    // The decay's exponent dt·A·log2 e is formed from dt and A·log2 e clamped
    // to these bounds (once per token and once per item, not per state), so it
    // is finite, as exp2_finite needs: 2^64·2^63 < FLT_MAX. Beyond them the
    // decay is 0 or inf anyway unless |A| < 2^-57.
    static constexpr float kDtBound = 0x1p64f, kA2Bound = 0x1p63f;

    // x clamped to [-b, b]; NaN stays NaN (min and max return their second
    // operand when one is NaN).
    static PMX_INLINE V bounded(V x, float b) { return T::max(T::set1(-b), T::min(T::set1(b), x)); }

    // W lanes at p (stride s), nl of them valid; the rest read as 0.
    static PMX_INLINE V load_lanes(const float *p, int64_t s, int nl) {
        if (s == 1 && nl == W) return T::loadu(p);
        alignas(64) float buf[W];
        for (int l = 0; l < W; ++l) buf[l] = l < nl ? p[l * s] : 0.f;
        return T::load(buf);
    }
    static PMX_INLINE void store_lanes(float *p, int64_t s, int nl, V v) {
        if (s == 1 && nl == W) {
            T::storeu(p, v);
            return;
        }
        alignas(64) float buf[W];
        T::store(buf, v);
        for (int l = 0; l < nl; ++l) p[l * s] = buf[l];
    }

    // One block of channels [d0, d0 + nl) of sequence b (batch index bb for
    // the strides, first packed row row0) over tokens [ta, tb), tb - ta <=
    // kTile. state ([Ns][W]) is carried in and out; a2 ([Ns][W]) is A·log2 e;
    // dt_sum (may be null) accumulates the lanes' dt.
    // next_d0, next_ta: the block and first token the item runs next (its
    // rows are prefetched during the recurrence, see Ahead: each is one line
    // of a row Dm floats long, which the hardware prefetchers do not follow);
    // next_ta < 0: none. stream_out: out is large (streams()).
    static void tile(const ScanProblem &p, int64_t bb, int64_t row0, int64_t d0, int nl, int64_t ta, int64_t tb,
                     float *state, const float *a2, bool write, float *dt_sum, int64_t next_d0, int64_t next_ta,
                     int64_t next_tb, bool stream_out) {
        alignas(64) float dtb[kTile * W], dub[kTile * W], yb[kTile * W];
        const int64_t n_tok = tb - ta;
        const int64_t cpg = p.channels_per_group();
        const int64_t g0 = d0 / cpg;
        const bool one_group = (d0 + nl - 1) / cpg == g0;

        // 1. dt and dt·u.
        const V bias = p.has_bias ? load_lanes(p.bias_data + d0 * p.bias_s, p.bias_s, nl) : T::zero();
        const float *u = p.u_data + p.u.at(bb, row0 + ta, d0);
        const float *dl = p.delta_data + p.delta.at(bb, row0 + ta, d0);
        V sum = dt_sum != nullptr ? T::load(dt_sum) : T::zero();
        Ahead ahead;
        if (next_ta >= 0) {
            ahead.u = p.u_data + p.u.at(bb, row0 + next_ta, next_d0);
            ahead.dl = p.delta_data + p.delta.at(bb, row0 + next_ta, next_d0);
            ahead.z = p.has_z && write ? p.z_data + p.z.at(bb, row0 + next_ta, next_d0) : nullptr;
            ahead.us = p.u.t;
            ahead.ds = p.delta.t;
            ahead.zs = p.z.t;
            ahead.n = next_tb - next_ta;
        }
        for (int64_t t = 0; t < n_tok; ++t) {
            V dt = T::add(load_lanes(dl + t * p.delta.t, p.delta.d, nl), bias);
            if (p.softplus) dt = simd::softplus<T>(dt);
            sum = T::add(sum, dt);
            T::store(dub + t * W, T::mul(dt, load_lanes(u + t * p.u.t, p.u.d, nl)));
            T::store(dtb + t * W, bounded(dt, kDtBound));
        }
        if (dt_sum != nullptr) T::store(dt_sum, sum);

        // 2. The recurrence, a register block of state indices at a time.
        const float *bm = p.b_data + p.bm.at(bb, row0 + ta, g0, 0);
        const float *cm = p.c_data + p.cm.at(bb, row0 + ta, g0, 0);
        for (int64_t n0 = 0; n0 < p.ns; n0 += kStateBlock) {
            const int nb = int(p.ns - n0 < kStateBlock ? p.ns - n0 : kStateBlock);
            if (one_group && nb == kStateBlock && p.bm.n == 1 && p.cm.n == 1)
                states<kStateBlock, true, true>(p, bb, row0 + ta, d0, nl, n_tok, n0, nb, state, a2, dtb, dub, yb, bm,
                                                cm, write, ahead);
            else if (one_group)
                states<0, true, false>(p, bb, row0 + ta, d0, nl, n_tok, n0, nb, state, a2, dtb, dub, yb, bm, cm, write,
                                       ahead);
            else
                states<0, false, false>(p, bb, row0 + ta, d0, nl, n_tok, n0, nb, state, a2, dtb, dub, yb, bm, cm,
                                        write, ahead);
        }
        if (!write) return;

        // 3. y + D·u, times silu(z).
        const V dv = p.has_d ? load_lanes(p.d_data + d0 * p.d_s, p.d_s, nl) : T::zero();
        const float *z = p.has_z ? p.z_data + p.z.at(bb, row0 + ta, d0) : nullptr;
        float *out = p.out_data + p.out.at(bb, row0 + ta, d0);
        // Whole aligned lines of a large output bypass the caches: no read for
        // ownership, and the rows are not read again.
        const bool stream = T::kHasStream && stream_out && p.out.d == 1 && nl == W &&
                            reinterpret_cast<uintptr_t>(out) % (W * sizeof(float)) == 0 &&
                            (p.out.t * int64_t(sizeof(float))) % int64_t(W * sizeof(float)) == 0;
        for (int64_t t = 0; t < n_tok; ++t) {
            V y = T::load(yb + t * W);
            if (p.has_d) y = T::fmadd(dv, load_lanes(u + t * p.u.t, p.u.d, nl), y);
            if (z != nullptr) y = T::mul(y, simd::silu<T>(load_lanes(z + t * p.z.t, p.z.d, nl)));
            if (stream) T::stream(out + t * p.out.t, y);
            else store_lanes(out + t * p.out.t, p.out.d, nl, y);
        }
    }

    // The rows of the block the item runs next, prefetched one token per
    // token of the recurrence: spread out, so the requests never pile up
    // (all of them at the start of the tile stalled the loads behind them:
    // 211-217 ms against 171-205 at L=64k Dm=1536 on two threads).
    struct Ahead {
        const float *u = nullptr, *dl = nullptr, *z = nullptr;
        int64_t us = 0, ds = 0, zs = 0, n = 0;
    };

    // State indices [n0, n0 + nb) over the tile. kNb > 0: exactly kNb of them
    // (the compiler keeps the states in registers), else any nb <= 16.
    // kOneGroup: all lanes read one group's B and C (broadcast), else they are
    // gathered per lane; kUnit: B and C contiguous along Ns. A·log2 e is read
    // from L1 (keeping it in registers too spills the states).
    template <int kNb, bool kOneGroup, bool kUnit>
    static PMX_INLINE void states(const ScanProblem &p, int64_t bb, int64_t row, int64_t d0, int nl, int64_t n_tok,
                                  int64_t n0, int nb, float *state, const float *a2, const float *dtb,
                                  const float *dub, float *yb, const float *bm, const float *cm, bool write,
                                  const Ahead &ahead) {
        constexpr int kMax = kNb > 0 ? kNb : kStateBlock;
        const int n = kNb > 0 ? kNb : nb;
        const int64_t bs = kUnit ? 1 : p.bm.n, cs = kUnit ? 1 : p.cm.n;
        const float *an = a2 + n0 * W;
        V s[kMax];
        for (int j = 0; j < n; ++j) s[j] = T::load(state + (n0 + j) * W);
        const bool first = n0 == 0;
        const int64_t n_ahead = first ? ahead.n : 0;
        for (int64_t t = 0; t < n_tok; ++t) {
            if (t < n_ahead) {
                __builtin_prefetch(ahead.u + t * ahead.us);
                __builtin_prefetch(ahead.dl + t * ahead.ds);
                if (ahead.z != nullptr) __builtin_prefetch(ahead.z + t * ahead.zs);
            }
            const V dt = T::load(dtb + t * W), du = T::load(dub + t * W);
            alignas(64) float bbuf[kStateBlock * W], cbuf[kStateBlock * W];
            if (!kOneGroup) gather_groups(p, bb, row + t, d0, nl, n0, n, bbuf, cbuf);
            const float *bt = bm + t * p.bm.t + n0 * bs;
            const float *ct = cm + t * p.cm.t + n0 * cs;
            V y[4] = {T::zero(), T::zero(), T::zero(), T::zero()};
            PMX_UNROLL for (int j = 0; j < kMax; ++j) {
                if (kNb == 0 && j >= n) break;
                const V e = T::exp2_finite(T::mul(dt, T::load(an + j * W)));
                const V bj = kOneGroup ? T::bcast(bt + j * bs) : T::load(bbuf + j * W);
                s[j] = T::fmadd(e, s[j], T::mul(du, bj));
                const V cj = kOneGroup ? T::bcast(ct + j * cs) : T::load(cbuf + j * W);
                y[j & 3] = T::fmadd(s[j], cj, y[j & 3]);
            }
            if (write) {
                V yt = T::add(T::add(y[0], y[1]), T::add(y[2], y[3]));
                if (!first) yt = T::add(T::load(yb + t * W), yt);
                T::store(yb + t * W, yt);
            }
        }
        for (int j = 0; j < n; ++j) T::store(state + (n0 + j) * W, s[j]);
    }

    // B and C of token row `row` for lanes in different groups, [nb][W].
    static void gather_groups(const ScanProblem &p, int64_t bb, int64_t row, int64_t d0, int nl, int64_t n0, int nb,
                              float *bbuf, float *cbuf) {
        const int64_t cpg = p.channels_per_group();
        for (int l = 0; l < W; ++l) {
            const int64_t g = l < nl ? (d0 + l) / cpg : 0;
            for (int j = 0; j < nb; ++j) {
                bbuf[j * W + l] = l < nl ? p.b_data[p.bm.at(bb, row, g, n0 + j)] : 0.f;
                cbuf[j * W + l] = l < nl ? p.c_data[p.cm.at(bb, row, g, n0 + j)] : 0.f;
            }
        }
    }

    // dst[n·W + l] = rows[l·rs + n·cs] for lanes l < nl and n < ns (0 in the
    // other lanes): W x W transposes where the rows are contiguous.
    static void lanes_from_rows(const float *rows, int64_t rs, int64_t cs, int nl, int64_t ns, float *dst) {
        int64_t n0 = 0;
        if (cs == 1 && nl == W)
            for (; n0 + W <= ns; n0 += W) T::transpose(rows + n0, rs, dst + n0 * W, W);
        for (int64_t n = n0; n < ns; ++n)
            for (int l = 0; l < W; ++l) dst[n * W + l] = l < nl ? rows[l * rs + n * cs] : 0.f;
    }

    // rows[l·rs + n·cs] = src[n·W + l] for lanes l < nl and n < ns.
    static void rows_from_lanes(const float *src, int nl, int64_t ns, float *rows, int64_t rs, int64_t cs) {
        int64_t n0 = 0;
        if (cs == 1 && nl == W)
            for (; n0 + W <= ns; n0 += W) T::transpose(src + n0 * W, W, rows + n0, rs);
        for (int64_t n = n0; n < ns; ++n)
            for (int l = 0; l < nl; ++l) rows[l * rs + n * cs] = src[n * W + l];
    }

    // Bytes of out above which its stores stream past the caches (with the
    // fence at the end of each item: the stores are weakly ordered).
    static constexpr double kStreamBytes = 64.0 * 1024 * 1024;
    static bool streams(const ScanProblem &p) {
        double tokens = 0;
        for (int64_t b = 0; b < p.batch; ++b) tokens += double(p.length(b));
        return tokens * double(p.dm) * sizeof(float) > kStreamBytes;
    }

    // Blocks of an item held at once: their states and A·log2 e live on the
    // stack ([blocks][Ns][W] each, at most kItemFloats floats).
    static constexpr int64_t kItemFloats = 8192;
    static constexpr int64_t kMaxBlocks = 16;
    static int64_t blocks_at_once(int64_t ns) {
        const int64_t k = kItemFloats / (ns * W);
        return k < 1 ? 1 : k > kMaxBlocks ? kMaxBlocks : k;
    }

    // One work item (scan_isa.h): its channels in groups of blocks that fit
    // the buffers, each group walked tile by tile.
    static void item(const ScanProblem &p, const ScanItem &it) {
        alignas(64) float state[kItemFloats];
        alignas(64) float a2[kItemFloats];
        alignas(64) float dt_sum[kMaxBlocks * W];
        const int64_t ns = p.ns, slot_stride = ns + 1;
        const int64_t bb = p.varlen ? 0 : it.b, row0 = p.first_row(it.b);
        const int64_t per = blocks_at_once(ns);
        const bool stream_out = streams(p);
        for (int64_t g0 = it.d0; g0 < it.d1; g0 += per * W) {
            const int64_t g1 = g0 + per * W < it.d1 ? g0 + per * W : it.d1;
            const int64_t nblk = (g1 - g0 + W - 1) / W;
            auto lanes = [&](int64_t k) { return int(g1 - (g0 + k * W) < W ? g1 - (g0 + k * W) : W); };
            for (int64_t k = 0; k < nblk; ++k) {
                const int64_t d0 = g0 + k * W;
                const int nl = lanes(k);
                float *st = state + k * ns * W;
                float *ak = a2 + k * ns * W;
                lanes_from_rows(p.a_data + d0 * p.a_sd, p.a_sd, p.a_sn, nl, ns, ak);
                for (int64_t i = 0; i < ns * W; i += W)
                    T::store(ak + i, bounded(T::mul(T::load(ak + i), T::set1(kLog2e)), kA2Bound));
                if (it.init == ScanItem::kFromSlot)
                    lanes_from_rows(it.init_slot + d0 * slot_stride, slot_stride, 1, nl, ns, st);
                else if (it.init == ScanItem::kFromStateIn && p.has_state_in)
                    lanes_from_rows(p.state_in_data + p.state_in.at(it.b, d0, 0), p.state_in.d, p.state_in.n, nl, ns, st);
                else
                    for (int64_t i = 0; i < ns * W; i += W) T::store(st + i, T::zero());
                for (int l = 0; l < W; ++l) dt_sum[k * W + l] = 0.f;
            }
            for (int64_t ta = it.t0; ta < it.t1; ta += kTile) {
                const int64_t tb = ta + kTile < it.t1 ? ta + kTile : it.t1;
                for (int64_t k = 0; k < nblk; ++k) {
                    // The next tile of blocks: this tile's next block, or the next tile's first.
                    int64_t next_d0 = g0 + (k + 1) * W, next_ta = ta, next_tb = tb;
                    if (k + 1 == nblk) {
                        next_d0 = g0;
                        next_ta = tb < it.t1 ? tb : -1;
                        next_tb = tb + kTile < it.t1 ? tb + kTile : it.t1;
                    }
                    tile(p, bb, row0, g0 + k * W, lanes(k), ta, tb, state + k * ns * W, a2 + k * ns * W, it.write,
                         it.final_slot != nullptr ? dt_sum + k * W : nullptr, next_d0, next_ta, next_tb, stream_out);
                }
            }
            for (int64_t k = 0; k < nblk; ++k) {
                const int64_t d0 = g0 + k * W;
                const float *st = state + k * ns * W;
                if (it.final_slot != nullptr) {
                    rows_from_lanes(st, lanes(k), ns, it.final_slot + d0 * slot_stride, slot_stride, 1);
                    for (int l = 0; l < lanes(k); ++l) it.final_slot[(d0 + l) * slot_stride + ns] = dt_sum[k * W + l];
                }
                if (it.to_state_out && p.has_state_out)
                    rows_from_lanes(st, lanes(k), ns, p.state_out_data + p.state_out.at(it.b, d0, 0), p.state_out.d,
                                    p.state_out.n);
            }
        }
        if (stream_out) T::fence();
    }
};

}  // namespace pmx::ssm
