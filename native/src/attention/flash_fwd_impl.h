// The fused attention forward (FlashAttention-2 style online softmax) for one
// work item, written once against a SIMD-traits type (common/simd_*.h plus
// the micro-tile shape NR x MR) and instantiated once per ISA
// (flash_fwd_avx512.cpp, flash_fwd_avx2.cpp, flash_fwd_portable.cpp).
//
// Layout: queries run along the SIMD lanes everywhere. A work item owns
// kBlockQ query rows; the tile loop walks keys in tiles of kBlockK:
//
//   Sᵀ[j][i] = Σ_d K[j][d] · Qᵀ[d][i]        (Qᵀ packed once per item, pre-scaled
//                                             by scale·log2 e, so exp2 is used)
//   m'[i] = max(m[i], max_j Sᵀ[j][i]);  α[i] = 2^(m[i] - m'[i])
//   Pᵀ[j][i] = 2^(Sᵀ[j][i] - m'[i]);    l[i] = α[i]·l[i] + Σ_j Pᵀ[j][i]
//   Oᵀ[d][i] = α[i]·Oᵀ[d][i] + Σ_j V[j][d] · Pᵀ[j][i]
//
// so both products are register-blocked GEMMs whose broadcast operand is a
// K or V row read in place (any row stride, no transposition), the row max,
// row sum and the rescale by α are plain vertical vector ops (no horizontal
// reductions), and the N×N matrix never exists. Each output row is produced
// by one thread in a fixed order: results do not depend on the thread count.
//
// Which keys a block visits: all (dense), those left of the bottom-right
// diagonal (causal: the diagonal tile skips masked lanes, flash_fwd_causal.h),
// or, with a window, global tokens or a block layout, the tiles that
// visibility.h finds some row needs: a tile every row sees whole runs the
// dense products, a partly visible one the lane-masked ones
// (flash_fwd_bits.h), and global keys outside a block's window are gathered
// into tiles of their own. Skipped tiles cost nothing: they are neither
// packed nor computed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "attention/attention_problem.h"
#include "attention/flash_fwd_bits.h"
#include "attention/flash_fwd_causal.h"
#include "attention/flash_fwd_gemm.h"
#include "attention/flash_fwd_layout.h"
#include "attention/flash_fwd_left_edge.h"
#include "attention/flash_fwd_softmax.h"
#include "attention/visibility.h"
#include "common/inline.h"

namespace pmx::attention::flash {

template <class T>
struct FlashFwd {
    using G = TileGemm<T>;
    using C = CausalTiles<T>;
    using B = BitsTiles<T>;
    using L = LeftEdgeTiles<T>;
    using S = SoftmaxTile<T>;
    using Prefetcher = typename G::Prefetcher;
    static constexpr int MR = G::MR;
    static constexpr int W = G::W;

    // ---- one work item -------------------------------------------------------
    // Per query block of the item's group.
    struct Block {
        float *qt, *ot, *m, *l, *alpha;
        int64_t q0;        // first row (sequence-relative)
        int64_t nvalid;    // rows of this block inside the sequence
        int64_t lo, hi;    // keys [lo, hi) its tiles may cover
        BlockRules rules;  // sparse problems only
        bool started;      // Oᵀ holds a sum (the first visit starts from 0)
        uint64_t seen;     // lanes that have seen a key
    };

    // One block's visit of keys [ja, jb) packed at kp/vp (row stride ld).
    struct Visit {
        int64_t ja = 0, jb = 0;
        bool full = false;        // every row sees every key
        bool causal = false;      // row i sees exactly the keys j <= q0 + i + off + shift (a band's right edge)
        int64_t shift = 0;
        bool left = false;        // lane i sees row jj iff i <= jj - left_e (a band's left edge)
        int64_t left_e = 0;
        bool shaped = false;      // (not full) the layout lets every row see the keys: band rules only
        int64_t fa = 0, fb = 0;   // then the keys every row sees, when fa < fb
    };

