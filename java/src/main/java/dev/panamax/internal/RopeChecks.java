package dev.panamax.internal;

import static dev.panamax.internal.Checks.requireDisjoint;
import static dev.panamax.internal.Checks.requireUsable;

import dev.panamax.DType;
import dev.panamax.RopeConfig;
import dev.panamax.RopeScaling;
import dev.panamax.Tensor;

import java.util.Arrays;

/** The arguments of standalone RoPE ({@code panamax.h}'s pmx_rope table), checked before any downcall. */
public final class RopeChecks {
    private RopeChecks() {}

    /**
     * x {@code [B, N, H, D]} or {@code [N, H, D]}, positions (optional) I32 {@code [B, N]} or {@code [N]}, the
     * config's rotary dim against D, out shaped like x: writable, and apart from x unless it is x itself (same
     * address, dtype and strides: in place). With {@code reference}, x and out may be F32 or F64.
     */
    public static void check(Tensor x, Tensor positions, RopeConfig config, Tensor out, boolean reference) {
        requireUsable(x, "x");
        if (x.rank() != 3 && x.rank() != 4) {
            throw new IllegalArgumentException("x: expected rank 4 [B, N, H, D] or 3 [N, H, D], got rank " + x.rank());
        }
        floatType(x, "x", reference);
        int lead = x.rank() - 3;
        long d = x.shape(lead + 2);
        if (d < 1 || d > AttentionChecks.MAX_HEAD_DIM) {
            throw new IllegalArgumentException("x: head dim D = " + d + " must be in 1.." + AttentionChecks.MAX_HEAD_DIM);
        }
        Checks.requireNonNull(config, "config");
        rotaryDim(config, d);
        if (positions != null) positions(positions, x, lead);
        requireUsable(out, "out");
        floatType(out, "out", reference);
        if (!sameLayout(out, x, false)) {
            throw new IllegalArgumentException("out: shape " + Arrays.toString(out.shape()) + " must equal x's "
                    + Arrays.toString(x.shape()));
        }
        Checks.requireWritable(out, "out");
        boolean inPlace = out.segment().address() == x.segment().address() && out.dtype() == x.dtype()
                && sameLayout(out, x, true);
        if (!inPlace) requireDisjoint(out, "out", x, "x");
        requireDisjoint(out, "out", positions, "positions");
    }

    /** Same rank and shape (and strides, with {@code strides}); compares without copying the arrays. */
    private static boolean sameLayout(Tensor a, Tensor b, boolean strides) {
        if (a.rank() != b.rank()) return false;
        for (int i = 0; i < a.rank(); i++) {
            if (a.shape(i) != b.shape(i) || (strides && a.stride(i) != b.stride(i))) return false;
        }
        return true;
    }

    private static void rotaryDim(RopeConfig c, long d) {
        long rd = c.rotaryDim() == 0 ? d : c.rotaryDim();
        if (c.rotaryDim() == 0 && d % 2 != 0) {
            throw new IllegalArgumentException("config: rotaryDim 0 means D, but x's head dim D = " + d
                    + " is odd (give an even rotaryDim)");
        }
        if (rd > d) {
            throw new IllegalArgumentException("config: rotaryDim " + rd + " exceeds x's head dim D = " + d);
        }
        if (c.scaling() == RopeScaling.NTK && rd < 4) {
            throw new IllegalArgumentException("config: NTK scaling needs a rotary dim >= 4, got " + rd);
        }
    }

    private static void positions(Tensor p, Tensor x, int lead) {
        requireUsable(p, "positions");
        if (p.dtype() != DType.I32) {
            throw new IllegalArgumentException("positions: dtype " + p.dtype() + " is not accepted, expected I32");
        }
        long n = x.shape(lead);
        boolean perRow = p.rank() == 2 && x.rank() == 4;
        if (!(p.rank() == 1 || perRow)) {
            throw new IllegalArgumentException("positions: expected " + (x.rank() == 4 ? "[B, N] or [N]" : "[N]")
                    + ", got rank " + p.rank());
        }
        if (perRow && p.shape(0) != x.shape(0)) {
            throw new IllegalArgumentException("positions: shape[0] = " + p.shape(0) + " must be x's B = " + x.shape(0));
        }
        if (p.shape(p.rank() - 1) != n) {
            throw new IllegalArgumentException("positions: shape[" + (p.rank() - 1) + "] = " + p.shape(p.rank() - 1)
                    + " must be x's N = " + n);
        }
    }

    private static void floatType(Tensor t, String name, boolean reference) {
        if (t.dtype() != DType.F32 && !(reference && t.dtype() == DType.F64)) {
            throw new IllegalArgumentException(name + ": dtype " + t.dtype() + " is not accepted here, expected "
                    + (reference ? "F32 or F64" : "F32"));
        }
    }
}
