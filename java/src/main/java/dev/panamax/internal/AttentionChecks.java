package dev.panamax.internal;

import static dev.panamax.internal.Checks.requireDisjoint;
import static dev.panamax.internal.Checks.requireUsable;

import dev.panamax.AttentionOptions;
import dev.panamax.AxialAxis;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.Panamax_h;

import java.lang.foreign.MemorySegment;

/** The attention arguments of {@code panamax.h}'s table, checked before any downcall. */
public final class AttentionChecks {
    /** Largest head dim D ({@code PMX_MAX_HEAD_DIM}). */
    public static final long MAX_HEAD_DIM = Panamax_h.PMX_MAX_HEAD_DIM();

    private AttentionChecks() {}

    /**
     * Checks q, k, v, options, out (required) and lse (optional). With {@code reference}, the float tensors
     * may be F32 or F64. With {@code outIsQ} (sizing a workspace: q stands in for out, never written) the
     * output checks are skipped.
     */
    public static void check(Tensor q, Tensor k, Tensor v, AttentionOptions o, Tensor out, Tensor lse,
                             boolean reference, boolean outIsQ) {
        boolean varlen = o.isVarlen();
        int rank = varlen ? 3 : 4;
        floatTensor(q, "q", rank, varlen, reference);
        floatTensor(k, "k", rank, varlen, reference);
        floatTensor(v, "v", rank, varlen, reference);
        floatTensor(out, "out", rank, varlen, reference);

        int row = varlen ? 0 : 1;   // the sequence dimension
        long heads = q.shape(row + 1);
        long d = q.shape(row + 2);
        long kvHeads = k.shape(row + 1);
        if (d < 1 || d > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("q: head dim D = " + d + " must be in 1.." + MAX_HEAD_DIM);
        }
        if (heads < 1) throw new IllegalArgumentException("q: H = 0 heads (H must be at least 1)");
        if (kvHeads < 1) throw new IllegalArgumentException("k: Hkv = 0 heads (Hkv must be at least 1)");
        if (k.shape(row + 2) != d) {
            throw new IllegalArgumentException("k: head dim D = " + k.shape(row + 2) + " must equal q's D = " + d);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("k: Hkv = " + kvHeads + " must divide q's H = " + heads
                    + " (grouped-query attention: H a multiple of Hkv)");
        }
        if (!varlen && k.shape(0) != q.shape(0)) {
            throw new IllegalArgumentException("k: batch B = " + k.shape(0) + " must equal q's B = " + q.shape(0));
        }
        for (int i = 0; i < rank; i++) {
            if (v.shape(i) != k.shape(i)) throw mismatch("v", i, v.shape(i), "k", k.shape(i));
        }
        for (int i = 0; i < rank; i++) {
            if (out.shape(i) != q.shape(i)) throw mismatch("out", i, out.shape(i), "q", q.shape(i));
        }
        if (lse != null) {
            requireUsable(lse, "lse");
            if (!floatType(lse.dtype(), reference)) throw badType(lse, "lse", reference);
            if (varlen) {
                if (lse.rank() != 2) throw badRank(lse, "lse", 2, "[H, total_q]");
                if (lse.shape(0) != heads) throw lseDim(lse, 0, "H", heads);
                if (lse.shape(1) != q.shape(0)) throw lseDim(lse, 1, "total_q", q.shape(0));
            } else {
                if (lse.rank() != 3) throw badRank(lse, "lse", 3, "[B, H, Nq]");
                if (lse.shape(0) != q.shape(0)) throw lseDim(lse, 0, "B", q.shape(0));
                if (lse.shape(1) != heads) throw lseDim(lse, 1, "H", heads);
                if (lse.shape(2) != q.shape(1)) throw lseDim(lse, 2, "Nq", q.shape(1));
            }
        }
        if (varlen) {
            requireUsable(o.cuSeqlensQ(), "cuSeqlensQ");
            requireUsable(o.cuSeqlensK(), "cuSeqlensK");
        }
        sparsity(q, k, o, varlen, heads);
        if (!outIsQ) {
            outputDoesNotAlias(out, "out", q, k, v, o);
            if (lse != null) {
                outputDoesNotAlias(lse, "lse", q, k, v, o);
                requireDisjoint(lse, "lse", out, "out");
            }
            if (o.layoutOut() != null) {
                outputDoesNotAlias(o.layoutOut(), "layoutOut", q, k, v, o);
                requireDisjoint(o.layoutOut(), "layoutOut", out, "out");
                requireDisjoint(o.layoutOut(), "layoutOut", lse, "lse");
            }
        }
    }