    // A partly visible visit of a window band runs as up to three: the left
    // edge (flash_fwd_left_edge.h), the middle every row sees (plain tiles)
    // and the diagonal or right edge (the causal tiles, shifted), so that no
    // part of a band needs per-row bit tests. A part whose shape does not
    // hold (narrow windows, global keys, partial layouts) takes the lane-masked
    // tiles. The split depends only on the block's rules and the tile grid:
    // sums stay thread-count independent.
    static constexpr int64_t kMinFullSplit = 16;
    template <class Rules>
    static void visit_split(const FwdProblem &p, Block &bk, const Rules *rules, const Visit &vi, const float *kp,
                            const float *vp, int64_t ld, float *st, uint64_t *mask, const ScoreMods &mods,
                            int64_t off, Prefetcher &pf) {
        if (vi.full || !vi.shaped || rules == nullptr) {
            visit(p, bk, rules, vi, kp, vp, ld, st, mask, mods, nullptr, bk.q0, off, pf);
            return;
        }
        const int64_t a = std::clamp(vi.fa, vi.ja, vi.jb);
        int64_t b = std::clamp(vi.fb, a, vi.jb);
        if (b - a < kMinFullSplit) b = a;
        Visit parts[3];
        parts[0].ja = vi.ja;
        parts[0].jb = a;
        parts[0].left = rules->left_edge(vi.ja, a, parts[0].left_e);
        parts[1].ja = a;
        parts[1].jb = b;
        parts[1].full = true;
        parts[2].ja = b;
        parts[2].jb = vi.jb;
        parts[2].causal = rules->right_edge(b, vi.jb, parts[2].shift);
        if (a == b && !parts[0].left && !parts[2].causal) {
            visit(p, bk, rules, vi, kp, vp, ld, st, mask, mods, nullptr, bk.q0, off, pf);
            return;
        }
        for (const Visit &part : parts) {
            if (part.ja >= part.jb) continue;
            visit(p, bk, rules, part, kp + (part.ja - vi.ja) * ld, vp + (part.ja - vi.ja) * ld, ld, st, mask, mods,
                  nullptr, bk.q0, off, pf);
        }
    }

    // rules: BlockRules or GatheredRules (sparse problems), null otherwise;
    // q_origin: the query position lane 0 stands for in the ALiBi distances.
    template <class Rules>
    static void visit(const FwdProblem &p, Block &bk, const Rules *rules, const Visit &vi, const float *kp,
                      const float *vp, int64_t ld, float *st, uint64_t *mask, const ScoreMods &mods_in,
                      const int32_t *gathered, int64_t q_origin, int64_t off, Prefetcher &pf) {
        const int64_t d = p.head_dim;
        const int64_t jn = vi.jb - vi.ja;
        // Contiguous rows: row i sees key ja + jj causally (or within the right edge) iff jj <= i + ds.
        const int64_t ds = bk.q0 + off - vi.ja + vi.shift;
        TileMask tm;
        if (vi.full) {
            tm.kind = TileMask::kNone;
            bk.seen = kAllLanes;
        } else if (!p.sparse() || vi.causal) {
            tm.kind = TileMask::kCausal;
            tm.causal_base = -ds;
            bk.seen |= lane_range(-ds, 63);
        } else if (vi.left) {
            tm.kind = TileMask::kBits;
            tm.bits = mask;
            for (int64_t jj = 0; jj < jn; ++jj) {
                mask[jj] = lane_range(0, jj - vi.left_e);
                bk.seen |= mask[jj] & rules->valid;
            }
        } else {
            tm.kind = TileMask::kBits;
            tm.bits = mask;
            int64_t kb_cached = -1;
            uint64_t lay = 0;
            for (int64_t jj = 0; jj < jn; ++jj) {
                const int64_t j = gathered != nullptr ? gathered[jj] : vi.ja + jj;
                const int64_t kb = j / rules->block_k();
                if (kb != kb_cached) {
                    lay = rules->layout_lanes(kb);
                    kb_cached = kb;
                }
                mask[jj] = rules->lanes(j, lay);
                bk.seen |= mask[jj] & rules->valid;
            }
        }
        if (tm.kind == TileMask::kNone) G::qk_tile(kp, ld, bk.qt, d, jn, st, pf);
        else if (tm.kind == TileMask::kCausal) C::qk_tile_masked(kp, ld, bk.qt, d, jn, st, pf, ds);
        else if (vi.left) L::qk_tile(kp, ld, bk.qt, d, jn, st, pf, vi.left_e);
        else B::qk_tile(kp, ld, bk.qt, d, jn, st, mask, pf);
        if (mods_in.any()) {
            ScoreMods md = mods_in;
            md.center = vi.ja - q_origin - off;
            md.keys = gathered;
            md.key_to_center = q_origin + off;
            S::apply_mods(st, jn, md);
        }
        S::softmax_tile(st, jn, bk.m, bk.l, bk.alpha, tm);
        const bool first = !bk.started;
        if (tm.kind == TileMask::kNone) G::pv_tile(vp, ld, st, jn, d, bk.alpha, first, bk.ot, pf);
        else if (tm.kind == TileMask::kCausal) C::pv_tile_masked(vp, ld, st, jn, d, bk.alpha, first, bk.ot, pf, ds);
        else if (vi.left) L::pv_tile(vp, ld, st, jn, d, bk.alpha, first, bk.ot, pf, vi.left_e);
        else B::pv_tile(vp, ld, st, jn, d, mask, bk.alpha, first, bk.ot, pf);
        bk.started = true;
    }

