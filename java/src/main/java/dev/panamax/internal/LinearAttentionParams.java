package dev.panamax.internal;

import static dev.panamax.internal.Checks.requireDisjoint;

import dev.panamax.Context;
import dev.panamax.FeatureMap;
import dev.panamax.LinearAttentionOptions;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.Panamax_h;
import dev.panamax.internal.ffi.pmx_favor_params;
import dev.panamax.internal.ffi.pmx_linear_attention_params;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The {@code pmx_linear_attention_params} and {@code pmx_favor_params} layouts and the entry points that take
 * them, with the checks of {@code panamax.h}'s linear attention table made before any downcall. Also the q, k,
 * v checks {@link LinearRecurrenceParams} shares.
 */
public final class LinearAttentionParams {
    /** PMX_LINEAR_DEFAULT_CHUNK. */
    public static final long DEFAULT_CHUNK = Panamax_h.PMX_LINEAR_DEFAULT_CHUNK();
    /** PMX_MAX_LINEAR_CHUNK. */
    public static final long MAX_CHUNK = Panamax_h.PMX_MAX_LINEAR_CHUNK();
    /** PMX_MAX_LINEAR_FEATURES: the largest key dim Dk and feature count F. */
    public static final long MAX_FEATURES = Panamax_h.PMX_MAX_LINEAR_FEATURES();
    /** PMX_MAX_LINEAR_HEAD_DIM: the largest value dim Dv. */
    public static final long MAX_HEAD_DIM = Panamax_h.PMX_MAX_LINEAR_HEAD_DIM();

    /** Which entry point a call takes. The functions are looked up on first use (not by the Java checks). */
    public enum Form {
        /** {@code pmx_linear_attention} with {@code pmx_linear_attention_workspace_size}. */
        RUN,
        /** {@code pmx_linear_attention_step}: one token per sequence. */
        STEP,
        /** {@code pmx_linear_attention_reference}: float64, F32 or F64 tensors. */
        REFERENCE
    }

    private static final long STRUCT_SIZE = pmx_linear_attention_params.struct_size$offset();
    private static final long Q = pmx_linear_attention_params.q$offset();
    private static final long K = pmx_linear_attention_params.k$offset();
    private static final long V = pmx_linear_attention_params.v$offset();
    private static final long RANDOM_MATRIX = pmx_linear_attention_params.random_matrix$offset();
    private static final long STATE_IN = pmx_linear_attention_params.state_in$offset();
    private static final long NORM_IN = pmx_linear_attention_params.norm_in$offset();
    private static final long FEATURE_MAP = pmx_linear_attention_params.feature_map$offset();
    private static final long CAUSAL = pmx_linear_attention_params.causal$offset();
    private static final long NORMALIZE = pmx_linear_attention_params.normalize$offset();
    private static final long RESERVED = pmx_linear_attention_params.reserved$offset();
    private static final long EPS = pmx_linear_attention_params.eps$offset();
    private static final long CHUNK = pmx_linear_attention_params.chunk$offset();
    private static final long OUT = pmx_linear_attention_params.out$offset();
    private static final long STATE_OUT = pmx_linear_attention_params.state_out$offset();
    private static final long NORM_OUT = pmx_linear_attention_params.norm_out$offset();

    private static final long FAVOR_STRUCT_SIZE = pmx_favor_params.struct_size$offset();
    private static final long FAVOR_SEED = pmx_favor_params.seed$offset();
    private static final long FAVOR_MATRIX = pmx_favor_params.random_matrix$offset();

    private LinearAttentionParams() {}