    /** A caller's workspace shares no memory with any tensor of the call. */
    public static void workspaceDisjoint(MemorySegment ws, Tensor q, Tensor k, Tensor v, AttentionOptions o,
                                         Tensor out, Tensor lse) {
        requireDisjoint(ws, "workspace", q, "q");
        requireDisjoint(ws, "workspace", k, "k");
        requireDisjoint(ws, "workspace", v, "v");
        requireDisjoint(ws, "workspace", o.cuSeqlensQ(), "cuSeqlensQ");
        requireDisjoint(ws, "workspace", o.cuSeqlensK(), "cuSeqlensK");
        requireDisjoint(ws, "workspace", out, "out");
        requireDisjoint(ws, "workspace", lse, "lse");
        requireDisjoint(ws, "workspace", o.globalTokens(), "globalTokens");
        requireDisjoint(ws, "workspace", o.alibiSlopes(), "alibiSlopes");
        requireDisjoint(ws, "workspace", o.blockMask(), "blockMask");
        requireDisjoint(ws, "workspace", o.layoutOut(), "layoutOut");
    }

    private static void outputDoesNotAlias(Tensor t, String name, Tensor q, Tensor k, Tensor v, AttentionOptions o) {
        Checks.requireWritable(t, name);
        requireDisjoint(t, name, q, "q");
        requireDisjoint(t, name, k, "k");
        requireDisjoint(t, name, v, "v");
        requireDisjoint(t, name, o.cuSeqlensQ(), "cuSeqlensQ");
        requireDisjoint(t, name, o.cuSeqlensK(), "cuSeqlensK");
        requireDisjoint(t, name, o.globalTokens(), "globalTokens");
        requireDisjoint(t, name, o.alibiSlopes(), "alibiSlopes");
        requireDisjoint(t, name, o.blockMask(), "blockMask");
    }

    // The option tensors against q's shape (values are checked by the library at call time).
    private static void sparsity(Tensor q, Tensor k, AttentionOptions o, boolean varlen, long heads) {
        long batch = varlen ? o.cuSeqlensQ().shape(0) - 1 : q.shape(0);
        long nq = varlen ? -1 : q.shape(1);
        long nk = varlen ? -1 : k.shape(1);
        if (o.axialAxis() != null) {
            long n = (long) o.axialRows() * o.axialCols();
            if (nq != n || nk != n) {
                throw new IllegalArgumentException("axial: rows x cols = " + o.axialRows() + " x " + o.axialCols()
                        + " must equal Nq = " + nq + " and Nk = " + nk);
            }
            nq = nk = o.axialAxis() == AxialAxis.ROW ? o.axialCols() : o.axialRows();
        }
        if (o.globalTokens() != null) requireUsable(o.globalTokens(), "globalTokens");
        if (o.globalTokens() != null && !varlen && nq != nk) {
            throw new IllegalArgumentException("globalTokens: self-attention only (Nq = Nk), got Nq = " + nq
                    + ", Nk = " + nk);
        }
        Tensor slopes = o.alibiSlopes();
        if (slopes != null) {
            requireUsable(slopes, "alibiSlopes");
            if (slopes.shape(slopes.rank() - 1) != heads) {
                throw new IllegalArgumentException("alibiSlopes: last dim = " + slopes.shape(slopes.rank() - 1)
                        + " must be H = " + heads);
            }
            if (slopes.rank() == 2 && slopes.shape(0) != batch) {
                throw new IllegalArgumentException("alibiSlopes: shape[0] = " + slopes.shape(0) + " must be B = " + batch);
            }
        }
        if (o.rope() != null) {
            long d = q.shape(q.rank() - 1);
            long rd = o.rope().rotaryDim() == 0 ? d : o.rope().rotaryDim();
            if (rd > d || rd % 2 != 0) {
                throw new IllegalArgumentException("rope: rotary dim " + rd + " must be even and at most D = " + d
                        + (o.rope().rotaryDim() == 0 ? " (0 means D)" : ""));
            }
        }
        layout(o.blockMask(), "blockMask", true, batch, heads, nq, nk, o);
        layout(o.layoutOut(), "layoutOut", false, batch, heads, nq, nk, o);
    }

