package dev.panamax.internal;

import static dev.panamax.internal.Checks.requireDisjoint;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.ExpertWeights;
import dev.panamax.MoeActivation;
import dev.panamax.MoeRouterOptions;
import dev.panamax.RouterOutputs;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.Panamax_h;
import dev.panamax.internal.ffi.pmx_moe_combine_params;
import dev.panamax.internal.ffi.pmx_moe_experts_params;
import dev.panamax.internal.ffi.pmx_moe_params;
import dev.panamax.internal.ffi.pmx_moe_permute_params;
import dev.panamax.internal.ffi.pmx_moe_router_params;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The Mixture-of-Experts params layouts ({@code pmx_moe_router_params}, {@code _permute_}, {@code _experts_},
 * {@code _combine_} and the fused {@code pmx_moe_params}, which embeds a router struct) and their entry points,
 * with the checks of {@code panamax.h}'s MoE section that Java can make before any downcall: ranks, dtypes,
 * shapes agreeing, k and E in range, outputs writable and apart from the inputs and each other. What only the
 * library can check (non-finite logits, index, row and offset values, GEMM stride layouts) it refuses with a
 * {@link dev.panamax.PanamaxException}.
 *
 * <p>The success path allocates nothing: shapes are compared as numbers, the tensors of a call are reached
 * through index switches rather than arrays, and messages are built only when throwing.
 */
public final class MoeParams {
    /** PMX_MAX_MOE_EXPERTS: the largest expert count E. */
    public static final int MAX_EXPERTS = Panamax_h.PMX_MAX_MOE_EXPERTS();

    // pmx_moe_router_params (also embedded in pmx_moe_params at ROUTER).
    private static final long R_STRUCT_SIZE = pmx_moe_router_params.struct_size$offset();
    private static final long R_X = pmx_moe_router_params.x$offset();
    private static final long R_GATE_WEIGHT = pmx_moe_router_params.gate_weight$offset();
    private static final long R_LOGITS = pmx_moe_router_params.logits$offset();
    private static final long R_TOP_K = pmx_moe_router_params.top_k$offset();
    private static final long R_SCORING = pmx_moe_router_params.scoring$offset();
    private static final long R_RENORMALIZE = pmx_moe_router_params.renormalize$offset();
    private static final long R_RESERVED = pmx_moe_router_params.reserved$offset();
    private static final long R_CAPACITY_FACTOR = pmx_moe_router_params.capacity_factor$offset();
    private static final long R_NOISE_STD = pmx_moe_router_params.noise_std$offset();
    private static final long R_NOISE_SEED = pmx_moe_router_params.noise_seed$offset();
    private static final long R_INDICES = pmx_moe_router_params.indices$offset();
    private static final long R_WEIGHTS = pmx_moe_router_params.weights$offset();
    private static final long R_COUNTS = pmx_moe_router_params.counts$offset();
    private static final long R_DROPPED = pmx_moe_router_params.dropped$offset();
    private static final long R_AUX_LOSS = pmx_moe_router_params.aux_loss$offset();
    private static final long R_Z_LOSS = pmx_moe_router_params.z_loss$offset();

    // pmx_moe_permute_params.
    private static final long P_STRUCT_SIZE = pmx_moe_permute_params.struct_size$offset();
    private static final long P_X = pmx_moe_permute_params.x$offset();
    private static final long P_INDICES = pmx_moe_permute_params.indices$offset();
    private static final long P_DROPPED = pmx_moe_permute_params.dropped$offset();
    private static final long P_EXPERTS = pmx_moe_permute_params.experts$offset();
    private static final long P_X_SORTED = pmx_moe_permute_params.x_sorted$offset();
    private static final long P_OFFSETS = pmx_moe_permute_params.offsets$offset();
    private static final long P_ROWS = pmx_moe_permute_params.rows$offset();

