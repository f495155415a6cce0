// Which keys a query block of the fused kernel sees, for the sparse rules
// (window, global tokens, block layout) on top of causal: scalar planning
// shared by every ISA path. A query block holds kBlockQ = 64 rows, so the
// rows that see a key fit one uint64_t lane mask (bit i = row q0 + i).
//
// Query i (sequence-relative, off = nk - nq) sees key j iff
//   causal_ok && (in_window || global(i) || global(j)) && layout(i, j)
// with causal_ok = !causal || j <= i + off, in_window = the window bounds
// (true without a window), layout = the block layout's entry (true without).
//
// Global query rows see (nearly) every key, so they do not ride in their
// 64-row block, which would drag 63 window rows along: the block computes
// them as window rows but does not write them (BlockRules::gq), and they are
// computed gathered, up to 64 global rows at a time (GatheredRules).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "attention/attention_problem.h"
#include "attention/flash_fwd_layout.h"

namespace pmx::attention::flash {

static_assert(kBlockQ == 64, "lane masks are one uint64_t per key");

constexpr uint64_t kAllLanes = ~uint64_t(0);

// Lanes a..b (inclusive), clipped to 0..63; empty when a > b.
inline uint64_t lane_range(int64_t a, int64_t b) {
    if (a < 0) a = 0;
    if (b > 63) b = 63;
    if (a > b) return 0;
    const uint64_t upto_b = b == 63 ? kAllLanes : (uint64_t(1) << (b + 1)) - 1;
    return upto_b & (kAllLanes << a);
}

// The rules of one (sequence, query head): views into the problem.
struct SeqRules {
    int64_t nq = 0, nk = 0, off = 0;
    bool causal = false;
    bool window = false;
    int64_t wl = -1, wr = -1;
    const int32_t *global = nullptr;  // sorted positions < min(nq, nk) apply
    int64_t n_global = 0;
    const uint8_t *lay = nullptr;     // this (sequence, head)'s [nbq][nbk] view
    int64_t lay_sq = 0, lay_sk = 0, bq = 1, bk = 1;

    SeqRules(const FwdGeometry &p, int64_t b, int64_t h) {
        nq = p.q_len(b);
        nk = p.k_len(b);
        off = nk - nq;
        causal = p.causal;
        window = p.window;
        wl = p.window_left;
        wr = p.window_right;
        global = p.global;
        // Positions past this sequence do not apply to it.
        n_global = p.n_global;
        while (n_global > 0 && global[n_global - 1] >= nq) --n_global;
        if (p.layout != nullptr) {
            lay = p.layout + p.outer(b) * p.lay_sb + h * p.lay_sh;
            lay_sq = p.lay_sq;
            lay_sk = p.lay_sk;
            bq = p.block_q;
            bk = p.block_k;
        }
    }

    bool is_global(int64_t j) const { return n_global > 0 && std::binary_search(global, global + n_global, int32_t(j)); }
};

// One query block [q0, q0 + nvalid) under the rules.
struct BlockRules {
    const SeqRules *rp = nullptr;
    int64_t q0 = 0, nvalid = 0;
    uint64_t valid = 0;   // lanes of real rows; the others see everything (never written)
    uint64_t gq = 0;      // lanes of global query rows (computed by GatheredRules, not written here)
    int64_t lo = 0, hi = 0;  // keys [lo, hi) the window (or a global row) may reach, ∩ causal, ∩ [0, nk)
    int64_t causal_end = 0;  // keys below it may be visible to some row

    BlockRules() = default;
    BlockRules(const SeqRules &rules, int64_t q0_, int64_t nvalid_) : rp(&rules), q0(q0_), nvalid(nvalid_) {
        const SeqRules &r = *rp;
        valid = lane_range(0, nvalid - 1);
        for (int64_t g = 0; g < r.n_global; ++g)
            if (r.global[g] >= q0 && r.global[g] < q0 + nvalid) gq |= uint64_t(1) << (r.global[g] - q0);
        const int64_t last = q0 + nvalid - 1;
        causal_end = r.causal ? std::min(r.nk, std::max<int64_t>(0, last + r.off + 1)) : r.nk;
        lo = 0;
        hi = causal_end;
        if (r.window) {
            if (r.wl >= 0) lo = std::max<int64_t>(0, q0 + r.off - r.wl);
            if (r.wr >= 0) hi = std::min(hi, std::max<int64_t>(0, last + r.off + r.wr + 1));
        }
        if (lo > hi) lo = hi;
    }

    int64_t block_k() const { return rp->bk; }

    // Lanes (of the valid rows) the layout allows for key block kb.
    uint64_t layout_lanes(int64_t kb) const {
        const SeqRules &r = *rp;
        if (r.lay == nullptr) return kAllLanes;
        uint64_t bits = 0;
        for (int64_t ub = q0 / r.bq; ub * r.bq < q0 + nvalid; ++ub)
            if (r.lay[ub * r.lay_sq + kb * r.lay_sk] != 0) bits |= lane_range(ub * r.bq - q0, (ub + 1) * r.bq - 1 - q0);
        return bits;
    }

    // Rows that see key j (invalid lanes set: they do not matter).
    uint64_t lanes(int64_t j, uint64_t layout_bits) const {
        const SeqRules &r = *rp;
        const int64_t t = j - r.off - q0;  // row i sees j causally iff i >= t
        uint64_t m = r.causal ? lane_range(t, 63) : kAllLanes;
        uint64_t band = kAllLanes;
        if (r.window) {
            const int64_t a = r.wr >= 0 ? t - r.wr : std::numeric_limits<int64_t>::min() / 2;
            const int64_t b = r.wl >= 0 ? t + r.wl : std::numeric_limits<int64_t>::max() / 2;
            band = lane_range(a, b);
        }
        if (r.n_global > 0 && r.is_global(j)) band = kAllLanes;
        return (m & band & layout_bits) | ~valid;
    }

