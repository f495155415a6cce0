package dev.panamax.internal;

import static dev.panamax.internal.Checks.requireDisjoint;

import dev.panamax.Context;
import dev.panamax.FftConvMethod;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.Panamax_h;
import dev.panamax.internal.ffi.pmx_fft_conv_params;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The {@code pmx_fft_conv_params} layout and its entry points, with Java's checks before any downcall. */
public final class FftConvParams {
    private static final long STRUCT_SIZE = pmx_fft_conv_params.struct_size$offset();
    private static final long U = pmx_fft_conv_params.u$offset();
    private static final long KERNEL = pmx_fft_conv_params.kernel$offset();
    private static final long D = pmx_fft_conv_params.D$offset();
    private static final long METHOD = pmx_fft_conv_params.method$offset();
    private static final long RESERVED = pmx_fft_conv_params.reserved$offset();
    private static final long OUT = pmx_fft_conv_params.out$offset();

    private FftConvParams() {}

    /**
     * Checks, fills the params struct and runs {@code f} (a null method is AUTO) with the pooled workspace, or
     * with {@code callerWorkspace} when {@code withCallerWorkspace}.
     */
    public static void run(NativeFunction f, Context ctx, Tensor u, Tensor kernel, Tensor d, FftConvMethod method,
                           Tensor out, MemorySegment callerWorkspace, boolean withCallerWorkspace) {
        Checks.requireNonNull(ctx, "ctx");
        boolean reference = f == reference();
        checkInputs(u, kernel, d, reference);
        Checks.floatLike(out, "out", u, "u", reference);
        Checks.requireWritable(out, "out");
        requireDisjoint(out, "out", u, "u");
        requireDisjoint(out, "out", kernel, "kernel");
        requireDisjoint(out, "out", d, "D");
        if (withCallerWorkspace) {
            Checks.workspace(callerWorkspace);
            requireDisjoint(callerWorkspace, "workspace", u, "u");
            requireDisjoint(callerWorkspace, "workspace", kernel, "kernel");
            requireDisjoint(callerWorkspace, "workspace", d, "D");
            requireDisjoint(callerWorkspace, "workspace", out, "out");
        }
        try (NativeCall call = NativeCall.begin(ctx)) {
            fill(call, u, kernel, d, method, out);
            if (withCallerWorkspace) call.run(f, callerWorkspace);
            else call.run(f);
        }
    }

    /** The workspace bytes {@code pmx_fft_conv} needs for these inputs and method on {@code ctx}. */
    public static long workspaceBytes(Context ctx, Tensor u, Tensor kernel, Tensor d, FftConvMethod method) {
        Checks.requireNonNull(ctx, "ctx");
        checkInputs(u, kernel, d, false);
        // The library validates a whole params struct; u stands in for out (same shape, never written).
        try (NativeCall call = NativeCall.begin(ctx)) {
            fill(call, u, kernel, d, method, u);
            return call.workspaceBytes(conv());
        }
    }

    private static void fill(NativeCall call, Tensor u, Tensor kernel, Tensor d, FftConvMethod method, Tensor out) {
        MemorySegment p = call.params();
        p.set(ValueLayout.JAVA_LONG, STRUCT_SIZE, pmx_fft_conv_params.sizeof());
        call.tensor(U, u);
        call.tensor(KERNEL, kernel);
        call.tensor(D, d);
        p.set(ValueLayout.JAVA_INT, METHOD, (method == null ? FftConvMethod.AUTO : method).code());
        p.set(ValueLayout.JAVA_INT, RESERVED, 0);
        call.tensor(OUT, out);
    }

    /** u {@code [B, L, C]}; kernel {@code [C, Lk]} with Lk >= 1; D {@code [C]} or null. */
    public static void checkInputs(Tensor u, Tensor kernel, Tensor d, boolean reference) {
        Checks.floatTensor(u, "u", 3, "[B, L, C]", reference);
        Checks.floatTensor(kernel, "kernel", 2, "[C, Lk]", reference);
        if (kernel.shape(0) != u.shape(2)) {
            throw new IllegalArgumentException("kernel: shape[0] = " + kernel.shape(0) + " must be u's channel count C = "
                    + u.shape(2));
        }
        if (kernel.shape(1) < 1) throw new IllegalArgumentException("kernel: the length Lk must be >= 1, got 0");
        if (d != null) Checks.floatShaped(d, "D", "[C]", reference, u.shape(2));
    }

    /** {@code pmx_fft_conv} with {@code pmx_fft_conv_workspace_size}. */
    public static NativeFunction conv() {
        return Conv.FUNCTION;
    }

    /** {@code pmx_fft_conv_reference}. */
    public static NativeFunction reference() {
        return Reference.FUNCTION;
    }

    private static final class Conv {
        static final NativeFunction FUNCTION = NativeFunction.withWorkspace("pmx_fft_conv",
                Panamax_h.pmx_fft_conv$address(), Panamax_h.pmx_fft_conv_workspace_size$address());
    }

    private static final class Reference {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_fft_conv_reference",
                Panamax_h.pmx_fft_conv_reference$address());
    }
}