    // pmx_moe_experts_params.
    private static final long E_STRUCT_SIZE = pmx_moe_experts_params.struct_size$offset();
    private static final long E_X_SORTED = pmx_moe_experts_params.x_sorted$offset();
    private static final long E_OFFSETS = pmx_moe_experts_params.offsets$offset();
    private static final long E_W1 = pmx_moe_experts_params.w1$offset();
    private static final long E_W2 = pmx_moe_experts_params.w2$offset();
    private static final long E_W3 = pmx_moe_experts_params.w3$offset();
    private static final long E_B1 = pmx_moe_experts_params.b1$offset();
    private static final long E_B2 = pmx_moe_experts_params.b2$offset();
    private static final long E_B3 = pmx_moe_experts_params.b3$offset();
    private static final long E_ACTIVATION = pmx_moe_experts_params.activation$offset();
    private static final long E_RESERVED = pmx_moe_experts_params.reserved$offset();
    private static final long E_Y_SORTED = pmx_moe_experts_params.y_sorted$offset();

    // pmx_moe_combine_params.
    private static final long C_STRUCT_SIZE = pmx_moe_combine_params.struct_size$offset();
    private static final long C_Y_SORTED = pmx_moe_combine_params.y_sorted$offset();
    private static final long C_ROWS = pmx_moe_combine_params.rows$offset();
    private static final long C_WEIGHTS = pmx_moe_combine_params.weights$offset();
    private static final long C_OUT = pmx_moe_combine_params.out$offset();

    // pmx_moe_params.
    private static final long M_STRUCT_SIZE = pmx_moe_params.struct_size$offset();
    private static final long M_ROUTER = pmx_moe_params.router$offset();
    private static final long M_W1 = pmx_moe_params.w1$offset();
    private static final long M_W2 = pmx_moe_params.w2$offset();
    private static final long M_W3 = pmx_moe_params.w3$offset();
    private static final long M_B1 = pmx_moe_params.b1$offset();
    private static final long M_B2 = pmx_moe_params.b2$offset();
    private static final long M_B3 = pmx_moe_params.b3$offset();
    private static final long M_ACTIVATION = pmx_moe_params.activation$offset();
    private static final long M_RESERVED = pmx_moe_params.reserved$offset();
    private static final long M_OUT = pmx_moe_params.out$offset();

    /** The outputs of the layer, in the order {@link #output} numbers them (names as the Java API calls them). */
    private static final String[] OUTPUT_NAMES = {"out", "logits", "indices", "weights", "counts", "dropped",
            "auxLoss", "zLoss"};
    /** The inputs of the layer, in the order {@link #input} numbers them. */
    private static final String[] INPUT_NAMES = {"x", "gateWeight", "logits", "w1", "w2", "w3", "b1", "b2", "b3"};

    private MoeParams() {}

    // ---- the calls ----------------------------------------------------------------------------

    /** {@code pmx_moe_router}: checks, fills and runs (pooled workspace). */
    public static void route(Context ctx, Tensor x, Tensor gateWeight, Tensor logits, MoeRouterOptions options,
                             RouterOutputs outputs) {
        Checks.requireNonNull(ctx, "ctx");
        Checks.requireNonNull(options, "options");
        Checks.requireNonNull(outputs, "outputs");
        checkRouterInputs(x, gateWeight, logits, options, false, false);
        Checks.requireNonNull(outputs.indices(), "indices");
        Checks.requireNonNull(outputs.weights(), "weights");
        long t = tokens(x, gateWeight, logits), e = experts(gateWeight, logits);
        checkRouterOutputs(outputs, t, options.topK(), e, false);
        Tensor logitsOut = gateWeight != null ? logits : null;
        if (logitsOut != null) Checks.requireWritable(logitsOut, "logits");
        layerApart(null, logitsOut, outputs, x, gateWeight, gateWeight == null ? logits : null, null);
        try (NativeCall call = NativeCall.begin(ctx)) {
            fillRouter(call, 0, x, gateWeight, logits, options, outputs);
            call.run(router());
        }
    }

