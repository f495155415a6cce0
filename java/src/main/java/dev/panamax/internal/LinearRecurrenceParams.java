package dev.panamax.internal;

import static dev.panamax.internal.Checks.requireDisjoint;

import dev.panamax.Context;
import dev.panamax.LinearRecurrenceOptions;
import dev.panamax.LinearRule;
import dev.panamax.Tensor;
import dev.panamax.internal.LinearAttentionParams.Form;
import dev.panamax.internal.ffi.Panamax_h;
import dev.panamax.internal.ffi.pmx_linear_recurrence_params;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code pmx_linear_recurrence_params} layout and the entry points that take it, with the checks of
 * {@code panamax.h}'s update-rule table made before any downcall (the decay and beta values are the library's to
 * check).
 */
public final class LinearRecurrenceParams {
    /** PMX_LINEAR_DEFAULT_CHUNK. */
    public static final long DEFAULT_CHUNK = LinearAttentionParams.DEFAULT_CHUNK;
    /** PMX_MAX_LINEAR_CHUNK. */
    public static final long MAX_CHUNK = LinearAttentionParams.MAX_CHUNK;
    /** PMX_MAX_LINEAR_FEATURES: the largest key dim Dk. */
    public static final long MAX_KEY_DIM = LinearAttentionParams.MAX_FEATURES;
    /** PMX_MAX_LINEAR_HEAD_DIM: the largest value dim Dv. */
    public static final long MAX_HEAD_DIM = LinearAttentionParams.MAX_HEAD_DIM;

    private static final long STRUCT_SIZE = pmx_linear_recurrence_params.struct_size$offset();
    private static final long Q = pmx_linear_recurrence_params.q$offset();
    private static final long K = pmx_linear_recurrence_params.k$offset();
    private static final long V = pmx_linear_recurrence_params.v$offset();
    private static final long DECAY = pmx_linear_recurrence_params.decay$offset();
    private static final long BETA = pmx_linear_recurrence_params.beta$offset();
    private static final long STATE_IN = pmx_linear_recurrence_params.state_in$offset();
    private static final long RULE = pmx_linear_recurrence_params.rule$offset();
    private static final long RESERVED = pmx_linear_recurrence_params.reserved$offset();
    private static final long CHUNK = pmx_linear_recurrence_params.chunk$offset();
    private static final long OUT = pmx_linear_recurrence_params.out$offset();
    private static final long STATE_OUT = pmx_linear_recurrence_params.state_out$offset();

    private LinearRecurrenceParams() {}

    /**
     * The whole call: checks the arguments (before any downcall), fills the params struct and runs the entry
     * point of {@code form}.
     *
     * @param options null means {@link LinearRecurrenceOptions#defaults()}
     */
    public static void run(Form form, Context ctx, LinearRule rule, Tensor q, Tensor k, Tensor v,
                           LinearRecurrenceOptions options, Tensor out, Tensor stateOut) {
        LinearRecurrenceOptions o = options == null ? LinearRecurrenceOptions.defaults() : options;
        Checks.requireNonNull(ctx, "ctx");
        boolean step = form == Form.STEP, reference = form == Form.REFERENCE;
        checkInputs(rule, q, k, v, o, step, reference);
        checkOutputs(q, k, v, o, out, stateOut, step, reference);
        try (NativeCall call = NativeCall.begin(ctx)) {
            MemorySegment p = call.params();
            p.set(ValueLayout.JAVA_LONG, STRUCT_SIZE, pmx_linear_recurrence_params.sizeof());
            call.tensor(Q, q);
            call.tensor(K, k);
            call.tensor(V, v);
            call.tensor(DECAY, o.decay());
            call.tensor(BETA, o.beta());
            call.tensor(STATE_IN, o.stateIn());
            p.set(ValueLayout.JAVA_INT, RULE, rule.code());
            p.set(ValueLayout.JAVA_INT, RESERVED, 0);
            p.set(ValueLayout.JAVA_LONG, CHUNK, o.chunk());
            call.tensor(OUT, out);
            call.tensor(STATE_OUT, stateOut);
            call.run(function(form));
        }
    }