    /**
     * The whole call: checks the arguments (before any downcall), fills the params struct and runs the entry
     * point of {@code form}. A step is causal whatever the options say.
     *
     * @param options null means {@link LinearAttentionOptions#defaults()}
     */
    public static void run(Form form, Context ctx, Tensor q, Tensor k, Tensor v, LinearAttentionOptions options,
                           Tensor out, Tensor stateOut, Tensor normOut) {
        LinearAttentionOptions o = options == null ? LinearAttentionOptions.defaults() : options;
        Checks.requireNonNull(ctx, "ctx");
        boolean step = form == Form.STEP, reference = form == Form.REFERENCE;
        checkInputs(q, k, v, o, step, reference);
        checkOutputs(q, k, v, o, out, stateOut, normOut, step, reference);
        try (NativeCall call = NativeCall.begin(ctx)) {
            MemorySegment p = call.params();
            p.set(ValueLayout.JAVA_LONG, STRUCT_SIZE, pmx_linear_attention_params.sizeof());
            call.tensor(Q, q);
            call.tensor(K, k);
            call.tensor(V, v);
            call.tensor(RANDOM_MATRIX, o.randomMatrix());
            call.tensor(STATE_IN, o.stateIn());
            call.tensor(NORM_IN, o.normIn());
            p.set(ValueLayout.JAVA_INT, FEATURE_MAP, o.featureMap().code());
            p.set(ValueLayout.JAVA_INT, CAUSAL, step || o.causal() ? 1 : 0);
            p.set(ValueLayout.JAVA_INT, NORMALIZE, o.normalize() ? 1 : 0);
            p.set(ValueLayout.JAVA_INT, RESERVED, 0);
            p.set(ValueLayout.JAVA_DOUBLE, EPS, o.eps());
            p.set(ValueLayout.JAVA_LONG, CHUNK, o.chunk());
            call.tensor(OUT, out);
            call.tensor(STATE_OUT, stateOut);
            call.tensor(NORM_OUT, normOut);
            call.run(function(form));
        }
    }

    /**
     * The inputs of {@code panamax.h}'s table: q {@code [B, N, H, Dk]}, k {@code [B, N, Hkv, Dk]}, v
     * {@code [B, N, Hkv, Dv]} (step: without N); randomMatrix {@code [m, Dk]}; stateIn {@code [B, Hkv, F, Dv]};
     * normIn {@code [B, Hkv, F]}.
     */
    public static void checkInputs(Tensor q, Tensor k, Tensor v, LinearAttentionOptions o, boolean step,
                                   boolean reference) {
        if (step && o.chunk() != 0) throw new IllegalArgumentException("chunk: the step form has no chunks (give 0)");
        checkQkv(q, k, v, step, reference);
        int lead = step ? 1 : 2;
        long dk = q.shape(lead + 1);
        if (o.featureMap() == FeatureMap.FAVOR) {
            Tensor w = o.randomMatrix();
            Checks.floatTensor(w, "randomMatrix", 2, "[m, Dk]", reference);
            if (w.shape(1) != dk) {
                throw new IllegalArgumentException("randomMatrix: shape " + Arrays.toString(w.shape())
                        + " must be [m, Dk] with q's Dk = " + dk);
            }
            if (w.shape(0) < 1 || w.shape(0) > MAX_FEATURES) {
                throw new IllegalArgumentException("randomMatrix: the feature count m = " + w.shape(0)
                        + " must be in 1.." + MAX_FEATURES);
            }
        }
        long f = features(q, o, step);
        long batch = q.shape(0), kvHeads = k.shape(lead), dv = v.shape(lead + 1);
        if (o.stateIn() != null) {
            Checks.floatShaped(o.stateIn(), "stateIn", "[B, Hkv, F, Dv]", reference, batch, kvHeads, f, dv);
        }
        if (o.normIn() != null) Checks.floatShaped(o.normIn(), "normIn", "[B, Hkv, F]", reference, batch, kvHeads, f);
    }

    /** F: the rows of the random matrix for FAVOR, else Dk. The inputs are checked. */
    public static long features(Tensor q, LinearAttentionOptions o, boolean step) {
        return o.featureMap() == FeatureMap.FAVOR ? o.randomMatrix().shape(0) : q.shape(step ? 2 : 3);
    }

