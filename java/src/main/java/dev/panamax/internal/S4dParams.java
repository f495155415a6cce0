package dev.panamax.internal;

import static dev.panamax.internal.Checks.requireDisjoint;

import dev.panamax.Context;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.Panamax_h;
import dev.panamax.internal.ffi.pmx_s4d_kernel_params;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/** The {@code pmx_s4d_kernel_params} layout and its entry points, with Java's checks before any downcall. */
public final class S4dParams {
    private static final long STRUCT_SIZE = pmx_s4d_kernel_params.struct_size$offset();
    private static final long A = pmx_s4d_kernel_params.A$offset();
    private static final long B = pmx_s4d_kernel_params.B$offset();
    private static final long C = pmx_s4d_kernel_params.C$offset();
    private static final long LOG_DT = pmx_s4d_kernel_params.log_dt$offset();
    private static final long DISCRETIZATION = pmx_s4d_kernel_params.discretization$offset();
    private static final long RESERVED = pmx_s4d_kernel_params.reserved$offset();
    private static final long OUT = pmx_s4d_kernel_params.out$offset();

    private S4dParams() {}

    /** Checks, fills the params struct (zero-order hold) and runs {@code f}. */
    public static void run(NativeFunction f, Context ctx, Tensor a, Tensor b, Tensor c, Tensor logDt, Tensor out) {
        Checks.requireNonNull(ctx, "ctx");
        boolean reference = f == reference();
        checkInputs(a, b, c, logDt, reference);
        Checks.floatTensor(out, "out", 2, "[Ch, Lk]", reference);
        if (out.shape(0) != a.shape(0)) {
            throw new IllegalArgumentException("out: shape[0] = " + out.shape(0) + " must be Ch = " + a.shape(0));
        }
        Checks.requireWritable(out, "out");
        requireDisjoint(out, "out", a, "A");
        requireDisjoint(out, "out", b, "B");
        requireDisjoint(out, "out", c, "C");
        requireDisjoint(out, "out", logDt, "logDt");
        try (NativeCall call = NativeCall.begin(ctx)) {
            MemorySegment p = call.params();
            p.set(ValueLayout.JAVA_LONG, STRUCT_SIZE, pmx_s4d_kernel_params.sizeof());
            call.tensor(A, a);
            call.tensor(B, b);
            call.tensor(C, c);
            call.tensor(LOG_DT, logDt);
            p.set(ValueLayout.JAVA_INT, DISCRETIZATION, Panamax_h.PMX_S4D_ZOH());
            p.set(ValueLayout.JAVA_INT, RESERVED, 0);
            call.tensor(OUT, out);
            call.run(f);
        }
    }

    /** A, B, C complex {@code [Ch, Nh, 2]} (Nh >= 1) of one shape; logDt {@code [Ch]}. */
    public static void checkInputs(Tensor a, Tensor b, Tensor c, Tensor logDt, boolean reference) {
        Checks.floatTensor(a, "A", 3, "[Ch, Nh, 2] (complex as (re, im) pairs)", reference);
        if (a.shape(2) != 2) {
            throw new IllegalArgumentException("A: the last dim must be 2 (re, im), got " + a.shape(2));
        }
        if (a.shape(1) < 1) throw new IllegalArgumentException("A: the state count Nh must be >= 1, got 0");
        complexLike(b, "B", a, reference);
        complexLike(c, "C", a, reference);
        Checks.floatShaped(logDt, "logDt", "[Ch]", reference, a.shape(0));
    }

    private static void complexLike(Tensor t, String name, Tensor a, boolean reference) {
        Checks.floatTensor(t, name, 3, "[Ch, Nh, 2]", reference);
        if (!Checks.sameShape(t, a)) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(t.shape())
                    + " must equal A's " + Arrays.toString(a.shape()));
        }
    }

    /** {@code pmx_s4d_kernel} with {@code pmx_s4d_kernel_workspace_size}. */
    public static NativeFunction kernel() {
        return Kernel.FUNCTION;
    }

    /** {@code pmx_s4d_kernel_reference}. */
    public static NativeFunction reference() {
        return Reference.FUNCTION;
    }

    private static final class Kernel {
        static final NativeFunction FUNCTION = NativeFunction.withWorkspace("pmx_s4d_kernel",
                Panamax_h.pmx_s4d_kernel$address(), Panamax_h.pmx_s4d_kernel_workspace_size$address());
    }

    private static final class Reference {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_s4d_kernel_reference",
                Panamax_h.pmx_s4d_kernel_reference$address());
    }
}