    // RoPE on one row of D features (stride sd) at table row r, times mul,
    // into dst (stride ds): pairs (i, i + rd/2) or (2i, 2i + 1), the features
    // past rd copied.
    static PMX_INLINE void rope_row(const FwdProblem &p, const float *src, int64_t sd, int64_t r, float mul, float *dst,
                                    int64_t ds) {
        const int64_t rd = p.rope.rotary_dim, half = rd / 2, d = p.head_dim;
        const float *cs = p.rope_cos + r * half;
        const float *sn = p.rope_sin + r * half;
        if (sd == 1 && ds == 1 && !p.rope.interleaved) {
            // The common case (a K row into its packed tile): unit strides, which the
            // compiler vectorises with this translation unit's ISA.
            for (int64_t i = 0; i < half; ++i) {
                const float a = src[i], b = src[i + half];
                dst[i] = (a * cs[i] - b * sn[i]) * mul;
                dst[i + half] = (b * cs[i] + a * sn[i]) * mul;
            }
            for (int64_t dd = rd; dd < d; ++dd) dst[dd] = src[dd] * mul;
            return;
        }
        const int64_t a_step = p.rope.interleaved ? 2 : 1, b_off = p.rope.interleaved ? 1 : half;
        for (int64_t i = 0; i < half; ++i) {
            const int64_t ia = i * a_step, ib = ia + b_off;
            const float a = src[ia * sd], b = src[ib * sd];
            dst[ia * ds] = (a * cs[i] - b * sn[i]) * mul;
            dst[ib * ds] = (b * cs[i] + a * sn[i]) * mul;
        }
        for (int64_t dd = rd; dd < d; ++dd) dst[dd * ds] = src[dd * sd] * mul;
    }

    // Packs n K (or V) rows starting at key j0 (or the keys listed in
    // `gathered`) at row stride ld; K is rotated when RoPE is on.
    static void pack_keys(const FwdProblem &p, const float *src, int64_t sn, int64_t sd, bool rotate, int64_t j0,
                          int64_t n, const int32_t *gathered, float *dst, int64_t ld) {
        if (!rotate && gathered == nullptr) {
            G::pack_rows(src + j0 * sn, sn, sd, n, p.head_dim, dst, ld);
            return;
        }
        for (int64_t r = 0; r < n; ++r) {
            const int64_t j = gathered != nullptr ? gathered[r] : j0 + r;
            if (rotate) rope_row(p, src + j * sn, sd, j - p.rope_first, 1.f, dst + r * ld, 1);
            else G::pack_rows(src + j * sn, sn, sd, 1, p.head_dim, dst + r * ld, ld);
        }
    }

