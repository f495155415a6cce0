package dev.panamax.internal;

import static dev.panamax.internal.Checks.requireDisjoint;
import static dev.panamax.internal.Checks.requireUsable;

import dev.panamax.Context;
import dev.panamax.SsdOptions;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.Panamax_h;
import dev.panamax.internal.ffi.pmx_ssd_params;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The {@code pmx_ssd_params} layout and the entry points that take it, with the checks of {@code panamax.h}'s
 * SSD table made before any downcall.
 */
public final class SsdParams {
    /** PMX_SSD_DEFAULT_CHUNK. */
    public static final long DEFAULT_CHUNK = Panamax_h.PMX_SSD_DEFAULT_CHUNK();
    /** PMX_MAX_SSD_CHUNK. */
    public static final long MAX_CHUNK = Panamax_h.PMX_MAX_SSD_CHUNK();

    /** PMX_MAX_SSD_STATE: the largest state size N. */
    public static final long MAX_STATE = Panamax_h.PMX_MAX_SSD_STATE();
    /** PMX_MAX_SSD_HEAD_DIM: the largest head dim P. */
    public static final long MAX_HEAD_DIM = Panamax_h.PMX_MAX_SSD_HEAD_DIM();

    private static final long STRUCT_SIZE = pmx_ssd_params.struct_size$offset();
    private static final long X = pmx_ssd_params.x$offset();
    private static final long DT = pmx_ssd_params.dt$offset();
    private static final long A = pmx_ssd_params.A$offset();
    private static final long B = pmx_ssd_params.B$offset();
    private static final long C = pmx_ssd_params.C$offset();
    private static final long D = pmx_ssd_params.D$offset();
    private static final long DT_BIAS = pmx_ssd_params.dt_bias$offset();
    private static final long STATE_IN = pmx_ssd_params.state_in$offset();
    private static final long CU_SEQLENS = pmx_ssd_params.cu_seqlens$offset();
    private static final long DT_SOFTPLUS = pmx_ssd_params.dt_softplus$offset();
    private static final long RESERVED = pmx_ssd_params.reserved$offset();
    private static final long CHUNK = pmx_ssd_params.chunk$offset();
    private static final long OUT = pmx_ssd_params.out$offset();
    private static final long STATE_OUT = pmx_ssd_params.state_out$offset();

    private SsdParams() {}

    /**
     * The whole call: checks the arguments (before any downcall), fills the params struct and runs {@code f}.
     *
     * @param options null means {@link SsdOptions#defaults()}
     */
    public static void run(NativeFunction f, Context ctx, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c,
                           SsdOptions options, Tensor out, Tensor stateOut) {
        SsdOptions o = options == null ? SsdOptions.defaults() : options;
        Checks.requireNonNull(ctx, "ctx");
        boolean step = f == step(), reference = f == reference();
        checkInputs(x, dt, a, b, c, o, step, reference);
        checkOutputs(x, dt, a, b, c, o, out, stateOut, step, reference);
        try (NativeCall call = NativeCall.begin(ctx)) {
            MemorySegment p = call.params();
            p.set(ValueLayout.JAVA_LONG, STRUCT_SIZE, pmx_ssd_params.sizeof());
            call.tensor(X, x);
            call.tensor(DT, dt);
            call.tensor(A, a);
            call.tensor(B, b);
            call.tensor(C, c);
            call.tensor(D, o.d());
            call.tensor(DT_BIAS, o.dtBias());
            call.tensor(STATE_IN, o.stateIn());
            call.tensor(CU_SEQLENS, o.cuSeqlens());
            p.set(ValueLayout.JAVA_INT, DT_SOFTPLUS, o.dtSoftplus() ? 1 : 0);
            p.set(ValueLayout.JAVA_INT, RESERVED, 0);
            p.set(ValueLayout.JAVA_LONG, CHUNK, o.chunk());
            call.tensor(OUT, out);
            call.tensor(STATE_OUT, stateOut);
            call.run(f);
        }
    }

