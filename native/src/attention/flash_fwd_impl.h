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
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "attention/attention_problem.h"
#include "attention/flash_fwd_layout.h"
#include "common/inline.h"

namespace pmx::attention::flash {

template <class T>
struct FlashFwd {
    using V = typename T::V;
    static constexpr int W = T::W;    // lanes per vector
    static constexpr int NR = T::NR;  // vectors per micro-tile (query direction)
    static constexpr int MR = T::MR;  // rows per micro-tile (key or head-dim direction)
    static constexpr int SW = NR * W; // query lanes per micro-tile
    static constexpr int QV = int(kBlockQ) / W;
    static constexpr int CH = QV < 4 ? QV : 4;  // vectors per softmax chunk
    static_assert(kBlockQ % SW == 0, "query block must be whole micro-tiles");
    static_assert(QV % CH == 0, "softmax chunks must tile the query block");

    // ---- prefetching the next K/V tile -----------------------------------------
    // The next tile's K and V rows are requested a few at a time between
    // micro-tiles, so that the misses (often to DRAM: a head's K/V rarely fits
    // in L2) overlap with the FMAs. Issued in one burst they fill the miss
    // buffers and stall the core about as long as the copy itself would.
    struct Prefetcher {
        const char *k = nullptr, *v = nullptr;
        int64_t k_rs = 0, v_rs = 0;  // row strides in bytes
        int64_t k_bytes = 0, v_bytes = 0;
        int64_t rows_left = 0, per_step = 1;

        PMX_INLINE void step() {
            for (int64_t n = 0; n < per_step && rows_left > 0; ++n, --rows_left) {
                for (int64_t b = 0; b < k_bytes; b += 64) __builtin_prefetch(k + b, 0, 2);
                __builtin_prefetch(k + k_bytes - 1, 0, 2);
                for (int64_t b = 0; b < v_bytes; b += 64) __builtin_prefetch(v + b, 0, 2);
                __builtin_prefetch(v + v_bytes - 1, 0, 2);
                k += k_rs;
                v += v_rs;
            }
        }
        void flush() {
            per_step = rows_left;
            step();
        }
    };

    // ---- Sᵀ = K · Qᵀ ---------------------------------------------------------
    // R key rows (k, row stride ks, d contiguous) times the whole Qᵀ panel.
    template <int R>
    static PMX_INLINE void qk_rows(const float *k, int64_t ks, const float *qt, int64_t d, float *st) {
        const float *kr[R];
        PMX_UNROLL for (int r = 0; r < R; ++r) kr[r] = k + r * ks;
        for (int c0 = 0; c0 < kBlockQ; c0 += SW) {
            // The first product initialises the accumulators (d >= 1).
            V acc[R][NR];
            const float *qp = qt + c0;
            {
                V b[NR];
                PMX_UNROLL for (int c = 0; c < NR; ++c) b[c] = T::load(qp + c * W);
                PMX_UNROLL for (int r = 0; r < R; ++r) {
                    const V a = T::bcast(kr[r]);
                    PMX_UNROLL for (int c = 0; c < NR; ++c) acc[r][c] = T::mul(a, b[c]);
                }
                qp += kBlockQ;
            }
            for (int64_t dd = 1; dd < d; ++dd, qp += kBlockQ) {
                V b[NR];
                PMX_UNROLL for (int c = 0; c < NR; ++c) b[c] = T::load(qp + c * W);
                PMX_UNROLL for (int r = 0; r < R; ++r) {
                    const V a = T::bcast(kr[r] + dd);
                    PMX_UNROLL for (int c = 0; c < NR; ++c) acc[r][c] = T::fmadd(a, b[c], acc[r][c]);
                }
            }
            PMX_UNROLL for (int r = 0; r < R; ++r)
                PMX_UNROLL for (int c = 0; c < NR; ++c) T::store(st + r * kBlockQ + c0 + c * W, acc[r][c]);
        }
    }

