package dev.panamax.internal;

import static dev.panamax.internal.Checks.requireDisjoint;
import static dev.panamax.internal.Checks.requireUsable;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.SelectiveScanOptions;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.Panamax_h;
import dev.panamax.internal.ffi.pmx_selective_scan_params;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The {@code pmx_selective_scan_params} layout and the entry points that take it, with the checks of
 * {@code panamax.h}'s selective-scan table made before any downcall.
 */
public final class ScanParams {
    /** PMX_MAX_SCAN_STATE: the largest state size Ns. */
    public static final long MAX_STATE = Panamax_h.PMX_MAX_SCAN_STATE();

    private static final long STRUCT_SIZE = pmx_selective_scan_params.struct_size$offset();
    private static final long U = pmx_selective_scan_params.u$offset();
    private static final long DELTA = pmx_selective_scan_params.delta$offset();
    private static final long A = pmx_selective_scan_params.A$offset();
    private static final long B = pmx_selective_scan_params.B$offset();
    private static final long C = pmx_selective_scan_params.C$offset();
    private static final long D = pmx_selective_scan_params.D$offset();
    private static final long Z = pmx_selective_scan_params.z$offset();
    private static final long DELTA_BIAS = pmx_selective_scan_params.delta_bias$offset();
    private static final long STATE_IN = pmx_selective_scan_params.state_in$offset();
    private static final long CU_SEQLENS = pmx_selective_scan_params.cu_seqlens$offset();
    private static final long DELTA_SOFTPLUS = pmx_selective_scan_params.delta_softplus$offset();
    private static final long RESERVED = pmx_selective_scan_params.reserved$offset();
    private static final long CHUNK = pmx_selective_scan_params.chunk$offset();
    private static final long OUT = pmx_selective_scan_params.out$offset();
    private static final long STATE_OUT = pmx_selective_scan_params.state_out$offset();

    private ScanParams() {}

    /**
     * The whole call: checks the arguments (before any downcall), fills the params struct and runs {@code f}
     * (the scan with the pooled workspace).
     *
     * @param options null means {@link SelectiveScanOptions#defaults()}
     */
    public static void run(NativeFunction f, Context ctx, Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c,
                           SelectiveScanOptions options, Tensor out, Tensor stateOut) {
        SelectiveScanOptions o = options == null ? SelectiveScanOptions.defaults() : options;
        Checks.requireNonNull(ctx, "ctx");
        boolean step = f == step(), reference = f == reference();
        checkInputs(u, delta, a, b, c, o, step, reference);
        checkOutputs(u, delta, a, b, c, o, out, stateOut, step, reference);
        try (NativeCall call = NativeCall.begin(ctx)) {
            MemorySegment p = call.params();
            p.set(ValueLayout.JAVA_LONG, STRUCT_SIZE, pmx_selective_scan_params.sizeof());
            call.tensor(U, u);
            call.tensor(DELTA, delta);
            call.tensor(A, a);
            call.tensor(B, b);
            call.tensor(C, c);
            call.tensor(D, o.d());
            call.tensor(Z, o.z());
            call.tensor(DELTA_BIAS, o.deltaBias());
            call.tensor(STATE_IN, o.stateIn());
            call.tensor(CU_SEQLENS, o.cuSeqlens());
            p.set(ValueLayout.JAVA_INT, DELTA_SOFTPLUS, o.deltaSoftplus() ? 1 : 0);
            p.set(ValueLayout.JAVA_INT, RESERVED, 0);
            p.set(ValueLayout.JAVA_LONG, CHUNK, o.chunk());
            call.tensor(OUT, out);
            call.tensor(STATE_OUT, stateOut);
            call.run(f);
        }
    }