    /**
     * The inputs of {@code panamax.h}'s table: x {@code [B, L, H, P]} / {@code [total, H, P]} /
     * {@code [B, H, P]}; dt {@code [B, L, H]} / {@code [total, H]} / {@code [B, H]}; A {@code [H]}; B, C
     * {@code [B, L, G, N]} / {@code [total, G, N]} / {@code [B, G, N]} with G dividing H; D, dtBias
     * {@code [H]}; stateIn {@code [B, H, P, N]}.
     */
    public static void checkInputs(Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, SsdOptions o, boolean step,
                                   boolean reference) {
        if (step && o.varlen()) {
            throw new IllegalArgumentException("cuSeqlens: the step form takes one token per sequence ([B, H, P]), "
                    + "no cuSeqlens");
        }
        if (step && o.chunk() != 0) throw new IllegalArgumentException("chunk: the step form has no chunks (give 0)");
        int lead = step || o.varlen() ? 1 : 2;
        String xShape = step ? "[B, H, P] (step)" : o.varlen() ? "[total, H, P] (varlen)" : "[B, L, H, P]";
        Checks.floatTensor(x, "x", lead + 2, xShape, reference);
        long heads = x.shape(lead);
        if (x.shape(lead + 1) > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("x: the head dim P = " + x.shape(lead + 1) + " must be at most "
                    + MAX_HEAD_DIM);
        }
        String dtShape = step ? "[B, H] (step)" : o.varlen() ? "[total, H] (varlen)" : "[B, L, H]";
        Checks.floatTensor(dt, "dt", lead + 1, dtShape, reference);
        for (int i = 0; i <= lead; i++) {
            if (dt.shape(i) != x.shape(i)) {
                throw new IllegalArgumentException("dt: shape[" + i + "] = " + dt.shape(i) + " must be x's "
                        + x.shape(i));
            }
        }
        Checks.floatShaped(a, "A", "[H]", reference, heads);
        String bShape = step ? "[B, G, N] (step)" : o.varlen() ? "[total, G, N] (varlen)" : "[B, L, G, N]";
        Checks.floatTensor(b, "B", lead + 2, bShape, reference);
        for (int i = 0; i < lead; i++) {
            if (b.shape(i) != x.shape(i)) {
                throw new IllegalArgumentException("B: shape[" + i + "] = " + b.shape(i) + " must be x's " + x.shape(i));
            }
        }
        long groups = b.shape(lead);
        if (groups < 1 || heads % groups != 0) {
            throw new IllegalArgumentException("B: the group count G = " + groups + " must be >= 1 and divide H = "
                    + heads);
        }
        if (b.shape(lead + 1) < 1 || b.shape(lead + 1) > MAX_STATE) {
            throw new IllegalArgumentException("B: the state size N = " + b.shape(lead + 1) + " must be in 1.."
                    + MAX_STATE);
        }
        Checks.floatTensor(c, "C", lead + 2, bShape, reference);
        if (!Checks.sameShape(c, b)) {
            throw new IllegalArgumentException("C: shape " + Arrays.toString(c.shape()) + " must equal B's "
                    + Arrays.toString(b.shape()));
        }
        if (o.d() != null) Checks.floatShaped(o.d(), "D", "[H]", reference, heads);
        if (o.dtBias() != null) Checks.floatShaped(o.dtBias(), "dtBias", "[H]", reference, heads);
        if (o.varlen()) requireUsable(o.cuSeqlens(), "cuSeqlens");
        if (o.stateIn() != null) {
            Checks.floatShaped(o.stateIn(), "stateIn", "[B, H, P, N]", reference, batch(x, o), heads,
                    x.shape(lead + 1), b.shape(lead + 1));
        }
    }

    private static long batch(Tensor x, SsdOptions o) {
        return o.varlen() ? o.cuSeqlens().shape(0) - 1 : x.shape(0);
    }

    /** out like x and stateOut {@code [B, H, P, N]}: writable, apart from every input (step: in place allowed). */
    private static void checkOutputs(Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, SsdOptions o, Tensor out,
                                     Tensor stateOut, boolean step, boolean reference) {
        Checks.floatLike(out, "out", x, "x", reference);
        Checks.requireWritable(out, "out");
        boolean inPlace = false;
        if (stateOut != null) {
            int lead = x.rank() - 2;
            Checks.floatShaped(stateOut, "stateOut", "[B, H, P, N]", reference, batch(x, o), x.shape(lead),
                    x.shape(lead + 1), b.shape(lead + 1));
            Checks.requireWritable(stateOut, "stateOut");
            inPlace = step && Checks.sameView(stateOut, o.stateIn());
            requireDisjoint(stateOut, "stateOut", out, "out");
        }
        Checks.apartFromOutputs(out, stateOut, x, "x");
        Checks.apartFromOutputs(out, stateOut, dt, "dt");
        Checks.apartFromOutputs(out, stateOut, a, "A");
        Checks.apartFromOutputs(out, stateOut, b, "B");
        Checks.apartFromOutputs(out, stateOut, c, "C");
        Checks.apartFromOutputs(out, stateOut, o.d(), "D");
        Checks.apartFromOutputs(out, stateOut, o.dtBias(), "dtBias");
        Checks.apartFromOutputs(out, stateOut, o.cuSeqlens(), "cuSeqlens");
        requireDisjoint(out, "out", o.stateIn(), "stateIn");
        if (!inPlace) requireDisjoint(stateOut, "stateOut", o.stateIn(), "stateIn");
    }

    /** {@code pmx_ssd} with {@code pmx_ssd_workspace_size}. */
    public static NativeFunction ssd() {
        return Ssd.FUNCTION;
    }

    /** {@code pmx_ssd_step}. */
    public static NativeFunction step() {
        return Step.FUNCTION;
    }

    /** {@code pmx_ssd_reference}. */
    public static NativeFunction reference() {
        return Reference.FUNCTION;
    }

    private static final class Ssd {
        static final NativeFunction FUNCTION = NativeFunction.withWorkspace("pmx_ssd", Panamax_h.pmx_ssd$address(),
                Panamax_h.pmx_ssd_workspace_size$address());
    }

    private static final class Step {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_ssd_step", Panamax_h.pmx_ssd_step$address());
    }

    private static final class Reference {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_ssd_reference",
                Panamax_h.pmx_ssd_reference$address());
    }
}