    static void qk_tile(const float *k, int64_t ks, const float *qt, int64_t d, int64_t jn, float *st,
                        Prefetcher &pf) {
        int64_t j = 0;
        for (; j + MR <= jn; j += MR) {
            pf.step();
            qk_rows<MR>(k + j * ks, ks, qt, d, st + j * kBlockQ);
        }
        qk_tail(k + j * ks, ks, qt, d, int(jn - j), st + j * kBlockQ);
    }

    template <int R = MR - 1>
    static PMX_INLINE void qk_tail(const float *k, int64_t ks, const float *qt, int64_t d, int rows, float *st) {
        if constexpr (R >= 1) {
            if (rows == R) qk_rows<R>(k, ks, qt, d, st);
            else qk_tail<R - 1>(k, ks, qt, d, rows, st);
        }
    }

    // ---- Oᵀ = α·Oᵀ + Vᵀ · Pᵀ -------------------------------------------------
    // R head-dim rows of Oᵀ starting at v's column: v points at V[0][d0].
    template <int R>
    static PMX_INLINE void pv_rows(const float *v, int64_t vs, const float *pt, int64_t jn, const float *alpha,
                                   bool first, float *ot) {
        for (int c0 = 0; c0 < kBlockQ; c0 += SW) {
            V acc[R][NR];
            if (first) {
                PMX_UNROLL for (int r = 0; r < R; ++r)
                    PMX_UNROLL for (int c = 0; c < NR; ++c) acc[r][c] = T::zero();
            } else {
                V al[NR];
                PMX_UNROLL for (int c = 0; c < NR; ++c) al[c] = T::load(alpha + c0 + c * W);
                PMX_UNROLL for (int r = 0; r < R; ++r)
                    PMX_UNROLL for (int c = 0; c < NR; ++c)
                        acc[r][c] = T::mul(T::load(ot + r * kBlockQ + c0 + c * W), al[c]);
            }
            const float *vr = v;
            const float *pp = pt + c0;
            for (int64_t j = 0; j < jn; ++j, vr += vs, pp += kBlockQ) {
                V b[NR];
                PMX_UNROLL for (int c = 0; c < NR; ++c) b[c] = T::load(pp + c * W);
                PMX_UNROLL for (int r = 0; r < R; ++r) {
                    const V a = T::bcast(vr + r);
                    PMX_UNROLL for (int c = 0; c < NR; ++c) acc[r][c] = T::fmadd(a, b[c], acc[r][c]);
                }
            }
            PMX_UNROLL for (int r = 0; r < R; ++r)
                PMX_UNROLL for (int c = 0; c < NR; ++c) T::store(ot + r * kBlockQ + c0 + c * W, acc[r][c]);
        }
    }

    static void pv_tile(const float *v, int64_t vs, const float *pt, int64_t jn, int64_t d, const float *alpha,
                        bool first, float *ot, Prefetcher &pf) {
        int64_t r = 0;
        for (; r + MR <= d; r += MR) {
            pf.step();
            pv_rows<MR>(v + r, vs, pt, jn, alpha, first, ot + r * kBlockQ);
        }
        pv_tail(v + r, vs, pt, jn, alpha, first, int(d - r), ot + r * kBlockQ);
    }

    template <int R = MR - 1>
    static PMX_INLINE void pv_tail(const float *v, int64_t vs, const float *pt, int64_t jn, const float *alpha,
                                   bool first, int rows, float *ot) {
        if constexpr (R >= 1) {
            if (rows == R) pv_rows<R>(v, vs, pt, jn, alpha, first, ot);
            else pv_tail<R - 1>(v, vs, pt, jn, alpha, first, rows, ot);
        }
    }