    // Narrows [ja, jb) to the keys of layout blocks some row visits; false
    // when there are none. Sets `full_layout` when every row visits them all.
    bool narrow_to_layout(int64_t &ja, int64_t &jb, bool &full_layout) const {
        const SeqRules &r = *rp;
        full_layout = true;
        if (r.lay == nullptr) return ja < jb;
        int64_t first = -1, last = -1;
        for (int64_t kb = ja / r.bk; kb * r.bk < jb; ++kb) {
            const uint64_t bits = layout_lanes(kb) & valid;
            if (bits == 0) continue;
            if (first < 0) first = kb;
            last = kb;
            if (bits != valid) full_layout = false;
        }
        if (first < 0) return false;
        // A gap between visited blocks is not "full" either.
        for (int64_t kb = first; kb <= last && full_layout; ++kb)
            if ((layout_lanes(kb) & valid) != valid) full_layout = false;
        ja = std::max(ja, first * r.bk);
        jb = std::min(jb, (last + 1) * r.bk);
        return ja < jb;
    }

    // The keys of [ja, jb) every valid row sees by causal and window, as
    // [fa, fb) (empty when fa >= fb; the layout is checked separately).
    void band_full_range(int64_t ja, int64_t jb, int64_t &fa, int64_t &fb) const {
        const SeqRules &r = *rp;
        const int64_t last = q0 + nvalid - 1;
        fa = ja;
        fb = jb;
        if (r.causal) fb = std::min(fb, q0 + r.off + 1);
        if (r.window) {
            if (r.wr >= 0) fb = std::min(fb, q0 + r.off + r.wr + 1);
            if (r.wl >= 0) fa = std::max(fa, last + r.off - r.wl);
        }
    }

    // Whether in [ja, jb) row i sees exactly the keys j <= q0 + i + off + shift:
    // the causal diagonal (shift 0) or a window's right edge (shift =
    // window_right, no global key in range), with the left window edge
    // behind every row (the layout is checked separately).
    bool right_edge(int64_t ja, int64_t jb, int64_t &shift) const {
        const SeqRules &r = *rp;
        if (ja >= jb) return false;
        if (r.window && r.wl >= 0 && ja < q0 + nvalid - 1 + r.off - r.wl) return false;
        if (r.causal) {
            shift = 0;  // global keys are causal too
            return true;
        }
        if (!r.window || r.wr < 0 || has_global(ja, jb)) return false;
        shift = r.wr;
        return true;
    }

    bool has_global(int64_t ja, int64_t jb) const {
        const SeqRules &r = *rp;
        if (r.n_global == 0) return false;
        const int32_t *g = std::lower_bound(r.global, r.global + r.n_global, int32_t(ja));
        return g != r.global + r.n_global && *g < jb;
    }

    // Whether in [ja, jb) row i sees key j iff j >= q0 + i + off - window_left
    // (the band's left edge, with causality, the right window bound and global
    // keys out of the way; the layout is checked separately); e = q0 + off -
    // window_left - ja, so that lane i sees tile row jj iff i <= jj - e.
    bool left_edge(int64_t ja, int64_t jb, int64_t &e) const {
        const SeqRules &r = *rp;
        if (!r.window || r.wl < 0 || ja >= jb) return false;
        if (r.causal && jb - 1 > q0 + r.off) return false;
        if (r.wr >= 0 && jb - 1 > q0 + r.off + r.wr) return false;
        if (has_global(ja, jb)) return false;
        e = q0 + r.off - r.wl - ja;
        return true;
    }

    // Whether every valid row sees every key of [ja, jb) by causal and window
    // (the layout is checked separately).
    bool band_full(int64_t ja, int64_t jb) const {
        int64_t fa = 0, fb = 0;
        band_full_range(ja, jb, fa, fb);
        return fa <= ja && fb >= jb;
    }
};

// Up to 64 global query rows of a sequence, gathered into the lanes of one
// block (lane l = row rows[l], increasing): each sees every key causality
// and the layout allow.
struct GatheredRules {
    const SeqRules *rp = nullptr;
    const int32_t *rows = nullptr;
    int64_t n = 0;
    uint64_t valid = 0;
    int64_t causal_end = 0;  // keys below it may be visible to some row

    GatheredRules(const SeqRules &rules, const int32_t *rows_, int64_t n_) : rp(&rules), rows(rows_), n(n_) {
        valid = lane_range(0, n - 1);
        causal_end = rules.causal ? std::min(rules.nk, std::max<int64_t>(0, rows[n - 1] + rules.off + 1)) : rules.nk;
    }

    int64_t block_k() const { return rp->bk; }

    uint64_t layout_lanes(int64_t kb) const {
        const SeqRules &r = *rp;
        if (r.lay == nullptr) return kAllLanes;
        uint64_t bits = 0;
        for (int64_t l = 0; l < n; ++l)
            if (r.lay[(rows[l] / r.bq) * r.lay_sq + kb * r.lay_sk] != 0) bits |= uint64_t(1) << l;
        return bits;
    }

    uint64_t lanes(int64_t j, uint64_t layout_bits) const {
        uint64_t m = kAllLanes;
        if (rp->causal) {
            int64_t first = 0;  // rows increase: the rows that see j causally are a suffix
            while (first < n && rows[first] + rp->off < j) ++first;
            m = lane_range(first, 63);
        }
        return (m & layout_bits) | ~valid;
    }
};

}  // namespace pmx::attention::flash