    /** {@code pmx_moe_permute}: checks, fills and runs. */
    public static void permute(Context ctx, Tensor x, Tensor indices, Tensor dropped, long experts, Tensor xSorted,
                               Tensor offsets, Tensor rows) {
        Checks.requireNonNull(ctx, "ctx");
        Checks.floatTensor(x, "x", 2, "[T, d]", false);
        long t = x.shape(0), d = x.shape(1);
        intTensor(indices, "indices", 2, "[T, k]", DType.I32);
        if (indices.shape(0) != t) {
            throw new IllegalArgumentException("indices: shape[0] = " + indices.shape(0) + " must be x's T = " + t);
        }
        long k = indices.shape(1);
        requireExperts(experts, "experts");
        requireTopK(k, experts, "indices");
        if (dropped != null) intShaped(dropped, "dropped", "[T, k]", DType.U8, t, k);
        floatShaped(xSorted, "xSorted", "[T·k, d]", false, indices.elementCount(), d);
        intShaped(offsets, "offsets", "[E + 1]", DType.I32, experts + 1);
        intShaped(rows, "rows", "[T, k]", DType.I32, t, k);
        Checks.requireWritable(xSorted, "xSorted");
        Checks.requireWritable(offsets, "offsets");
        Checks.requireWritable(rows, "rows");
        requireDisjoint(offsets, "offsets", xSorted, "xSorted");
        requireDisjoint(rows, "rows", xSorted, "xSorted");
        requireDisjoint(rows, "rows", offsets, "offsets");
        apartFromInputs(xSorted, "xSorted", x, indices, dropped);
        apartFromInputs(offsets, "offsets", x, indices, dropped);
        apartFromInputs(rows, "rows", x, indices, dropped);
        try (NativeCall call = NativeCall.begin(ctx)) {
            MemorySegment p = call.params();
            p.set(ValueLayout.JAVA_LONG, P_STRUCT_SIZE, pmx_moe_permute_params.sizeof());
            call.tensor(P_X, x);
            call.tensor(P_INDICES, indices);
            call.tensor(P_DROPPED, dropped);
            p.set(ValueLayout.JAVA_LONG, P_EXPERTS, experts);
            call.tensor(P_X_SORTED, xSorted);
            call.tensor(P_OFFSETS, offsets);
            call.tensor(P_ROWS, rows);
            call.run(permuteFunction());
        }
    }

    /** {@code pmx_moe_experts}: checks, fills and runs (pooled workspace). A null activation is SILU. */
    public static void experts(Context ctx, Tensor xSorted, Tensor offsets, ExpertWeights weights,
                               MoeActivation activation, Tensor ySorted) {
        Checks.requireNonNull(ctx, "ctx");
        Checks.floatTensor(xSorted, "xSorted", 2, "[R, d]", false);
        long r = xSorted.shape(0), d = xSorted.shape(1);
        Checks.requireNonNull(weights, "weights");
        Checks.floatTensor(weights.w1(), "w1", 3, "[E, d, h]", false);
        long e = weights.w1().shape(0);
        requireExperts(e, "w1");
        checkWeights(weights, e, d, false);
        intShaped(offsets, "offsets", "[E + 1] (E from w1)", DType.I32, e + 1);
        floatShaped(ySorted, "ySorted", "[R, d] (like xSorted)", false, r, d);
        Checks.requireWritable(ySorted, "ySorted");
        requireDisjoint(ySorted, "ySorted", xSorted, "xSorted");
        requireDisjoint(ySorted, "ySorted", offsets, "offsets");
        for (int i = 3; i < INPUT_NAMES.length; i++) {
            requireDisjoint(ySorted, "ySorted", input(i, null, null, null, weights), INPUT_NAMES[i]);
        }
        try (NativeCall call = NativeCall.begin(ctx)) {
            MemorySegment p = call.params();
            p.set(ValueLayout.JAVA_LONG, E_STRUCT_SIZE, pmx_moe_experts_params.sizeof());
            call.tensor(E_X_SORTED, xSorted);
            call.tensor(E_OFFSETS, offsets);
            call.tensor(E_W1, weights.w1());
            call.tensor(E_W2, weights.w2());
            call.tensor(E_W3, weights.w3());
            call.tensor(E_B1, weights.b1());
            call.tensor(E_B2, weights.b2());
            call.tensor(E_B3, weights.b3());
            p.set(ValueLayout.JAVA_INT, E_ACTIVATION, code(activation));
            p.set(ValueLayout.JAVA_INT, E_RESERVED, 0);
            call.tensor(E_Y_SORTED, ySorted);
            call.run(expertsFunction());
        }
    }