    // ---- the causal diagonal tile: skip what the mask zeroes ---------------------
    // In a masked tile, lane i sees key row jj iff jj <= i + ds (ds = q0 + off - j0).
    // A key row's scores are needed only from the vector holding lane jj - ds on
    // (the softmax overwrites the lanes below with -inf, so they are never
    // computed), and a lane vector's Oᵀ needs only the keys it can see (the
    // others have Pᵀ = 0 exactly). Skipping them changes no computed value:
    // every lane sums the same products in the same order.
    template <int R, int NC>
    static PMX_INLINE void qk_cols(const float *const *kr, const float *qt, int64_t d, float *st, int c0) {
        V acc[R][NC];
        const float *qp = qt + c0;
        {
            V b[NC];
            PMX_UNROLL for (int c = 0; c < NC; ++c) b[c] = T::load(qp + c * W);
            PMX_UNROLL for (int r = 0; r < R; ++r) {
                const V a = T::bcast(kr[r]);
                PMX_UNROLL for (int c = 0; c < NC; ++c) acc[r][c] = T::mul(a, b[c]);
            }
            qp += kBlockQ;
        }
        for (int64_t dd = 1; dd < d; ++dd, qp += kBlockQ) {
            V b[NC];
            PMX_UNROLL for (int c = 0; c < NC; ++c) b[c] = T::load(qp + c * W);
            PMX_UNROLL for (int r = 0; r < R; ++r) {
                const V a = T::bcast(kr[r] + dd);
                PMX_UNROLL for (int c = 0; c < NC; ++c) acc[r][c] = T::fmadd(a, b[c], acc[r][c]);
            }
        }
        PMX_UNROLL for (int r = 0; r < R; ++r)
            PMX_UNROLL for (int c = 0; c < NC; ++c) T::store(st + r * kBlockQ + c0 + c * W, acc[r][c]);
    }

    template <int R, int NC = NR - 1>
    static PMX_INLINE void qk_cols_rem(const float *const *kr, const float *qt, int64_t d, float *st, int c0,
                                       int n) {
        if constexpr (NC >= 1) {
            if (n == NC) qk_cols<R, NC>(kr, qt, d, st, c0);
            else qk_cols_rem<R, NC - 1>(kr, qt, d, st, c0, n);
        }
    }

    // R key rows, query lanes [lane0, kBlockQ) only (lane0 a multiple of W).
    template <int R>
    static PMX_INLINE void qk_rows_from(const float *k, int64_t ks, const float *qt, int64_t d, float *st,
                                        int lane0) {
        const float *kr[R];
        PMX_UNROLL for (int r = 0; r < R; ++r) kr[r] = k + r * ks;
        int c0 = lane0;
        for (; c0 + SW <= kBlockQ; c0 += SW) qk_cols<R, NR>(kr, qt, d, st, c0);
        qk_cols_rem<R>(kr, qt, d, st, c0, int(kBlockQ - c0) / W);
    }

    // First lane that key row j of a masked tile can be visible to, rounded
    // down to a vector.
    static PMX_INLINE int first_lane(int64_t j, int64_t ds) {
        if (j <= ds) return 0;
        const int64_t l = (j - ds) / W * W;
        return l > kBlockQ ? int(kBlockQ) : int(l);
    }

    template <int R = MR - 1>
    static PMX_INLINE void qk_tail_from(const float *k, int64_t ks, const float *qt, int64_t d, int rows,
                                        float *st, int lane0) {
        if constexpr (R >= 1) {
            if (rows == R) qk_rows_from<R>(k, ks, qt, d, st, lane0);
            else qk_tail_from<R - 1>(k, ks, qt, d, rows, st, lane0);
        }
    }

    static void qk_tile_masked(const float *k, int64_t ks, const float *qt, int64_t d, int64_t jn, float *st,
                               Prefetcher &pf, int64_t ds) {
        int64_t j = 0;
        for (; j + MR <= jn; j += MR) {
            pf.step();
            qk_rows_from<MR>(k + j * ks, ks, qt, d, st + j * kBlockQ, first_lane(j, ds));
        }
        qk_tail_from(k + j * ks, ks, qt, d, int(jn - j), st + j * kBlockQ, first_lane(j, ds));
    }