    static ScoreMods score_mods(const FwdProblem &p, int64_t b, int64_t h) {
        constexpr double kLog2e = 1.4426950408889634;
        ScoreMods md;
        if (p.softcap > 0.f) {
            md.softcap = true;
            md.cap_in = float(1.0 / (double(p.softcap) * kLog2e));
            md.cap_out = float(double(p.softcap) * kLog2e);
        }
        if (p.alibi != nullptr) {
            md.alibi = true;
            md.slope = float(double(p.alibi[p.outer(b) * p.alibi_sb + h * p.alibi_sh]) * kLog2e);
        }
        return md;
    }

    static void run_block(const FwdProblem &p, const BlockTask &t, float *ws) {
        if (t.q0 < 0) {
            run_global_rows(p, t.b, t.h, ws);
            return;
        }
        const ThreadSlices sl(p.head_dim);
        float *st = ws + sl.st;
        float *kp = ws + sl.kp;
        float *vp = ws + sl.vp;
        uint64_t *mask = reinterpret_cast<uint64_t *>(ws + sl.mask);
        int32_t *gathered = reinterpret_cast<int32_t *>(ws + sl.gathered);

        const int64_t d = p.head_dim;
        const int64_t nq = p.q_len(t.b), nk = p.k_len(t.b);
        const int64_t hk = t.h / (p.heads / p.kv_heads);
        const int64_t off = nk - nq;  // bottom-right alignment
        const bool sparse = p.sparse();
        const SeqRules rules(p, t.b, t.h);
        const ScoreMods mods = score_mods(p, t.b, t.h);

        const float *q = p.q + p.q_base(t.b) + t.h * p.q_sh;
        const float *k = p.k + p.k_base(t.b) + hk * p.k_sh;
        const float *v = p.v + p.v_base(t.b) + hk * p.v_sh;
        float *o = p.out + p.o_base(t.b) + t.h * p.o_sh;
        float *lse = p.lse ? p.lse + p.lse_base(t.b) + t.h * p.l_sh : nullptr;
        const float qscale = float(double(p.scale) * 1.4426950408889634);

        Block blk[kMaxGroup];
        int nblk = 0;
        int64_t lo_all = nk, hi_all = 0;
        for (int64_t g = 0; g < t.blocks && g < sl.groups; ++g) {
            Block &bk = blk[nblk];
            bk.q0 = t.q0 + g * kBlockQ;
            if (bk.q0 >= nq) break;
            bk.nvalid = nq - bk.q0 < kBlockQ ? nq - bk.q0 : kBlockQ;
            bk.qt = ws + sl.qt + size_t(g) * sl.panel;
            bk.ot = ws + sl.ot + size_t(g) * sl.panel;
            bk.m = ws + sl.stats + size_t(g) * 3 * kBlockQ;
            bk.l = bk.m + kBlockQ;
            bk.alpha = bk.l + kBlockQ;
            bk.started = false;
            bk.seen = 0;
            if (sparse) {
                bk.rules = BlockRules(rules, bk.q0, bk.nvalid);
                bk.lo = bk.rules.lo;
                bk.hi = bk.rules.hi;
            } else {
                bk.lo = 0;
                bk.hi = nk;
                if (p.causal) {
                    const int64_t last_visible = bk.q0 + bk.nvalid - 1 + off;  // inclusive
                    if (last_visible + 1 < bk.hi) bk.hi = last_visible + 1 < 0 ? 0 : last_visible + 1;
                }
            }
            if (bk.lo < bk.hi) {
                if (bk.lo < lo_all) lo_all = bk.lo;
                if (bk.hi > hi_all) hi_all = bk.hi;
            }
            // Qᵀ (rotated by RoPE at position i + off), pre-scaled so that scores
            // come out in log2 units; unused lanes 0.
            if (p.rope.enabled) {
                for (int64_t i = 0; i < bk.nvalid; ++i)
                    rope_row(p, q + (bk.q0 + i) * p.q_sn, p.q_sd, bk.q0 + i + off - p.rope_first, qscale, bk.qt + i,
                             kBlockQ);
                for (int64_t dd = 0; dd < d; ++dd)
                    for (int64_t i = bk.nvalid; i < kBlockQ; ++i) bk.qt[dd * kBlockQ + i] = 0.f;
            } else {
                pack_qt(p, q + bk.q0 * p.q_sn, bk.nvalid, qscale, bk.qt);
            }
            for (int64_t i = 0; i < kBlockQ; ++i) {
                bk.m[i] = -std::numeric_limits<float>::infinity();
                bk.l[i] = 0.f;
            }
            ++nblk;
        }

        // Tiles lie on a fixed grid of kBlockK keys, so that a block's visits
        // (and so its sums) do not depend on the group it was scheduled in.
        // The rows of the next tile some block visits (with a sparse layout,
        // rarely the adjacent one) are prefetched while this one computes.
        const int64_t ld = packed_ld(d);
        Visit vis_a[kMaxGroup], vis_b[kMaxGroup];
        Visit *cur = vis_a, *nxt = vis_b;
        int64_t pa = 0, pb = 0;
        int64_t j0 = plan_next_tile(p, blk, nblk, lo_all / kBlockK * kBlockK, hi_all, off, cur, pa, pb);
        while (j0 < hi_all) {
            int64_t na = 0, nb = 0;
            const int64_t n0 = plan_next_tile(p, blk, nblk, j0 + kBlockK, hi_all, off, nxt, na, nb);
            pack_keys(p, k, p.k_sn, p.k_sd, p.rope.enabled, pa, pb - pa, nullptr, kp, ld);
            pack_keys(p, v, p.v_sn, p.v_sd, false, pa, pb - pa, nullptr, vp, ld);
            Prefetcher pf;
            if (n0 < hi_all) {
                pf.k = reinterpret_cast<const char *>(k + na * p.k_sn);
                pf.v = reinterpret_cast<const char *>(v + na * p.v_sn);
                pf.k_rs = p.k_sn * int64_t(sizeof(float));
                pf.v_rs = p.v_sn * int64_t(sizeof(float));
                pf.k_bytes = ((d - 1) * p.k_sd + 1) * int64_t(sizeof(float));
                pf.v_bytes = ((d - 1) * p.v_sd + 1) * int64_t(sizeof(float));
                pf.rows_left = nb - na;
                // Spread over the micro-tiles of the visits ((jn + d) / MR steps each).
                int64_t steps = 1;
                for (int g = 0; g < nblk; ++g)
                    if (cur[g].ja < cur[g].jb) steps += (cur[g].jb - cur[g].ja + d) / MR;
                pf.per_step = (pf.rows_left + steps - 1) / steps;
            }
            for (int g = 0; g < nblk; ++g) {
                const Visit &vi = cur[g];
                if (vi.ja >= vi.jb) continue;
                visit_split(p, blk[g], sparse ? &blk[g].rules : nullptr, vi, kp + (vi.ja - pa) * ld,
                            vp + (vi.ja - pa) * ld, ld, st, mask, mods, off, pf);
            }
            pf.flush();
            std::swap(cur, nxt);
            j0 = n0;
            pa = na;
            pb = nb;
        }
        if (sparse && rules.n_global > 0)
            for (int g = 0; g < nblk; ++g) visit_global_keys(p, blk[g], rules, k, v, kp, vp, ld, st, mask, gathered,
                                                             mods, off);

        // Normalise and write out. A row that does see keys follows IEEE: l is
        // NaN when a NaN or an inf - inf reached it, and 0 when all its scores
        // are -inf (0/0): both give NaN, as the float64 reference does.
        for (int g = 0; g < nblk; ++g) {
            const Block &bk = blk[g];
            // Global rows are left to run_global_rows.
            write_block(p, bk, sparse ? bk.rules.gq : 0, o + bk.q0 * p.o_sn, lse ? lse + bk.q0 * p.l_sn : nullptr);
        }
    }

