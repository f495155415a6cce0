package dev.panamax.internal;

import static dev.panamax.internal.Checks.requireDisjoint;
import static dev.panamax.internal.Checks.requireUsable;

import dev.panamax.CausalConv1dOptions;
import dev.panamax.Context;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.Panamax_h;
import dev.panamax.internal.ffi.pmx_causal_conv1d_params;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code pmx_causal_conv1d_params} layout and the entry points that take it, with the checks of
 * {@code panamax.h}'s causal conv1d table made before any downcall.
 */
public final class Conv1dParams {
    /** PMX_MAX_CONV1D_WIDTH: the widest kernel W. */
    public static final long MAX_WIDTH = Panamax_h.PMX_MAX_CONV1D_WIDTH();

    private static final long STRUCT_SIZE = pmx_causal_conv1d_params.struct_size$offset();
    private static final long X = pmx_causal_conv1d_params.x$offset();
    private static final long WEIGHT = pmx_causal_conv1d_params.weight$offset();
    private static final long BIAS = pmx_causal_conv1d_params.bias$offset();
    private static final long STATE_IN = pmx_causal_conv1d_params.state_in$offset();
    private static final long CU_SEQLENS = pmx_causal_conv1d_params.cu_seqlens$offset();
    private static final long SILU = pmx_causal_conv1d_params.silu$offset();
    private static final long RESERVED = pmx_causal_conv1d_params.reserved$offset();
    private static final long OUT = pmx_causal_conv1d_params.out$offset();
    private static final long STATE_OUT = pmx_causal_conv1d_params.state_out$offset();

    private Conv1dParams() {}

    /**
     * The whole call: checks the arguments (before any downcall), fills the params struct and runs {@code f}.
     *
     * @param options null means {@link CausalConv1dOptions#defaults()}
     */
    public static void run(NativeFunction f, Context ctx, Tensor x, Tensor weight, CausalConv1dOptions options,
                           Tensor out, Tensor stateOut) {
        CausalConv1dOptions o = options == null ? CausalConv1dOptions.defaults() : options;
        Checks.requireNonNull(ctx, "ctx");
        boolean step = f == step(), reference = f == reference();
        checkInputs(x, weight, o, step, reference);
        checkOutputs(x, weight, o, out, stateOut, step, reference);
        try (NativeCall call = NativeCall.begin(ctx)) {
            MemorySegment p = call.params();
            p.set(ValueLayout.JAVA_LONG, STRUCT_SIZE, pmx_causal_conv1d_params.sizeof());
            call.tensor(X, x);
            call.tensor(WEIGHT, weight);
            call.tensor(BIAS, o.bias());
            call.tensor(STATE_IN, o.stateIn());
            call.tensor(CU_SEQLENS, o.cuSeqlens());
            p.set(ValueLayout.JAVA_INT, SILU, o.silu() ? 1 : 0);
            p.set(ValueLayout.JAVA_INT, RESERVED, 0);
            call.tensor(OUT, out);
            call.tensor(STATE_OUT, stateOut);
            call.run(f);
        }
    }

    /**
     * x {@code [B, L, C]} / {@code [total, C]} / {@code [B, C]} (step), weight {@code [C, W]} with
     * {@code 1 <= W <= 8}, bias {@code [C]}, stateIn {@code [B, C, W - 1]}.
     */
    public static void checkInputs(Tensor x, Tensor weight, CausalConv1dOptions o, boolean step, boolean reference) {
        if (step && o.varlen()) {
            throw new IllegalArgumentException("cuSeqlens: the step form takes one token per sequence ([B, C]), "
                    + "no cuSeqlens");
        }
        int rank = step || o.varlen() ? 2 : 3;
        Checks.floatTensor(x, "x", rank, step ? "[B, C] (step)" : o.varlen() ? "[total, C] (varlen)" : "[B, L, C]",
                reference);
        long c = x.shape(rank - 1);
        Checks.floatTensor(weight, "weight", 2, "[C, W]", reference);
        if (weight.shape(0) != c) {
            throw new IllegalArgumentException("weight: shape[0] = " + weight.shape(0) + " must be x's C = " + c);
        }
        long w = weight.shape(1);
        if (w < 1 || w > MAX_WIDTH) {
            throw new IllegalArgumentException("weight: width W = " + w + " must be in 1.." + MAX_WIDTH);
        }
        if (o.bias() != null) Checks.floatShaped(o.bias(), "bias", "[C]", reference, c);
        if (o.varlen()) requireUsable(o.cuSeqlens(), "cuSeqlens");
        long batch = o.varlen() ? o.cuSeqlens().shape(0) - 1 : x.shape(0);
        if (o.stateIn() != null) Checks.floatShaped(o.stateIn(), "stateIn", "[B, C, W - 1]", reference, batch, c, w - 1);
    }

    /** out like x and stateOut {@code [B, C, W - 1]}: writable, apart from every input (step: stateOut may be stateIn). */
    private static void checkOutputs(Tensor x, Tensor weight, CausalConv1dOptions o, Tensor out, Tensor stateOut,
                                     boolean step, boolean reference) {
        Checks.floatLike(out, "out", x, "x", reference);
        Checks.requireWritable(out, "out");
        boolean inPlace = false;
        if (stateOut != null) {
            long batch = o.varlen() ? o.cuSeqlens().shape(0) - 1 : x.shape(0);
            Checks.floatShaped(stateOut, "stateOut", "[B, C, W - 1]", reference, batch, weight.shape(0),
                    weight.shape(1) - 1);
            Checks.requireWritable(stateOut, "stateOut");
            inPlace = step && Checks.sameView(stateOut, o.stateIn());
            requireDisjoint(stateOut, "stateOut", out, "out");
        }
        Checks.apartFromOutputs(out, stateOut, x, "x");
        Checks.apartFromOutputs(out, stateOut, weight, "weight");
        Checks.apartFromOutputs(out, stateOut, o.bias(), "bias");
        Checks.apartFromOutputs(out, stateOut, o.cuSeqlens(), "cuSeqlens");
        requireDisjoint(out, "out", o.stateIn(), "stateIn");
        if (!inPlace) requireDisjoint(stateOut, "stateOut", o.stateIn(), "stateIn");
    }

    /** {@code pmx_causal_conv1d}. */
    public static NativeFunction full() {
        return Full.FUNCTION;
    }

    /** {@code pmx_causal_conv1d_step}. */
    public static NativeFunction step() {
        return Step.FUNCTION;
    }

    /** {@code pmx_causal_conv1d_reference}. */
    public static NativeFunction reference() {
        return Reference.FUNCTION;
    }

    private static final class Full {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_causal_conv1d",
                Panamax_h.pmx_causal_conv1d$address());
    }

    private static final class Step {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_causal_conv1d_step",
                Panamax_h.pmx_causal_conv1d_step$address());
    }

    private static final class Reference {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_causal_conv1d_reference",
                Panamax_h.pmx_causal_conv1d_reference$address());
    }
}