    // One key row j of the Oᵀ update for NC vectors of R rows. With kMaskFirst
    // the first vector's lanes below t keep their sums untouched: they do not
    // see key j, and although their P is 0, 0 · NaN (or inf) in V is NaN.
    template <int R, int NC, bool kMaskFirst>
    static PMX_INLINE void pv_key(V (&acc)[R][NC], const float *vr, const float *pp, int64_t t) {
        V b[NC];
        PMX_UNROLL for (int c = 0; c < NC; ++c) b[c] = T::load(pp + c * W);
        PMX_UNROLL for (int r = 0; r < R; ++r) {
            const V a = T::bcast(vr + r);
            PMX_UNROLL for (int c = 0; c < NC; ++c) {
                if (kMaskFirst && c == 0) acc[r][c] = T::fmadd_lanes_from(a, b[c], acc[r][c], t);
                else acc[r][c] = T::fmadd(a, b[c], acc[r][c]);
            }
        }
    }

    // NC vectors of R Oᵀ rows from lane c0, keys [jb, je). mode 0: start from 0,
    // 1: start from α·Oᵀ, 2: continue from Oᵀ. Lane c0 + i sees key j iff
    // j <= ds + c0 + i; the vectors after the first see every key in range.
    template <int R, int NC>
    static PMX_INLINE void pv_cols(const float *v, int64_t vs, const float *pt, int64_t jb, int64_t je,
                                   const float *alpha, int mode, float *ot, int c0, int64_t ds) {
        V acc[R][NC];
        if (mode == 0) {
            PMX_UNROLL for (int r = 0; r < R; ++r)
                PMX_UNROLL for (int c = 0; c < NC; ++c) acc[r][c] = T::zero();
        } else if (mode == 1) {
            V al[NC];
            PMX_UNROLL for (int c = 0; c < NC; ++c) al[c] = T::load(alpha + c0 + c * W);
            PMX_UNROLL for (int r = 0; r < R; ++r)
                PMX_UNROLL for (int c = 0; c < NC; ++c)
                    acc[r][c] = T::mul(T::load(ot + r * kBlockQ + c0 + c * W), al[c]);
        } else {
            PMX_UNROLL for (int r = 0; r < R; ++r)
                PMX_UNROLL for (int c = 0; c < NC; ++c) acc[r][c] = T::load(ot + r * kBlockQ + c0 + c * W);
        }
        const int64_t seen_by_all = ds + c0 + 1;  // keys below it: every lane of the first vector
        const int64_t jfull = seen_by_all < jb ? jb : seen_by_all > je ? je : seen_by_all;
        const float *vr = v + jb * vs;
        const float *pp = pt + jb * kBlockQ + c0;
        int64_t j = jb;
        for (; j < jfull; ++j, vr += vs, pp += kBlockQ) pv_key<R, NC, false>(acc, vr, pp, 0);
        for (; j < je; ++j, vr += vs, pp += kBlockQ) pv_key<R, NC, true>(acc, vr, pp, j - ds - c0);
        PMX_UNROLL for (int r = 0; r < R; ++r)
            PMX_UNROLL for (int c = 0; c < NC; ++c) T::store(ot + r * kBlockQ + c0 + c * W, acc[r][c]);
    }

    // Keys a lane vector starting at lane c can need: [0, clamp(ds + c + W, 0, jn)).
    static PMX_INLINE int64_t key_limit(int64_t ds, int64_t c, int64_t jn) {
        const int64_t e = ds + c + W;
        return e < 0 ? 0 : e > jn ? jn : e;
    }

    template <int R, int C>
    static PMX_INLINE void pv_masked_rest(const float *v, int64_t vs, const float *pt, int64_t jn, int64_t ds,
                                          float *ot, int c0, int64_t prev) {
        if constexpr (C < NR) {
            const int64_t e = key_limit(ds, c0 + C * W, jn);
            if (e > prev) pv_cols<R, NR - C>(v, vs, pt, prev, e, nullptr, 2, ot, c0 + C * W, ds);
            pv_masked_rest<R, C + 1>(v, vs, pt, jn, ds, ot, c0, e > prev ? e : prev);
        }
    }