    /**
     * The inputs of {@code panamax.h}'s table: u, delta (and z) {@code [B, L, Dm]} / {@code [total, Dm]} /
     * {@code [B, Dm]}; A {@code [Dm, Ns]}; B, C {@code [B, L, G, Ns]} / {@code [total, G, Ns]} /
     * {@code [B, G, Ns]} with G dividing Dm; D, deltaBias {@code [Dm]}; stateIn {@code [B, Dm, Ns]}.
     */
    public static void checkInputs(Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c, SelectiveScanOptions o,
                                   boolean step, boolean reference) {
        if (step && o.varlen()) {
            throw new IllegalArgumentException("cuSeqlens: the step form takes one token per sequence ([B, Dm]), "
                    + "no cuSeqlens");
        }
        if (step && o.chunk() != 0) throw new IllegalArgumentException("chunk: the step form has no chunks (give 0)");
        int lead = step || o.varlen() ? 1 : 2;
        String uShape = step ? "[B, Dm] (step)" : o.varlen() ? "[total, Dm] (varlen)" : "[B, L, Dm]";
        Checks.floatTensor(u, "u", lead + 1, uShape, reference);
        long dm = u.shape(lead);
        Checks.floatLike(delta, "delta", u, "u", reference);
        if (o.z() != null) Checks.floatLike(o.z(), "z", u, "u", reference);
        Checks.floatTensor(a, "A", 2, "[Dm, Ns]", reference);
        if (a.shape(0) != dm) throw new IllegalArgumentException("A: shape[0] = " + a.shape(0) + " must be Dm = " + dm);
        long ns = a.shape(1);
        if (ns < 1 || ns > MAX_STATE) {
            throw new IllegalArgumentException("A: state size Ns = " + ns + " must be in 1.." + MAX_STATE);
        }
        String bShape = step ? "[B, G, Ns] (step)" : o.varlen() ? "[total, G, Ns] (varlen)" : "[B, L, G, Ns]";
        Checks.floatTensor(b, "B", lead + 2, bShape, reference);
        for (int i = 0; i < lead; i++) {
            if (b.shape(i) != u.shape(i)) {
                throw new IllegalArgumentException("B: shape[" + i + "] = " + b.shape(i) + " must be u's " + u.shape(i));
            }
        }
        long groups = b.shape(lead);
        if (groups < 1 || dm % groups != 0) {
            throw new IllegalArgumentException("B: the group count G = " + groups + " must be >= 1 and divide Dm = "
                    + dm);
        }
        if (b.shape(lead + 1) != ns) {
            throw new IllegalArgumentException("B: shape[" + (lead + 1) + "] = " + b.shape(lead + 1)
                    + " must be Ns = " + ns + " (A's second dim)");
        }
        Checks.floatTensor(c, "C", lead + 2, bShape, reference);
        if (!Checks.sameShape(c, b)) {
            throw new IllegalArgumentException("C: shape " + Arrays.toString(c.shape()) + " must equal B's "
                    + Arrays.toString(b.shape()));
        }
        if (o.d() != null) Checks.floatShaped(o.d(), "D", "[Dm]", reference, dm);
        if (o.deltaBias() != null) Checks.floatShaped(o.deltaBias(), "deltaBias", "[Dm]", reference, dm);
        long batch = o.varlen() ? o.cuSeqlens().shape(0) - 1 : u.shape(0);
        if (o.varlen()) requireUsable(o.cuSeqlens(), "cuSeqlens");
        if (o.stateIn() != null) Checks.floatShaped(o.stateIn(), "stateIn", "[B, Dm, Ns]", reference, batch, dm, ns);
    }

    /** out like u and stateOut {@code [B, Dm, Ns]}: writable, apart from every input (step: stateOut may be stateIn). */
    private static void checkOutputs(Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c, SelectiveScanOptions o,
                                     Tensor out, Tensor stateOut, boolean step, boolean reference) {
        Checks.floatLike(out, "out", u, "u", reference);
        Checks.requireWritable(out, "out");
        boolean inPlace = false;
        if (stateOut != null) {
            long batch = o.varlen() ? o.cuSeqlens().shape(0) - 1 : u.shape(0);
            Checks.floatShaped(stateOut, "stateOut", "[B, Dm, Ns]", reference, batch, a.shape(0), a.shape(1));
            Checks.requireWritable(stateOut, "stateOut");
            inPlace = step && Checks.sameView(stateOut, o.stateIn());
            requireDisjoint(stateOut, "stateOut", out, "out");
        }
        Checks.apartFromOutputs(out, stateOut, u, "u");
        Checks.apartFromOutputs(out, stateOut, delta, "delta");
        Checks.apartFromOutputs(out, stateOut, a, "A");
        Checks.apartFromOutputs(out, stateOut, b, "B");
        Checks.apartFromOutputs(out, stateOut, c, "C");
        Checks.apartFromOutputs(out, stateOut, o.d(), "D");
        Checks.apartFromOutputs(out, stateOut, o.z(), "z");
        Checks.apartFromOutputs(out, stateOut, o.deltaBias(), "deltaBias");
        Checks.apartFromOutputs(out, stateOut, o.cuSeqlens(), "cuSeqlens");
        requireDisjoint(out, "out", o.stateIn(), "stateIn");
        if (!inPlace) requireDisjoint(stateOut, "stateOut", o.stateIn(), "stateIn");
    }

    /** {@code pmx_selective_scan} with {@code pmx_selective_scan_workspace_size}. */
    public static NativeFunction scan() {
        return Scan.FUNCTION;
    }

    /** {@code pmx_selective_scan_step}. */
    public static NativeFunction step() {
        return Step.FUNCTION;
    }

    /** {@code pmx_selective_scan_reference}. */
    public static NativeFunction reference() {
        return Reference.FUNCTION;
    }

    /** {@code pmx_bench_selective_scan_sequential} (a benchmark baseline: the plain fp32 loop, one thread). */
    public static NativeFunction sequential() {
        return Sequential.FUNCTION;
    }

    private static final class Sequential {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_bench_selective_scan_sequential",
                Panamax_h.pmx_bench_selective_scan_sequential$address());
    }

    private static final class Scan {
        static final NativeFunction FUNCTION = NativeFunction.withWorkspace("pmx_selective_scan",
                Panamax_h.pmx_selective_scan$address(), Panamax_h.pmx_selective_scan_workspace_size$address());
    }

    private static final class Step {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_selective_scan_step",
                Panamax_h.pmx_selective_scan_step$address());
    }

    private static final class Reference {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_selective_scan_reference",
                Panamax_h.pmx_selective_scan_reference$address());
    }
}