    // The first grid tile at or after j0 (below hi_all) that some block of
    // the group visits: its visits and the rows [pa, pb) to pack. Returns
    // hi_all when there is none.
    static int64_t plan_next_tile(const FwdProblem &p, const Block *blk, int nblk, int64_t j0, int64_t hi_all,
                                  int64_t off, Visit *visits, int64_t &pa, int64_t &pb) {
        for (; j0 < hi_all; j0 += kBlockK) {
            const int64_t j1 = j0 + kBlockK < hi_all ? j0 + kBlockK : hi_all;
            pa = j1;
            pb = j0;
            for (int g = 0; g < nblk; ++g) {
                const Block &bk = blk[g];
                Visit &vi = visits[g];
                vi = Visit();
                vi.ja = j0 > bk.lo ? j0 : bk.lo;
                vi.jb = j1 < bk.hi ? j1 : bk.hi;
                if (vi.ja >= vi.jb) continue;
                if (p.sparse()) {
                    bool full_layout = true;
                    if (!bk.rules.narrow_to_layout(vi.ja, vi.jb, full_layout)) {
                        vi.jb = vi.ja;
                        continue;
                    }
                    vi.full = full_layout && bk.rules.band_full(vi.ja, vi.jb);
                    vi.shaped = full_layout && !vi.full;
                    if (vi.shaped) bk.rules.band_full_range(vi.ja, vi.jb, vi.fa, vi.fb);
                } else {
                    vi.full = !(p.causal && vi.jb - 1 > bk.q0 + off);
                }
                if (vi.ja < pa) pa = vi.ja;
                if (vi.jb > pb) pb = vi.jb;
            }
            if (pa < pb) return j0;
        }
        return hi_all;
    }