    template <int R>
    static PMX_INLINE void pv_rows_masked(const float *v, int64_t vs, const float *pt, int64_t jn,
                                          const float *alpha, bool first, float *ot, int64_t ds) {
        for (int c0 = 0; c0 < kBlockQ; c0 += SW) {
            const int64_t e0 = key_limit(ds, c0, jn);
            pv_cols<R, NR>(v, vs, pt, 0, e0, alpha, first ? 0 : 1, ot, c0, ds);
            pv_masked_rest<R, 1>(v, vs, pt, jn, ds, ot, c0, e0);
        }
    }

    template <int R = MR - 1>
    static PMX_INLINE void pv_tail_masked(const float *v, int64_t vs, const float *pt, int64_t jn,
                                          const float *alpha, bool first, int rows, float *ot, int64_t ds) {
        if constexpr (R >= 1) {
            if (rows == R) pv_rows_masked<R>(v, vs, pt, jn, alpha, first, ot, ds);
            else pv_tail_masked<R - 1>(v, vs, pt, jn, alpha, first, rows, ot, ds);
        }
    }

    static void pv_tile_masked(const float *v, int64_t vs, const float *pt, int64_t jn, int64_t d,
                               const float *alpha, bool first, float *ot, Prefetcher &pf, int64_t ds) {
        int64_t r = 0;
        for (; r + MR <= d; r += MR) {
            pf.step();
            pv_rows_masked<MR>(v + r, vs, pt, jn, alpha, first, ot + r * kBlockQ, ds);
        }
        pv_tail_masked(v + r, vs, pt, jn, alpha, first, int(d - r), ot + r * kBlockQ, ds);
    }

    // ---- online softmax over one tile -------------------------------------------
    // st: Sᵀ[jn][kBlockQ] in, Pᵀ out. m, l, alpha: [kBlockQ]. When masked, lane i
    // of key row j is masked iff i < mask_base + j (the causal limit).
    static void softmax_tile(float *st, int64_t jn, float *m, float *l, float *alpha, bool masked,
                             int64_t mask_base) {
        const V neg_inf = T::set1(-std::numeric_limits<float>::infinity());
        for (int cc = 0; cc < QV; cc += CH) {
            V m_old[CH], mx[CH];
            PMX_UNROLL for (int c = 0; c < CH; ++c) {
                m_old[c] = T::load(m + (cc + c) * W);
                mx[c] = m_old[c];
            }
            float *row = st + cc * W;
            if (masked) {
                for (int64_t j = 0; j < jn; ++j, row += kBlockQ) {
                    PMX_UNROLL for (int c = 0; c < CH; ++c) {
                        V s = T::mask_lanes_below(T::load(row + c * W), mask_base + j - (cc + c) * W, neg_inf);
                        T::store(row + c * W, s);
                        mx[c] = T::max(mx[c], s);
                    }
                }
            } else {
                for (int64_t j = 0; j < jn; ++j, row += kBlockQ) {
                    PMX_UNROLL for (int c = 0; c < CH; ++c) mx[c] = T::max(mx[c], T::load(row + c * W));
                }
            }
            // A lane that has seen no key keeps m = -inf; it subtracts 0 instead
            // so that -inf - -inf never makes a NaN (its P is exactly 0).
            V m_use[CH], sum[CH];
            PMX_UNROLL for (int c = 0; c < CH; ++c) {
                m_use[c] = T::zero_if_neg_inf(mx[c]);
                sum[c] = T::zero();
            }
            row = st + cc * W;
            for (int64_t j = 0; j < jn; ++j, row += kBlockQ) {
                PMX_UNROLL for (int c = 0; c < CH; ++c) {
                    const V pv = T::exp2(T::sub(T::load(row + c * W), m_use[c]));
                    sum[c] = T::add(sum[c], pv);
                    T::store(row + c * W, pv);
                }
            }
            PMX_UNROLL for (int c = 0; c < CH; ++c) {
                const V a = T::exp2(T::sub(m_old[c], m_use[c]));
                T::store(alpha + (cc + c) * W, a);
                T::store(l + (cc + c) * W, T::fmadd(T::load(l + (cc + c) * W), a, sum[c]));
                T::store(m + (cc + c) * W, mx[c]);
            }
        }
    }

