package dev.panamax.internal;

import dev.panamax.DType;
import dev.panamax.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Argument checks every operator runs before any downcall. They allocate nothing unless they fail: the
 * success path compares numbers; messages are built only when throwing. Every message starts with the
 * argument's name and a colon.
 */
public final class Checks {
    private Checks() {}

    public static void requireNonNull(Object o, String name) {
        if (o == null) throw new IllegalArgumentException(name + ": must not be null");
    }

    /** Non-null, native, alive. */
    public static void requireUsable(Tensor t, String name) {
        requireNonNull(t, name);
        requireUsableSegment(t.segment(), name);
    }

    /** Native and alive. */
    public static void requireUsableSegment(MemorySegment s, String name) {
        if (!s.isNative()) {
            throw new IllegalArgumentException(name + ": is a heap segment; native code needs native memory "
                    + "(allocate it from an Arena)");
        }
        if (!s.scope().isAlive()) throw new IllegalArgumentException(name + ": its arena is closed");
    }

    /**
     * An output: not read-only, and its strides give every element its own address (sorted by stride,
     * each stride exceeds the span of the smaller ones; dimensions of size 0 or 1 do not count).
     */
    public static void requireWritable(Tensor t, String name) {
        if (t.segment().isReadOnly()) throw new IllegalArgumentException(name + ": is a read-only segment");
        if (t.elementCount() == 0) return;
        for (int i = 0; i < t.rank(); i++) {
            if (t.shape(i) < 2) continue;
            long below = 0;   // span of the dimensions ordered before i (smaller stride, or equal and earlier)
            for (int j = 0; j < t.rank(); j++) {
                if (j == i || t.shape(j) < 2) continue;
                if (t.stride(j) < t.stride(i) || (t.stride(j) == t.stride(i) && j < i)) {
                    below += t.stride(j) * (t.shape(j) - 1);
                }
            }
            if (t.stride(i) <= below) {
                throw new IllegalArgumentException(name + ": strides " + Arrays.toString(t.strides()) + " with shape "
                        + Arrays.toString(t.shape()) + " write some elements more than once (stride[" + i + "] = "
                        + t.stride(i) + "); an output needs one address per element");
            }
        }
    }

    /** {@code output} and {@code other} (either may be null) share no byte, judged by their address spans. */
    public static void requireDisjoint(Tensor output, String outputName, Tensor other, String otherName) {
        if (output == null || other == null) return;
        requireDisjoint(output.segment().address(), extentBytes(output), outputName,
                other.segment().address(), extentBytes(other), otherName);
    }

    /**
     * Input {@code in} shares no byte with the outputs {@code out} and {@code stateOut} (either may be null),
     * named so in the message. One call per input: the checks allocate nothing.
     */
    public static void apartFromOutputs(Tensor out, Tensor stateOut, Tensor in, String inName) {
        requireDisjoint(out, "out", in, inName);
        requireDisjoint(stateOut, "stateOut", in, inName);
    }

    /** A caller's workspace shares no byte with {@code t} (null: nothing to check). */
    public static void requireDisjoint(MemorySegment workspace, String name, Tensor t, String tName) {
        if (workspace == null || t == null) return;
        requireDisjoint(workspace.address(), workspace.byteSize(), name, t.segment().address(), extentBytes(t),
                tName);
    }

    private static void requireDisjoint(long a, long aBytes, String aName, long b, long bBytes, String bName) {
        if (aBytes == 0 || bBytes == 0) return;
        if (a < b + bBytes && b < a + aBytes) {
            throw new IllegalArgumentException(aName + ": overlaps " + bName + " (no operator works in place: "
                    + "outputs and the workspace must not share memory with any other argument)");
        }
    }

    /** Bytes from the view's first element to the end of its last (0 when empty). */
    public static long extentBytes(Tensor t) {
        if (t.elementCount() == 0) return 0;
        long maxOffset = 0;
        for (int i = 0; i < t.rank(); i++) maxOffset += (t.shape(i) - 1) * t.stride(i);
        return (maxOffset + 1) * t.dtype().byteSize();
    }