    /**
     * q {@code [B, N, H, Dk]}, k {@code [B, N, Hkv, Dk]}, v {@code [B, N, Hkv, Dv]} (step: {@code [B, H, Dk]},
     * {@code [B, Hkv, Dk]}, {@code [B, Hkv, Dv]}) with Hkv dividing H, {@code 1 <= Dk <= MAX_FEATURES},
     * {@code 1 <= Dv <= MAX_HEAD_DIM}: the layout both linear attention and the recurrences take.
     */
    static void checkQkv(Tensor q, Tensor k, Tensor v, boolean step, boolean reference) {
        int lead = step ? 1 : 2;
        Checks.floatTensor(q, "q", lead + 2, step ? "[B, H, Dk] (step)" : "[B, N, H, Dk]", reference);
        long heads = q.shape(lead), dk = q.shape(lead + 1);
        if (dk < 1 || dk > MAX_FEATURES) {
            throw new IllegalArgumentException("q: the key dim Dk = " + dk + " must be in 1.." + MAX_FEATURES);
        }
        Checks.floatTensor(k, "k", lead + 2, step ? "[B, Hkv, Dk] (step)" : "[B, N, Hkv, Dk]", reference);
        for (int i = 0; i < lead; i++) {
            if (k.shape(i) != q.shape(i)) {
                throw new IllegalArgumentException("k: shape[" + i + "] = " + k.shape(i) + " must be q's " + q.shape(i));
            }
        }
        long kvHeads = k.shape(lead);
        if (kvHeads < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("k: the key/value head count Hkv = " + kvHeads
                    + " must be >= 1 and divide H = " + heads);
        }
        if (k.shape(lead + 1) != dk) {
            throw new IllegalArgumentException("k: the key dim " + k.shape(lead + 1) + " must be q's Dk = " + dk);
        }
        Checks.floatTensor(v, "v", lead + 2, step ? "[B, Hkv, Dv] (step)" : "[B, N, Hkv, Dv]", reference);
        for (int i = 0; i <= lead; i++) {
            if (v.shape(i) != k.shape(i)) {
                throw new IllegalArgumentException("v: shape[" + i + "] = " + v.shape(i) + " must be k's " + k.shape(i));
            }
        }
        long dv = v.shape(lead + 1);
        if (dv < 1 || dv > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("v: the value dim Dv = " + dv + " must be in 1.." + MAX_HEAD_DIM);
        }
    }

    /** out {@code [B, N, H, Dv]} (step {@code [B, H, Dv]}): a writable output of the shared layout. */
    static void checkOut(Tensor q, Tensor v, Tensor out, boolean step, boolean reference) {
        if (step) {
            Checks.floatShaped(out, "out", "[B, H, Dv]", reference, q.shape(0), q.shape(1), v.shape(2));
        } else {
            Checks.floatShaped(out, "out", "[B, N, H, Dv]", reference, q.shape(0), q.shape(1), q.shape(2), v.shape(3));
        }
        Checks.requireWritable(out, "out");
    }