    // ---- packing ---------------------------------------------------------------
    static void pack_rows(const float *src, int64_t row_stride, int64_t col_stride, int64_t rows, int64_t d,
                          float *dst, int64_t ld) {
        if (col_stride == 1) {
            for (int64_t j = 0; j < rows; ++j) {
                const float *s = src + j * row_stride;
                float *o = dst + j * ld;
                int64_t dd = 0;
                for (; dd + W <= d; dd += W) T::storeu(o + dd, T::loadu(s + dd));
                for (; dd < d; ++dd) o[dd] = s[dd];
            }
        } else {
            for (int64_t j = 0; j < rows; ++j)
                for (int64_t dd = 0; dd < d; ++dd) dst[j * ld + dd] = src[j * row_stride + dd * col_stride];
        }
    }

    // ---- one work item -------------------------------------------------------
    // Per query block of the item's group.
    struct Block {
        float *qt, *ot, *m, *l, *alpha;
        int64_t q0;      // first row (sequence-relative)
        int64_t nvalid;  // rows of this block inside the sequence
        int64_t kend;    // keys any of its rows can see
    };

    static void run_block(const FwdProblem &p, const BlockTask &t, float *ws) {
        const ThreadSlices sl(p.head_dim);
        float *st = ws + sl.st;
        float *kp = ws + sl.kp;
        float *vp = ws + sl.vp;

        const int64_t d = p.head_dim;
        const int64_t nq = p.q_len(t.b), nk = p.k_len(t.b);
        const int64_t hk = t.h / (p.heads / p.kv_heads);
        const int64_t off = nk - nq;  // bottom-right causal alignment

        const float *q = p.q + p.q_base(t.b) + t.h * p.q_sh;
        const float *k = p.k + p.k_base(t.b) + hk * p.k_sh;
        const float *v = p.v + p.v_base(t.b) + hk * p.v_sh;
        float *o = p.out + p.o_base(t.b) + t.h * p.o_sh;
        float *lse = p.lse ? p.lse + p.lse_base(t.b) + t.h * p.l_sh : nullptr;
        const float qscale = float(double(p.scale) * 1.4426950408889634);

        Block blk[kMaxGroup];
        int nblk = 0;
        int64_t kend_all = 0;
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
            bk.kend = nk;
            if (p.causal) {
                const int64_t last_visible = bk.q0 + bk.nvalid - 1 + off;  // inclusive
                if (last_visible + 1 < bk.kend) bk.kend = last_visible + 1;
            }
            if (bk.kend > kend_all) kend_all = bk.kend;
            if (bk.kend > 0) {
                // Qᵀ, pre-scaled so that scores come out in log2 units; unused lanes 0.
                for (int64_t i = 0; i < bk.nvalid; ++i) {
                    const float *qr = q + (bk.q0 + i) * p.q_sn;
                    for (int64_t dd = 0; dd < d; ++dd) bk.qt[dd * kBlockQ + i] = qr[dd * p.q_sd] * qscale;
                }
                for (int64_t dd = 0; dd < d; ++dd)
                    for (int64_t i = bk.nvalid; i < kBlockQ; ++i) bk.qt[dd * kBlockQ + i] = 0.f;
                for (int64_t i = 0; i < kBlockQ; ++i) {
                    bk.m[i] = -std::numeric_limits<float>::infinity();
                    bk.l[i] = 0.f;
                }
            }
            ++nblk;
        }