    /** A caller's workspace: null means none; else native, alive, writable, 64-byte aligned. */
    public static void workspace(MemorySegment workspace) {
        if (workspace == null) return;
        requireUsableSegment(workspace, "workspace");
        if (workspace.isReadOnly()) throw new IllegalArgumentException("workspace: is a read-only segment");
        if ((workspace.address() & 63) != 0) {
            throw new IllegalArgumentException("workspace: must be 64-byte aligned, address is 0x"
                    + Long.toHexString(workspace.address()));
        }
    }
    /**
     * A cu_seqlens tensor: I32, rank 1, {@code [B + 1]} with B &ge; 1, contiguous. Its values (from 0, never
     * decreasing, within the packed rows) are checked by the library on its own copy at call time.
     */
    public static void cuSeqlens(Tensor t, String name) {
        if (t.dtype() != DType.I32) {
            throw new IllegalArgumentException(name + ": dtype " + t.dtype() + " is not accepted, expected I32");
        }
        if (t.rank() != 1) {
            throw new IllegalArgumentException(name + ": expected rank 1 [B + 1], got rank " + t.rank());
        }
        if (t.shape(0) < 2) {
            throw new IllegalArgumentException(name + ": needs shape [B + 1] with B >= 1, got [" + t.shape(0) + "]");
        }
        if (t.stride(0) != 1) {
            throw new IllegalArgumentException(name + ": must be contiguous (stride 1), stride is " + t.stride(0));
        }
    }
    /**
     * A float tensor of an operator: usable, of rank {@code rank} ({@code shape} describes it in the
     * message, e.g. "[B, L, Dm]"), F32, or F32 or F64 for a float64 reference ({@code allowF64}).
     */
    public static void floatTensor(Tensor t, String name, int rank, String shape, boolean allowF64) {
        requireUsable(t, name);
        if (t.rank() != rank) {
            throw new IllegalArgumentException(name + ": expected rank " + rank + " " + shape + ", got rank " + t.rank());
        }
        if (t.dtype() != DType.F32 && !(allowF64 && t.dtype() == DType.F64)) {
            throw new IllegalArgumentException(name + ": dtype " + t.dtype() + " is not accepted here, expected "
                    + (allowF64 ? "F32 or F64" : "F32"));
        }
    }

    /** A float tensor shaped exactly like {@code like} (named {@code likeName} in the message). */
    public static void floatLike(Tensor t, String name, Tensor like, String likeName, boolean allowF64) {
        requireUsable(t, name);
        if (t.rank() != like.rank()) {
            throw new IllegalArgumentException(name + ": expected rank " + like.rank() + " (like " + likeName
                    + "), got rank " + t.rank());
        }
        floatTensor(t, name, like.rank(), "", allowF64);
        for (int i = 0; i < like.rank(); i++) {
            if (t.shape(i) != like.shape(i)) {
                throw new IllegalArgumentException(name + ": shape " + Arrays.toString(t.shape()) + " must equal "
                        + likeName + "'s " + Arrays.toString(like.shape()));
            }
        }
    }

    /** A float tensor of exactly {@code [d0]} ({@code shape} names it in the message, e.g. "[Dm]"). */
    public static void floatShaped(Tensor t, String name, String shape, boolean allowF64, long d0) {
        floatTensor(t, name, 1, shape, allowF64);
        if (t.shape(0) != d0) throw shapeMismatch(t, name, shape, d0);
    }

    /** A float tensor of exactly {@code [d0, d1, d2]} (e.g. "[B, Dm, Ns]"). No varargs: allocates nothing. */
    public static void floatShaped(Tensor t, String name, String shape, boolean allowF64, long d0, long d1, long d2) {
        floatTensor(t, name, 3, shape, allowF64);
        if (t.shape(0) != d0 || t.shape(1) != d1 || t.shape(2) != d2) throw shapeMismatch(t, name, shape, d0, d1, d2);
    }

    /** A float tensor of exactly {@code [d0, d1, d2, d3]} (e.g. "[B, H, P, N]"). No varargs: allocates nothing. */
    public static void floatShaped(Tensor t, String name, String shape, boolean allowF64, long d0, long d1, long d2,
                                   long d3) {
        floatTensor(t, name, 4, shape, allowF64);
        if (t.shape(0) != d0 || t.shape(1) != d1 || t.shape(2) != d2 || t.shape(3) != d3) {
            throw shapeMismatch(t, name, shape, d0, d1, d2, d3);
        }
    }

    private static IllegalArgumentException shapeMismatch(Tensor t, String name, String shape, long... dims) {
        return new IllegalArgumentException(name + ": shape " + Arrays.toString(t.shape()) + " must be " + shape + " = "
                + Arrays.toString(dims));
    }

    /** Same rank and shape, compared without copying the arrays. */
    public static boolean sameShape(Tensor a, Tensor b) {
        if (a.rank() != b.rank()) return false;
        for (int i = 0; i < a.rank(); i++) {
            if (a.shape(i) != b.shape(i)) return false;
        }
        return true;
    }

    /** {@code out} is {@code in} itself: same address, dtype and strides (an in-place update). */
    public static boolean sameView(Tensor out, Tensor in) {
        if (in == null || out == null || in.segment().address() != out.segment().address() || in.dtype() != out.dtype()
                || in.rank() != out.rank()) {
            return false;
        }
        for (int i = 0; i < in.rank(); i++) {
            if (in.stride(i) != out.stride(i)) return false;
        }
        return true;
    }
}