    // Qᵀ[d][kBlockQ] = scale · (n rows of q at stride q_sn)ᵀ, lanes past n 0:
    // W x W transposes where the features are contiguous.
    static void pack_qt(const FwdProblem &p, const float *q, int64_t n, float scale, float *qt) {
        const int64_t d = p.head_dim;
        int64_t i0 = 0, d0 = 0;
        if (p.q_sd == 1) {
            d0 = d / W * W;
            for (; i0 + W <= n; i0 += W)
                for (int64_t dd = 0; dd < d0; dd += W) T::transpose(q + i0 * p.q_sn + dd, p.q_sn, qt + dd * kBlockQ + i0, kBlockQ);
        }
        // The rest: rows past the last whole W and features past the last whole W.
        for (int64_t i = 0; i < n; ++i) {
            const float *qr = q + i * p.q_sn;
            for (int64_t dd = i < i0 ? d0 : 0; dd < d; ++dd) qt[dd * kBlockQ + i] = qr[dd * p.q_sd];
        }
        const typename T::V sv = T::set1(scale);
        for (int64_t dd = 0; dd < d; ++dd) {
            float *row = qt + dd * kBlockQ;
            for (int64_t i = 0; i < kBlockQ; i += W) T::store(row + i, i < n ? T::mul(T::load(row + i), sv) : T::zero());
        }
        if (n % W != 0)
            for (int64_t dd = 0; dd < d; ++dd)
                for (int64_t i = n; i < (n + W - 1) / W * W; ++i) qt[dd * kBlockQ + i] = 0.f;
    }