        const int64_t ld = packed_ld(d);
        for (int64_t j0 = 0; j0 < kend_all; j0 += kBlockK) {
            const int64_t jn = kend_all - j0 < kBlockK ? kend_all - j0 : kBlockK;
            // Packed K and V tiles: contiguous rows at a cache-friendly stride,
            // whatever the caller's layout; shared by every block of the group.
            pack_rows(k + j0 * p.k_sn, p.k_sn, p.k_sd, jn, d, kp, ld);
            pack_rows(v + j0 * p.v_sn, p.v_sn, p.v_sd, jn, d, vp, ld);
            Prefetcher pf;
            const int64_t j1 = j0 + kBlockK;
            if (j1 < kend_all) {
                pf.k = reinterpret_cast<const char *>(k + j1 * p.k_sn);
                pf.v = reinterpret_cast<const char *>(v + j1 * p.v_sn);
                pf.k_rs = p.k_sn * int64_t(sizeof(float));
                pf.v_rs = p.v_sn * int64_t(sizeof(float));
                pf.k_bytes = ((d - 1) * p.k_sd + 1) * int64_t(sizeof(float));
                pf.v_bytes = ((d - 1) * p.v_sd + 1) * int64_t(sizeof(float));
                pf.rows_left = kend_all - j1 < kBlockK ? kend_all - j1 : kBlockK;
                // Spread over the micro-tiles of the blocks (about (jn + d) / MR each).
                const int64_t steps = int64_t(nblk) * ((jn + d) / MR + 1);
                pf.per_step = (pf.rows_left + steps - 1) / steps;
            }
            for (int g = 0; g < nblk; ++g) {
                const Block &bk = blk[g];
                if (j0 >= bk.kend) continue;
                const int64_t bn = bk.kend - j0 < jn ? bk.kend - j0 : jn;
                // Row i (block-relative) sees key j0 + jj iff jj <= i + q0 + off - j0.
                const bool masked = p.causal && (j0 + bn - 1 > bk.q0 + off);
                const int64_t ds = bk.q0 + off - j0;
                if (masked) qk_tile_masked(kp, ld, bk.qt, d, bn, st, pf, ds);
                else qk_tile(kp, ld, bk.qt, d, bn, st, pf);
                softmax_tile(st, bn, bk.m, bk.l, bk.alpha, masked, -ds);
                if (masked) pv_tile_masked(vp, ld, st, bn, d, bk.alpha, j0 == 0, bk.ot, pf, ds);
                else pv_tile(vp, ld, st, bn, d, bk.alpha, j0 == 0, bk.ot, pf);
            }
            pf.flush();
        }

        // Normalise and write out; a row that sees no key gets 0 and lse -inf.
        // A row that does see keys follows IEEE: l is NaN when a NaN or an
        // inf - inf reached it, and 0 when all its scores are -inf (0/0): both
        // give NaN, as the float64 reference does.
        constexpr double kLn2 = 0.693147180559945309;
        for (int g = 0; g < nblk; ++g) {
            const Block &bk = blk[g];
            for (int64_t i = 0; i < bk.nvalid; ++i) {
                float *orow = o + (bk.q0 + i) * p.o_sn;
                float *lrow = lse ? lse + (bk.q0 + i) * p.l_sn : nullptr;
                const bool sees_keys = p.causal ? bk.q0 + i + off >= 0 && nk > 0 : nk > 0;
                if (sees_keys) {
                    const float li = bk.l[i];
                    for (int64_t dd = 0; dd < d; ++dd) orow[dd * p.o_sd] = bk.ot[dd * kBlockQ + i] / li;
                    if (lrow)
                        *lrow = li > 0.f ? float(double(bk.m[i]) * kLn2 + std::log(double(li)))
                                         : std::numeric_limits<float>::quiet_NaN();
                } else {
                    for (int64_t dd = 0; dd < d; ++dd) orow[dd * p.o_sd] = 0.f;
                    if (lrow) *lrow = -std::numeric_limits<float>::infinity();
                }
            }
        }
    }
};

}  // namespace pmx::attention::flash