    /** {@code pmx_moe_combine}: checks, fills and runs. */
    public static void combine(Context ctx, Tensor ySorted, Tensor rows, Tensor weights, Tensor out) {
        Checks.requireNonNull(ctx, "ctx");
        Checks.floatTensor(ySorted, "ySorted", 2, "[R, d]", false);
        long d = ySorted.shape(1);
        intTensor(rows, "rows", 2, "[T, k]", DType.I32);
        long t = rows.shape(0), k = rows.shape(1);
        if (k < 1) throw new IllegalArgumentException("rows: k (its last dim) must be >= 1, got 0");
        floatShaped(weights, "weights", "[T, k] (like rows)", false, t, k);
        floatShaped(out, "out", "[T, d]", false, t, d);
        Checks.requireWritable(out, "out");
        requireDisjoint(out, "out", ySorted, "ySorted");
        requireDisjoint(out, "out", rows, "rows");
        requireDisjoint(out, "out", weights, "weights");
        try (NativeCall call = NativeCall.begin(ctx)) {
            MemorySegment p = call.params();
            p.set(ValueLayout.JAVA_LONG, C_STRUCT_SIZE, pmx_moe_combine_params.sizeof());
            call.tensor(C_Y_SORTED, ySorted);
            call.tensor(C_ROWS, rows);
            call.tensor(C_WEIGHTS, weights);
            call.tensor(C_OUT, out);
            call.run(combineFunction());
        }
    }

    /**
     * {@code pmx_moe} (or, with {@code f == reference()}, {@code pmx_moe_reference}): checks, fills and runs with
     * the pooled workspace, or with {@code callerWorkspace} when {@code withCallerWorkspace}.
     *
     * @param outputs null, or router outputs each of which may be null
     */
    public static void forward(NativeFunction f, Context ctx, Tensor x, Tensor gateWeight, Tensor logits,
                               MoeRouterOptions options, ExpertWeights weights, MoeActivation activation, Tensor out,
                               RouterOutputs outputs, MemorySegment callerWorkspace, boolean withCallerWorkspace) {
        Checks.requireNonNull(ctx, "ctx");
        boolean reference = f == reference();
        checkLayerInputs(x, gateWeight, logits, options, weights, reference);
        checkLayerOutputs(x, gateWeight, logits, options, weights, out, outputs, reference);
        if (withCallerWorkspace) {
            Checks.workspace(callerWorkspace);
            Tensor logitsIn = gateWeight == null ? logits : null, logitsOut = gateWeight != null ? logits : null;
            for (int i = 0; i < INPUT_NAMES.length; i++) {
                requireDisjoint(callerWorkspace, "workspace", input(i, x, gateWeight, logitsIn, weights),
                        INPUT_NAMES[i]);
            }
            for (int i = 0; i < OUTPUT_NAMES.length; i++) {
                requireDisjoint(callerWorkspace, "workspace", output(i, out, logitsOut, outputs), OUTPUT_NAMES[i]);
            }
        }
        try (NativeCall call = NativeCall.begin(ctx)) {
            fillLayer(call, x, gateWeight, logits, options, weights, activation, out, outputs);
            if (withCallerWorkspace) call.run(f, callerWorkspace);
            else call.run(f);
        }
    }