    /**
     * The inputs of {@code panamax.h}'s table: q, k, v as for linear attention; decay {@code [B, N, Hkv]} or
     * ({@link LinearRule#GATED}) {@code [B, N, Hkv, Dk]}, exactly for the gated rules; beta {@code [B, N, Hkv]},
     * exactly for the delta rules (step: without N); stateIn {@code [B, Hkv, Dk, Dv]}.
     */
    public static void checkInputs(LinearRule rule, Tensor q, Tensor k, Tensor v, LinearRecurrenceOptions o,
                                   boolean step, boolean reference) {
        Checks.requireNonNull(rule, "rule");
        if (step && o.chunk() != 0) throw new IllegalArgumentException("chunk: the step form has no chunks (give 0)");
        LinearAttentionParams.checkQkv(q, k, v, step, reference);
        int lead = step ? 1 : 2;
        long batch = q.shape(0), kvHeads = k.shape(lead), dk = q.shape(lead + 1), dv = v.shape(lead + 1);
        Tensor decay = o.decay(), beta = o.beta();
        if (rule.gated()) {
            if (decay == null) {
                throw new IllegalArgumentException("decay: the " + rule + " rule needs one (" + tokenShape(step, false)
                        + (rule == LinearRule.GATED ? " or " + tokenShape(step, true) : "") + ")");
            }
            Checks.requireUsable(decay, "decay");
            boolean perKey = decay.rank() == lead + 2;
            if (perKey && rule != LinearRule.GATED) {
                throw new IllegalArgumentException("decay: a decay per key dim " + tokenShape(step, true)
                        + " is for the GATED rule only; " + rule + " takes " + tokenShape(step, false));
            }
            if (!perKey && decay.rank() != lead + 1 && rule == LinearRule.GATED) {
                throw new IllegalArgumentException("decay: expected rank " + (lead + 1) + " " + tokenShape(step, false)
                        + " or " + (lead + 2) + " " + tokenShape(step, true) + ", got rank " + decay.rank());
            }
            checkPerToken(decay, "decay", q, kvHeads, perKey ? dk : -1, step, reference);
        } else if (decay != null) {
            throw new IllegalArgumentException("decay: the " + rule + " rule takes none (only GATED and GATED_DELTA)");
        }
        if (rule.delta()) {
            if (beta == null) {
                throw new IllegalArgumentException("beta: the " + rule + " rule needs one (" + tokenShape(step, false)
                        + ")");
            }
            checkPerToken(beta, "beta", q, kvHeads, -1, step, reference);
        } else if (beta != null) {
            throw new IllegalArgumentException("beta: the " + rule + " rule takes none (only DELTA and GATED_DELTA)");
        }
        if (o.stateIn() != null) {
            Checks.floatShaped(o.stateIn(), "stateIn", "[B, Hkv, Dk, Dv]", reference, batch, kvHeads, dk, dv);
        }
    }

    /** The shape of a decay or beta in messages: constants, so the success path builds no string. */
    private static String tokenShape(boolean step, boolean perKey) {
        if (step) return perKey ? "[B, Hkv, Dk] (step)" : "[B, Hkv] (step)";
        return perKey ? "[B, N, Hkv, Dk]" : "[B, N, Hkv]";
    }

    /** {@code t} is {@code [B, N, Hkv]} (or {@code [B, N, Hkv, Dk]} when {@code dk >= 0}), step without N. */
    private static void checkPerToken(Tensor t, String name, Tensor q, long kvHeads, long dk, boolean step,
                                      boolean reference) {
        boolean perKey = dk >= 0;
        String shape = tokenShape(step, perKey);
        if (step) {
            if (perKey) Checks.floatShaped(t, name, shape, reference, q.shape(0), kvHeads, dk);
            else {
                Checks.floatTensor(t, name, 2, shape, reference);
                if (t.shape(0) != q.shape(0) || t.shape(1) != kvHeads) {
                    throw new IllegalArgumentException(name + ": shape [" + t.shape(0) + ", " + t.shape(1)
                            + "] must be " + shape + " = [" + q.shape(0) + ", " + kvHeads + "]");
                }
            }
        } else if (perKey) {
            Checks.floatShaped(t, name, shape, reference, q.shape(0), q.shape(1), kvHeads, dk);
        } else {
            Checks.floatShaped(t, name, shape, reference, q.shape(0), q.shape(1), kvHeads);
        }
    }

    /** out and stateOut {@code [B, Hkv, Dk, Dv]}: writable, apart from every input (step: in place allowed). */
    private static void checkOutputs(Tensor q, Tensor k, Tensor v, LinearRecurrenceOptions o, Tensor out,
                                     Tensor stateOut, boolean step, boolean reference) {
        LinearAttentionParams.checkOut(q, v, out, step, reference);
        int lead = step ? 1 : 2;
        if (step && stateOut == null) {
            throw new IllegalArgumentException("stateOut: the step form needs one (the state after the token; it "
                    + "may be stateIn itself)");
        }
        boolean inPlace = false;
        if (stateOut != null) {
            Checks.floatShaped(stateOut, "stateOut", "[B, Hkv, Dk, Dv]", reference, q.shape(0), k.shape(lead),
                    q.shape(lead + 1), v.shape(lead + 1));
            Checks.requireWritable(stateOut, "stateOut");
            inPlace = step && Checks.sameView(stateOut, o.stateIn());
            requireDisjoint(stateOut, "stateOut", out, "out");
        }
        Checks.apartFromOutputs(out, stateOut, q, "q");
        Checks.apartFromOutputs(out, stateOut, k, "k");
        Checks.apartFromOutputs(out, stateOut, v, "v");
        Checks.apartFromOutputs(out, stateOut, o.decay(), "decay");
        Checks.apartFromOutputs(out, stateOut, o.beta(), "beta");
        requireDisjoint(out, "out", o.stateIn(), "stateIn");
        if (!inPlace) requireDisjoint(stateOut, "stateOut", o.stateIn(), "stateIn");
    }

    private static NativeFunction function(Form form) {
        return switch (form) {
            case RUN -> Run.FUNCTION;
            case STEP -> Step.FUNCTION;
            case REFERENCE -> Reference.FUNCTION;
        };
    }

    private static final class Run {
        static final NativeFunction FUNCTION = NativeFunction.withWorkspace("pmx_linear_recurrence",
                Panamax_h.pmx_linear_recurrence$address(), Panamax_h.pmx_linear_recurrence_workspace_size$address());
    }

    private static final class Step {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_linear_recurrence_step",
                Panamax_h.pmx_linear_recurrence_step$address());
    }

    private static final class Reference {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_linear_recurrence_reference",
                Panamax_h.pmx_linear_recurrence_reference$address());
    }
}