    // Writes the block's rows (but those in `skip`) to out (and lse): W rows at
    // a time through a scaled W x W transpose where every row is seen and
    // written and the features are contiguous, row by row otherwise.
    static void write_block(const FwdProblem &p, const Block &bk, uint64_t skip, float *o, float *lse) {
        const int64_t d = p.head_dim;
        alignas(64) float tile[W * W];
        for (int64_t i0 = 0; i0 < bk.nvalid; i0 += W) {
            const int64_t n = bk.nvalid - i0 < W ? bk.nvalid - i0 : W;
            const uint64_t lanes = lane_range(i0, i0 + n - 1);
            const bool whole = n == W && p.o_sd == 1 && (skip & lanes) == 0 && (bk.seen & lanes) == lanes;
            if (!whole) {
                for (int64_t i = i0; i < i0 + n; ++i)
                    if (!((skip >> i) & 1u)) write_row(p, bk, i, o + i * p.o_sn, lse ? lse + i * p.l_sn : nullptr);
                continue;
            }
            const typename T::V inv = T::div(T::set1(1.f), T::load(bk.l + i0));
            int64_t dd = 0;
            for (; dd + W <= d; dd += W) {
                for (int r = 0; r < W; ++r) T::store(tile + r * W, T::mul(T::load(bk.ot + (dd + r) * kBlockQ + i0), inv));
                T::transpose(tile, W, o + i0 * p.o_sn + dd, p.o_sn);
            }
            for (int64_t i = i0; i < i0 + W; ++i) {
                const float invi = 1.f / bk.l[i];
                for (int64_t e = dd; e < d; ++e) o[i * p.o_sn + e] = bk.ot[e * kBlockQ + i] * invi;
                if (lse) write_lse(bk, i, lse + i * p.l_sn);
            }
        }
    }

    static void write_lse(const Block &bk, int64_t i, float *lrow) {
        constexpr double kLn2 = 0.693147180559945309;
        const float li = bk.l[i];
        *lrow = li > 0.f ? float(double(bk.m[i]) * kLn2 + std::log(double(li))) : std::numeric_limits<float>::quiet_NaN();
    }

    // Normalises lane i of a block into its output row (and lse); a row that
    // saw no key gets 0 and lse -inf.
    static void write_row(const FwdProblem &p, const Block &bk, int64_t i, float *orow, float *lrow) {
        const int64_t d = p.head_dim;
        if ((bk.seen >> i) & 1u) {
            const float li = bk.l[i];
            const float inv = 1.f / li;  // l >= 1 after a seen key (or NaN, or 0 when every score is -inf)
            for (int64_t dd = 0; dd < d; ++dd) orow[dd * p.o_sd] = bk.ot[dd * kBlockQ + i] * inv;
            if (lrow) write_lse(bk, i, lrow);
        } else {
            for (int64_t dd = 0; dd < d; ++dd) orow[dd * p.o_sd] = 0.f;
            if (lrow) *lrow = -std::numeric_limits<float>::infinity();
        }
    }