    /** The workspace bytes {@code pmx_moe} needs for this layer on {@code ctx} (out: its shape and address). */
    public static long workspaceBytes(Context ctx, Tensor x, Tensor gateWeight, Tensor logits,
                                      MoeRouterOptions options, ExpertWeights weights, MoeActivation activation,
                                      Tensor out) {
        Checks.requireNonNull(ctx, "ctx");
        checkLayerInputs(x, gateWeight, logits, options, weights, false);
        checkLayerOutputs(x, gateWeight, logits, options, weights, out, null, false);
        try (NativeCall call = NativeCall.begin(ctx)) {
            fillLayer(call, x, gateWeight, logits, options, weights, activation, out, null);
            return call.workspaceBytes(moe());
        }
    }

    // ---- checks ---------------------------------------------------------------------------------

    /**
     * The inputs of the whole layer: the router's (x required) and the experts' weights against its E and d.
     *
     * @throws IllegalArgumentException naming the argument
     */
    public static void checkLayerInputs(Tensor x, Tensor gateWeight, Tensor logits, MoeRouterOptions options,
                                        ExpertWeights weights, boolean reference) {
        Checks.requireNonNull(options, "options");
        Checks.requireNonNull(weights, "weights");
        checkRouterInputs(x, gateWeight, logits, options, true, reference);
        checkWeights(weights, experts(gateWeight, logits), x.shape(1), reference);
    }

    private static void checkLayerOutputs(Tensor x, Tensor gateWeight, Tensor logits, MoeRouterOptions options,
                                          ExpertWeights weights, Tensor out, RouterOutputs outputs,
                                          boolean reference) {
        long t = x.shape(0), d = x.shape(1), e = experts(gateWeight, logits);
        floatShaped(out, "out", "[T, d] (like x)", reference, t, d);
        Checks.requireWritable(out, "out");
        Tensor logitsOut = gateWeight != null ? logits : null;
        if (logitsOut != null) Checks.requireWritable(logitsOut, "logits");
        if (outputs != null) checkRouterOutputs(outputs, t, options.topK(), e, reference);
        layerApart(out, logitsOut, outputs, x, gateWeight, gateWeight == null ? logits : null, weights);
    }

    /**
     * The router's inputs. With gateWeight: x {@code [T, d]} and gateWeight {@code [d, E]}, logits (an output
     * then) {@code [T, E]} or null. Without: logits {@code [T, E]} required, x {@code [T, d]} required only
     * when {@code xRequired}. Then {@code 1 <= E <= MAX_EXPERTS} and {@code k <= E}.
     */
    private static void checkRouterInputs(Tensor x, Tensor gateWeight, Tensor logits, MoeRouterOptions o,
                                          boolean xRequired, boolean reference) {
        long t, e;
        if (gateWeight != null) {
            Checks.floatTensor(x, "x", 2, "[T, d]", reference);
            Checks.floatTensor(gateWeight, "gateWeight", 2, "[d, E]", reference);
            if (gateWeight.shape(0) != x.shape(1)) {
                throw new IllegalArgumentException("gateWeight: shape[0] = " + gateWeight.shape(0) + " must be x's d = "
                        + x.shape(1));
            }
            t = x.shape(0);
            e = gateWeight.shape(1);
            requireExperts(e, "gateWeight");
            if (logits != null) floatShaped(logits, "logits", "[T, E]", reference, t, e);
        } else {
            if (logits == null) {
                throw new IllegalArgumentException("logits: required when gateWeight is null (give one of them)");
            }
            Checks.floatTensor(logits, "logits", 2, "[T, E]", reference);
            t = logits.shape(0);
            e = logits.shape(1);
            requireExperts(e, "logits");
            if (x != null || xRequired) {
                Checks.floatTensor(x, "x", 2, "[T, d]", reference);
                if (x.shape(0) != t) {
                    throw new IllegalArgumentException("x: shape[0] = " + x.shape(0) + " must be logits' T = " + t);
                }
            }
        }
        requireTopK(o.topK(), e, "topK");
    }