    private static void layout(Tensor t, String name, boolean broadcast, long batch, long heads, long nq, long nk,
                               AttentionOptions o) {
        if (t == null) return;
        requireUsable(t, name);
        if (t.shape(0) != batch && !(broadcast && t.shape(0) == 1)) {
            throw new IllegalArgumentException(name + ": shape[0] = " + t.shape(0) + " must be "
                    + (broadcast ? "1 or " : "") + "B = " + batch);
        }
        if (t.shape(1) != heads && !(broadcast && t.shape(1) == 1)) {
            throw new IllegalArgumentException(name + ": shape[1] = " + t.shape(1) + " must be "
                    + (broadcast ? "1 or " : "") + "H = " + heads);
        }
        if (nq >= 0) {
            long nbq = (nq + o.blockQ() - 1) / o.blockQ();
            long nbk = (nk + o.blockK() - 1) / o.blockK();
            if (t.shape(2) != nbq || t.shape(3) != nbk) {
                throw new IllegalArgumentException(name + ": blocks [" + t.shape(2) + ", " + t.shape(3)
                        + "] must be [ceil(Nq/blockQ), ceil(Nk/blockK)] = [" + nbq + ", " + nbk + "]");
            }
        }
    }

    private static void floatTensor(Tensor t, String name, int rank, boolean varlen, boolean reference) {
        requireUsable(t, name);
        if (t.rank() != rank) {
            boolean qShaped = name.equals("q") || name.equals("out");
            throw badRank(t, name, rank, varlen ? (qShaped ? "[total_q, H, D]" : "[total_k, Hkv, D]")
                    + " (packed varlen)" : (qShaped ? "[B, Nq, H, D]" : "[B, Nk, Hkv, D]"));
        }
        if (!floatType(t.dtype(), reference)) throw badType(t, name, reference);
    }

    private static boolean floatType(DType t, boolean reference) {
        return t == DType.F32 || (reference && t == DType.F64);
    }

    private static IllegalArgumentException badRank(Tensor t, String name, int rank, String layout) {
        return new IllegalArgumentException(name + ": expected rank " + rank + " " + layout + ", got rank "
                + t.rank());
    }

    private static IllegalArgumentException badType(Tensor t, String name, boolean reference) {
        return new IllegalArgumentException(name + ": dtype " + t.dtype() + " is not accepted here, expected "
                + (reference ? "F32 or F64" : "F32"));
    }

    private static IllegalArgumentException mismatch(String name, int dim, long got, String other, long want) {
        return new IllegalArgumentException(name + ": shape[" + dim + "] = " + got + " must equal " + other
                + "'s shape[" + dim + "] = " + want);
    }

    private static IllegalArgumentException lseDim(Tensor lse, int dim, String what, long want) {
        return new IllegalArgumentException("lse: shape[" + dim + "] = " + lse.shape(dim) + " must be " + what
                + " = " + want);
    }
}
