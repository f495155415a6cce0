package dev.panamax;

import java.lang.foreign.MemorySegment;

/**
 * Argument checks run before any downcall. They allocate nothing unless they fail: the success path
 * compares numbers; messages are built only when throwing.
 */
final class Checks {
    static final long MAX_HEAD_DIM = 512;

    private Checks() {}

    static void requireContext(Context ctx) {
        if (ctx == null) throw new IllegalArgumentException("ctx: must not be null");
    }

    /** Non-null, native, alive. */
    static void requireUsable(Tensor t, String name) {
        if (t == null) throw new IllegalArgumentException(name + ": must not be null");
        requireUsableSegment(t.segment(), name);
    }

    static void requireUsableSegment(MemorySegment s, String name) {
        if (!s.isNative()) {
            throw new IllegalArgumentException(name + ": is a heap segment; native code needs native memory "
                    + "(allocate it from an Arena)");
        }
        if (!s.scope().isAlive()) throw new IllegalArgumentException(name + ": its arena is closed");
    }

    /**
     * Checks the attention arguments of {@code panamax.h}'s table. {@code out} is required; {@code lse}
     * optional. With {@code reference}, the float tensors may be F32 or F64.
     */
    static void attention(Tensor q, Tensor k, Tensor v, AttentionOptions o, Tensor out, Tensor lse,
                          boolean reference) {
        boolean varlen = o.cuSeqlensQ() != null;
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
    }

    /** Checks a workspace passed by the caller: null means none; else native, alive, 64-byte aligned. */
    static void workspace(MemorySegment workspace) {
        if (workspace == null) return;
        requireUsableSegment(workspace, "workspace");
        if ((workspace.address() & 63) != 0) {
            throw new IllegalArgumentException("workspace: must be 64-byte aligned, address is 0x"
                    + Long.toHexString(workspace.address()));
        }
    }

    private static void floatTensor(Tensor t, String name, int rank, boolean varlen, boolean reference) {
        requireUsable(t, name);
        if (t.rank() != rank) {
            throw badRank(t, name, rank, varlen ? (name.equals("q") || name.equals("out") ? "[total_q, H, D]"
                    : "[total_k, Hkv, D]") + " (packed varlen)" : (name.equals("q") || name.equals("out")
                    ? "[B, Nq, H, D]" : "[B, Nk, Hkv, D]"));
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