    /** indices, dropped {@code [T, k]} (I32, U8), weights {@code [T, k]}, counts {@code [E]} I32, losses [1]. */
    private static void checkRouterOutputs(RouterOutputs r, long t, long k, long e, boolean reference) {
        if (r.indices() != null) {
            intShaped(r.indices(), "indices", "[T, k]", DType.I32, t, k);
            Checks.requireWritable(r.indices(), "indices");
        }
        if (r.weights() != null) {
            floatShaped(r.weights(), "weights", "[T, k]", reference, t, k);
            Checks.requireWritable(r.weights(), "weights");
        }
        if (r.counts() != null) {
            intShaped(r.counts(), "counts", "[E]", DType.I32, e);
            Checks.requireWritable(r.counts(), "counts");
        }
        if (r.dropped() != null) {
            intShaped(r.dropped(), "dropped", "[T, k]", DType.U8, t, k);
            Checks.requireWritable(r.dropped(), "dropped");
        }
        if (r.auxLoss() != null) {
            Checks.floatShaped(r.auxLoss(), "auxLoss", "[1]", reference, 1);
            Checks.requireWritable(r.auxLoss(), "auxLoss");
        }
        if (r.zLoss() != null) {
            Checks.floatShaped(r.zLoss(), "zLoss", "[1]", reference, 1);
            Checks.requireWritable(r.zLoss(), "zLoss");
        }
    }

    /** w1 {@code [E, d, h]} (h >= 1), w2 {@code [E, h, d]}, w3 like w1, b1 and b3 {@code [E, h]}, b2 {@code [E, d]}. */
    private static void checkWeights(ExpertWeights w, long e, long d, boolean reference) {
        Checks.floatTensor(w.w1(), "w1", 3, "[E, d, h]", reference);
        long h = w.w1().shape(2);
        Checks.floatShaped(w.w1(), "w1", "[E, d, h]", reference, e, d, h);
        if (h < 1) throw new IllegalArgumentException("w1: the hidden width h must be >= 1, got 0");
        Checks.floatShaped(w.w2(), "w2", "[E, h, d]", reference, e, h, d);
        if (w.w3() != null) Checks.floatShaped(w.w3(), "w3", "[E, d, h] (like w1)", reference, e, d, h);
        if (w.b1() != null) floatShaped(w.b1(), "b1", "[E, h]", reference, e, h);
        if (w.b2() != null) floatShaped(w.b2(), "b2", "[E, d]", reference, e, d);
        if (w.b3() != null) floatShaped(w.b3(), "b3", "[E, h]", reference, e, h);
    }

    /** T of the router's inputs (checked). */
    private static long tokens(Tensor x, Tensor gateWeight, Tensor logits) {
        return gateWeight != null ? x.shape(0) : logits.shape(0);
    }

    /** E of the router's inputs (checked). */
    private static long experts(Tensor gateWeight, Tensor logits) {
        return gateWeight != null ? gateWeight.shape(1) : logits.shape(1);
    }

    private static void requireExperts(long e, String name) {
        if (e < 1 || e > MAX_EXPERTS) {
            throw new IllegalArgumentException(name + ": the expert count E = " + e + " must be in 1.." + MAX_EXPERTS);
        }
    }

    private static void requireTopK(long k, long e, String name) {
        if (k < 1 || k > e) throw new IllegalArgumentException(name + ": k must be in 1..E = " + e + ", got " + k);
    }

    /** Each output shares no byte with an earlier output or any input (all may be null). */
    private static void layerApart(Tensor out, Tensor logitsOut, RouterOutputs r, Tensor x, Tensor gateWeight,
                                   Tensor logitsIn, ExpertWeights w) {
        for (int i = 0; i < OUTPUT_NAMES.length; i++) {
            Tensor o = output(i, out, logitsOut, r);
            if (o == null) continue;
            for (int j = 0; j < i; j++) {
                requireDisjoint(o, OUTPUT_NAMES[i], output(j, out, logitsOut, r), OUTPUT_NAMES[j]);
            }
            for (int j = 0; j < INPUT_NAMES.length; j++) {
                requireDisjoint(o, OUTPUT_NAMES[i], input(j, x, gateWeight, logitsIn, w), INPUT_NAMES[j]);
            }
        }
    }