    // The global query rows of sequence b, head h (self-attention: every key
    // causality and the layout allow), gathered 64 at a time into one block.
    static void run_global_rows(const FwdProblem &p, int64_t b, int64_t h, float *ws) {
        const ThreadSlices sl(p.head_dim);
        float *st = ws + sl.st;
        float *kp = ws + sl.kp;
        float *vp = ws + sl.vp;
        uint64_t *mask = reinterpret_cast<uint64_t *>(ws + sl.mask);
        const int64_t d = p.head_dim, ld = packed_ld(d);
        const SeqRules rules(p, b, h);
        const int64_t off = rules.off;
        const int64_t hk = h / (p.heads / p.kv_heads);
        const float *q = p.q + p.q_base(b) + h * p.q_sh;
        const float *k = p.k + p.k_base(b) + hk * p.k_sh;
        const float *v = p.v + p.v_base(b) + hk * p.v_sh;
        float *o = p.out + p.o_base(b) + h * p.o_sh;
        float *lse = p.lse ? p.lse + p.lse_base(b) + h * p.l_sh : nullptr;
        const float qscale = float(double(p.scale) * 1.4426950408889634);
        ScoreMods mods = score_mods(p, b, h);
        alignas(64) float lane_pos[kBlockQ];
        mods.lane_pos = lane_pos;

        for (int64_t g0 = 0; g0 < rules.n_global; g0 += kBlockQ) {
            const int64_t n = rules.n_global - g0 < kBlockQ ? rules.n_global - g0 : kBlockQ;
            const int32_t *rows = rules.global + g0;
            const GatheredRules gr(rules, rows, n);
            Block bk;
            bk.qt = ws + sl.qt;
            bk.ot = ws + sl.ot;
            bk.m = ws + sl.stats;
            bk.l = bk.m + kBlockQ;
            bk.alpha = bk.l + kBlockQ;
            bk.q0 = 0;
            bk.nvalid = n;
            bk.started = false;
            bk.seen = 0;
            for (int64_t l = 0; l < kBlockQ; ++l) {
                lane_pos[l] = l < n ? float(rows[l]) : 0.f;
                bk.m[l] = -std::numeric_limits<float>::infinity();
                bk.l[l] = 0.f;
                for (int64_t dd = 0; dd < d && l >= n; ++dd) bk.qt[dd * kBlockQ + l] = 0.f;
                if (l >= n) continue;
                const float *qr = q + rows[l] * p.q_sn;
                if (p.rope.enabled) rope_row(p, qr, p.q_sd, rows[l] + off - p.rope_first, qscale, bk.qt + l, kBlockQ);
                else
                    for (int64_t dd = 0; dd < d; ++dd) bk.qt[dd * kBlockQ + l] = qr[dd * p.q_sd] * qscale;
            }
            for (int64_t j0 = 0; j0 < gr.causal_end; j0 += kBlockK) {
                Visit vi;
                vi.ja = j0;
                vi.jb = j0 + kBlockK < gr.causal_end ? j0 + kBlockK : gr.causal_end;
                if (rules.lay != nullptr) {
                    // Skip key blocks no gathered row visits.
                    int64_t first = -1, last = -1;
                    for (int64_t kb = vi.ja / rules.bk; kb * rules.bk < vi.jb; ++kb)
                        if ((gr.layout_lanes(kb) & gr.valid) != 0) {
                            if (first < 0) first = kb;
                            last = kb;
                        }
                    if (first < 0) continue;
                    vi.ja = std::max(vi.ja, first * rules.bk);
                    vi.jb = std::min(vi.jb, (last + 1) * rules.bk);
                }
                pack_keys(p, k, p.k_sn, p.k_sd, p.rope.enabled, vi.ja, vi.jb - vi.ja, nullptr, kp, ld);
                pack_keys(p, v, p.v_sn, p.v_sd, false, vi.ja, vi.jb - vi.ja, nullptr, vp, ld);
                Prefetcher pf;
                visit(p, bk, &gr, vi, kp, vp, ld, st, mask, mods, nullptr, 0, off, pf);
            }
            for (int64_t l = 0; l < n; ++l)
                write_row(p, bk, l, o + rows[l] * p.o_sn, lse ? lse + rows[l] * p.l_sn : nullptr);
        }
    }

    // Global keys outside the block's tiles ([lo, hi)): gathered into tiles
    // of their own, so that a block far from them pays only for them.
    static void visit_global_keys(const FwdProblem &p, Block &bk, const SeqRules &rules, const float *k,
                                  const float *v, float *kp, float *vp, int64_t ld, float *st, uint64_t *mask,
                                  int32_t *gathered, const ScoreMods &mods, int64_t off) {
        int64_t g = 0;
        while (g < rules.n_global) {
            int64_t n = 0;
            for (; g < rules.n_global && n < kBlockK; ++g) {
                const int64_t j = rules.global[g];
                if (j >= bk.rules.causal_end) {
                    g = rules.n_global;
                    break;
                }
                if (j >= bk.lo && j < bk.hi) continue;
                gathered[n++] = int32_t(j);
            }
            if (n == 0) continue;
            pack_keys(p, k, p.k_sn, p.k_sd, p.rope.enabled, 0, n, gathered, kp, ld);
            pack_keys(p, v, p.v_sn, p.v_sd, false, 0, n, gathered, vp, ld);
            Visit vi;
            vi.ja = 0;
            vi.jb = n;
            Prefetcher pf;
            visit(p, bk, &bk.rules, vi, kp, vp, ld, st, mask, mods, gathered, bk.q0, off, pf);
        }
    }
};

}  // namespace pmx::attention::flash