    /**
     * out, stateOut {@code [B, Hkv, F, Dv]} and normOut {@code [B, Hkv, F]}: writable, apart from every input
     * and each other (step: stateOut may be stateIn, normOut normIn, in place). The step needs stateOut, and
     * normOut when normalising.
     */
    private static void checkOutputs(Tensor q, Tensor k, Tensor v, LinearAttentionOptions o, Tensor out,
                                     Tensor stateOut, Tensor normOut, boolean step, boolean reference) {
        checkOut(q, v, out, step, reference);
        int lead = step ? 1 : 2;
        long batch = q.shape(0), kvHeads = k.shape(lead), f = features(q, o, step), dv = v.shape(lead + 1);
        if (step && stateOut == null) {
            throw new IllegalArgumentException("stateOut: the step form needs one (the state after the token; it "
                    + "may be stateIn itself)");
        }
        if (step && o.normalize() && normOut == null) {
            throw new IllegalArgumentException("normOut: the normalised step form needs one (the normaliser after "
                    + "the token; it may be normIn itself)");
        }
        boolean stateInPlace = false, normInPlace = false;
        if (stateOut != null) {
            Checks.floatShaped(stateOut, "stateOut", "[B, Hkv, F, Dv]", reference, batch, kvHeads, f, dv);
            Checks.requireWritable(stateOut, "stateOut");
            stateInPlace = step && Checks.sameView(stateOut, o.stateIn());
            requireDisjoint(stateOut, "stateOut", out, "out");
        }
        if (normOut != null) {
            Checks.floatShaped(normOut, "normOut", "[B, Hkv, F]", reference, batch, kvHeads, f);
            Checks.requireWritable(normOut, "normOut");
            normInPlace = step && Checks.sameView(normOut, o.normIn());
            requireDisjoint(normOut, "normOut", out, "out");
            requireDisjoint(normOut, "normOut", stateOut, "stateOut");
        }
        apartFromOutputs(out, stateOut, normOut, q, "q");
        apartFromOutputs(out, stateOut, normOut, k, "k");
        apartFromOutputs(out, stateOut, normOut, v, "v");
        apartFromOutputs(out, stateOut, normOut, o.randomMatrix(), "randomMatrix");
        requireDisjoint(out, "out", o.stateIn(), "stateIn");
        if (!stateInPlace) requireDisjoint(stateOut, "stateOut", o.stateIn(), "stateIn");
        requireDisjoint(normOut, "normOut", o.stateIn(), "stateIn");
        requireDisjoint(out, "out", o.normIn(), "normIn");
        requireDisjoint(stateOut, "stateOut", o.normIn(), "normIn");
        if (!normInPlace) requireDisjoint(normOut, "normOut", o.normIn(), "normIn");
    }

    private static void apartFromOutputs(Tensor out, Tensor stateOut, Tensor normOut, Tensor in, String inName) {
        Checks.apartFromOutputs(out, stateOut, in, inName);
        requireDisjoint(normOut, "normOut", in, inName);
    }

    /**
     * {@code pmx_favor_random_matrix}: FAVOR+ orthogonal random features of {@code seed} into {@code out}
     * {@code [m, Dk]} (F32 or F64, {@code 1 <= m, Dk <= MAX_FEATURES}).
     */
    public static void favorRandomMatrix(Context ctx, long seed, Tensor out) {
        Checks.requireNonNull(ctx, "ctx");
        Checks.floatTensor(out, "out", 2, "[m, Dk]", true);
        checkFavorSize(out.shape(0), out.shape(1), "out");
        Checks.requireWritable(out, "out");
        try (NativeCall call = NativeCall.begin(ctx)) {
            MemorySegment p = call.params();
            p.set(ValueLayout.JAVA_LONG, FAVOR_STRUCT_SIZE, pmx_favor_params.sizeof());
            p.set(ValueLayout.JAVA_LONG, FAVOR_SEED, seed);
            call.tensor(FAVOR_MATRIX, out);
            call.run(Favor.FUNCTION);
        }
    }

    /** m and Dk of a random matrix, each in 1 .. MAX_FEATURES ({@code name}: the argument in the message). */
    public static void checkFavorSize(long m, long dk, String name) {
        if (m < 1 || m > MAX_FEATURES) {
            throw new IllegalArgumentException(name + ": the feature count m = " + m + " must be in 1.." + MAX_FEATURES);
        }
        if (dk < 1 || dk > MAX_FEATURES) {
            throw new IllegalArgumentException(name + ": the key dim Dk = " + dk + " must be in 1.." + MAX_FEATURES);
        }
    }

    private static NativeFunction function(Form form) {
        return switch (form) {
            case RUN -> Run.FUNCTION;
            case STEP -> Step.FUNCTION;
            case REFERENCE -> Reference.FUNCTION;
        };
    }

    private static final class Run {
        static final NativeFunction FUNCTION = NativeFunction.withWorkspace("pmx_linear_attention",
                Panamax_h.pmx_linear_attention$address(), Panamax_h.pmx_linear_attention_workspace_size$address());
    }

    private static final class Step {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_linear_attention_step",
                Panamax_h.pmx_linear_attention_step$address());
    }

    private static final class Reference {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_linear_attention_reference",
                Panamax_h.pmx_linear_attention_reference$address());
    }

    private static final class Favor {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_favor_random_matrix",
                Panamax_h.pmx_favor_random_matrix$address());
    }
}