    private static void apartFromInputs(Tensor o, String name, Tensor x, Tensor indices, Tensor dropped) {
        requireDisjoint(o, name, x, "x");
        requireDisjoint(o, name, indices, "indices");
        requireDisjoint(o, name, dropped, "dropped");
    }

    /** Output {@code i} of {@link #OUTPUT_NAMES} (null when absent). */
    private static Tensor output(int i, Tensor out, Tensor logitsOut, RouterOutputs r) {
        return switch (i) {
            case 0 -> out;
            case 1 -> logitsOut;
            case 2 -> r == null ? null : r.indices();
            case 3 -> r == null ? null : r.weights();
            case 4 -> r == null ? null : r.counts();
            case 5 -> r == null ? null : r.dropped();
            case 6 -> r == null ? null : r.auxLoss();
            default -> r == null ? null : r.zLoss();
        };
    }

    /** Input {@code i} of {@link #INPUT_NAMES} (null when absent). */
    private static Tensor input(int i, Tensor x, Tensor gateWeight, Tensor logitsIn, ExpertWeights w) {
        return switch (i) {
            case 0 -> x;
            case 1 -> gateWeight;
            case 2 -> logitsIn;
            case 3 -> w == null ? null : w.w1();
            case 4 -> w == null ? null : w.w2();
            case 5 -> w == null ? null : w.w3();
            case 6 -> w == null ? null : w.b1();
            case 7 -> w == null ? null : w.b2();
            default -> w == null ? null : w.b3();
        };
    }

    /** A float tensor of exactly {@code [d0, d1]}. No varargs: allocates nothing. */
    private static void floatShaped(Tensor t, String name, String shape, boolean reference, long d0, long d1) {
        Checks.floatTensor(t, name, 2, shape, reference);
        if (t.shape(0) != d0 || t.shape(1) != d1) throw shapeMismatch(t, name, shape, d0, d1);
    }

    /** An integer tensor (I32 or U8) of rank {@code rank}. */
    private static void intTensor(Tensor t, String name, int rank, String shape, DType dtype) {
        Checks.requireUsable(t, name);
        if (t.rank() != rank) {
            throw new IllegalArgumentException(name + ": expected rank " + rank + " " + shape + ", got rank "
                    + t.rank());
        }
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(name + ": dtype " + t.dtype() + " is not accepted here, expected "
                    + dtype);
        }
    }

    private static void intShaped(Tensor t, String name, String shape, DType dtype, long d0) {
        intTensor(t, name, 1, shape, dtype);
        if (t.shape(0) != d0) throw shapeMismatch(t, name, shape, d0);
    }

    private static void intShaped(Tensor t, String name, String shape, DType dtype, long d0, long d1) {
        intTensor(t, name, 2, shape, dtype);
        if (t.shape(0) != d0 || t.shape(1) != d1) throw shapeMismatch(t, name, shape, d0, d1);
    }

    private static IllegalArgumentException shapeMismatch(Tensor t, String name, String shape, long... dims) {
        return new IllegalArgumentException(name + ": shape " + Arrays.toString(t.shape()) + " must be " + shape + " = "
                + Arrays.toString(dims));
    }

    // ---- params structs -------------------------------------------------------------------------

    private static void fillLayer(NativeCall call, Tensor x, Tensor gateWeight, Tensor logits,
                                  MoeRouterOptions options, ExpertWeights w, MoeActivation activation, Tensor out,
                                  RouterOutputs outputs) {
        MemorySegment p = call.params();
        p.set(ValueLayout.JAVA_LONG, M_STRUCT_SIZE, pmx_moe_params.sizeof());
        fillRouter(call, M_ROUTER, x, gateWeight, logits, options, outputs);
        call.tensor(M_W1, w.w1());
        call.tensor(M_W2, w.w2());
        call.tensor(M_W3, w.w3());
        call.tensor(M_B1, w.b1());
        call.tensor(M_B2, w.b2());
        call.tensor(M_B3, w.b3());
        p.set(ValueLayout.JAVA_INT, M_ACTIVATION, code(activation));
        p.set(ValueLayout.JAVA_INT, M_RESERVED, 0);
        call.tensor(M_OUT, out);
    }

    /** A {@code pmx_moe_router_params} at {@code base} (0, or the router field of {@code pmx_moe_params}). */
    private static void fillRouter(NativeCall call, long base, Tensor x, Tensor gateWeight, Tensor logits,
                                   MoeRouterOptions o, RouterOutputs r) {
        MemorySegment p = call.params();
        p.set(ValueLayout.JAVA_LONG, base + R_STRUCT_SIZE, pmx_moe_router_params.sizeof());
        call.tensor(base + R_X, x);
        call.tensor(base + R_GATE_WEIGHT, gateWeight);
        call.tensor(base + R_LOGITS, logits);
        p.set(ValueLayout.JAVA_INT, base + R_TOP_K, o.topK());
        p.set(ValueLayout.JAVA_INT, base + R_SCORING, o.scoring().code());
        p.set(ValueLayout.JAVA_INT, base + R_RENORMALIZE, o.renormalize() ? 1 : 0);
        p.set(ValueLayout.JAVA_INT, base + R_RESERVED, 0);
        p.set(ValueLayout.JAVA_DOUBLE, base + R_CAPACITY_FACTOR, o.capacityFactor());
        p.set(ValueLayout.JAVA_DOUBLE, base + R_NOISE_STD, o.noiseStd());
        p.set(ValueLayout.JAVA_LONG, base + R_NOISE_SEED, o.noiseSeed());
        call.tensor(base + R_INDICES, r == null ? null : r.indices());
        call.tensor(base + R_WEIGHTS, r == null ? null : r.weights());
        call.tensor(base + R_COUNTS, r == null ? null : r.counts());
        call.tensor(base + R_DROPPED, r == null ? null : r.dropped());
        call.tensor(base + R_AUX_LOSS, r == null ? null : r.auxLoss());
        call.tensor(base + R_Z_LOSS, r == null ? null : r.zLoss());
    }

    private static int code(MoeActivation activation) {
        return (activation == null ? MoeActivation.SILU : activation).code();
    }

    // ---- entry points -----------------------------------------------------------------------------

    /** {@code pmx_moe_router} with {@code pmx_moe_router_workspace_size}. */
    public static NativeFunction router() {
        return Router.FUNCTION;
    }

    /** {@code pmx_moe_permute}. */
    public static NativeFunction permuteFunction() {
        return Permute.FUNCTION;
    }

    /** {@code pmx_moe_experts} with {@code pmx_moe_experts_workspace_size}. */
    public static NativeFunction expertsFunction() {
        return Experts.FUNCTION;
    }

    /** {@code pmx_moe_combine}. */
    public static NativeFunction combineFunction() {
        return Combine.FUNCTION;
    }

    /** {@code pmx_moe} with {@code pmx_moe_workspace_size}. */
    public static NativeFunction moe() {
        return Moe.FUNCTION;
    }

    /** {@code pmx_moe_reference}. */
    public static NativeFunction reference() {
        return Reference.FUNCTION;
    }

    private static final class Router {
        static final NativeFunction FUNCTION = NativeFunction.withWorkspace("pmx_moe_router",
                Panamax_h.pmx_moe_router$address(), Panamax_h.pmx_moe_router_workspace_size$address());
    }

    private static final class Permute {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_moe_permute",
                Panamax_h.pmx_moe_permute$address());
    }

    private static final class Experts {
        static final NativeFunction FUNCTION = NativeFunction.withWorkspace("pmx_moe_experts",
                Panamax_h.pmx_moe_experts$address(), Panamax_h.pmx_moe_experts_workspace_size$address());
    }

    private static final class Combine {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_moe_combine",
                Panamax_h.pmx_moe_combine$address());
    }

    private static final class Moe {
        static final NativeFunction FUNCTION = NativeFunction.withWorkspace("pmx_moe", Panamax_h.pmx_moe$address(),
                Panamax_h.pmx_moe_workspace_size$address());
    }

    private static final class Reference {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_moe_reference",
                Panamax_h.pmx_moe_reference$address());
    }
}
