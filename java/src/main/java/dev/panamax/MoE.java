package dev.panamax;

import dev.panamax.internal.Checks;
import dev.panamax.internal.MoeParams;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A Mixture-of-Experts layer over T tokens of width d: E experts with hidden width h, k experts per token, in
 * five stages. Each stage stands alone ({@link #route}, {@link #permute}, {@link #experts}, {@link #combine});
 * {@link #forward} runs them all in one call, with the intermediate tensors in its workspace.
 *
 * <ol>
 * <li><b>Router</b> ({@link #route}). The logits {@code [T, E]} are given, or computed as {@code x·gateWeight}
 *     (x {@code [T, d]}, gateWeight {@code [d, E]}; then {@code logits}, when not null, receives them, before
 *     any noise). With {@link MoeRouterOptions#noiseStd()} {@code > 0} each logit gets {@code noiseStd·n}
 *     added, n standard normal from a counter-based generator of {@code (noiseSeed, t, e)}: the same noise
 *     for the same seed on any machine and thread count. {@code scores[t, :] = softmax(logits[t, :])} or
 *     {@code sigmoid(logits[t, e])} ({@link MoeScoring}). The k experts of highest score (ties: the lower
 *     expert index first) fill slots 0 .. k-1 in descending score: {@code indices}; {@code weights} are the k
 *     scores, divided by their sum with {@link MoeRouterOptions#renormalize()}; {@code counts}, the
 *     assignments per expert before capacity; {@code auxLoss} and {@code zLoss} (see {@link RouterOutputs}),
 *     from the logits after noise.</li>
 * <li><b>Capacity</b> ({@link MoeRouterOptions#capacityFactor()}). Each expert keeps at most
 *     {@code ceil(capacityFactor·T·k / E)} assignments (0: all), taken in token order, then slot order; the
 *     others are dropped ({@code dropped[t, slot] = 1}) and contribute nothing.</li>
 * <li><b>Permute</b> ({@link #permute}). The kept assignments' token rows gathered into expert-contiguous rows,
 *     stable by token index: {@code xSorted [T·k, d]} (rows {@code offsets[E] .. T·k - 1} left as they are),
 *     {@code offsets [E + 1]} (expert e owns rows {@code offsets[e] .. offsets[e+1] - 1}), {@code rows [T, k]}
 *     (the row of xSorted that assignment {@code (t, slot)} went to, -1 if dropped).</li>
 * <li><b>Experts</b> ({@link #experts}). For the rows of each expert e, the feed-forward of
 *     {@link ExpertWeights}: {@code y = act(x·w1[e] + b1[e]) [⊙ (x·w3[e] + b3[e])]·w2[e] + b2[e]}, as grouped
 *     GEMMs over the experts' row counts (an empty expert costs nothing).</li>
 * <li><b>Combine</b> ({@link #combine}). {@code out[t, :] = Σ_slot weights[t, slot]·ySorted[rows[t, slot], :]}
 *     over the kept slots (0 where none is kept), summed in slot order.</li>
 * </ol>
 *
 * <table class="striped">
 * <caption>Shapes</caption>
 * <tr><th>tensor</th><th>shape</th><th>dtype</th></tr>
 * <tr><td>x, out</td><td>{@code [T, d]}</td><td>F32</td></tr>
 * <tr><td>gateWeight</td><td>{@code [d, E]}</td><td>F32</td></tr>
 * <tr><td>logits</td><td>{@code [T, E]}</td><td>F32</td></tr>
 * <tr><td>indices, rows</td><td>{@code [T, k]}</td><td>I32</td></tr>
 * <tr><td>weights</td><td>{@code [T, k]}</td><td>F32</td></tr>
 * <tr><td>dropped</td><td>{@code [T, k]}</td><td>U8</td></tr>
 * <tr><td>counts</td><td>{@code [E]}</td><td>I32</td></tr>
 * <tr><td>auxLoss, zLoss</td><td>{@code [1]}</td><td>F32</td></tr>
 * <tr><td>xSorted, ySorted</td><td>{@code [T·k, d]} ({@code [R, d]} for {@link #experts} and
 *     {@link #combine})</td><td>F32</td></tr>
 * <tr><td>offsets</td><td>{@code [E + 1]}</td><td>I32</td></tr>
 * <tr><td>w1, w3; w2</td><td>{@code [E, d, h]}; {@code [E, h, d]}</td><td>F32</td></tr>
 * <tr><td>b1, b3; b2</td><td>{@code [E, h]}; {@code [E, d]}</td><td>F32</td></tr>
 * </table>
 *
 * <p>T and d may be 0; {@code 1 <= k <= E <= }{@link #MAX_EXPERTS}, {@code h >= 1}. Any strides, except that
 * the operands of a GEMM (x and gateWeight when the router computes the logits, xSorted, ySorted, w1, w2, w3)
 * need a unit stride on one of their last two dims: Hugging Face's {@code [E, h, d]} w1 is a strided view. The
 * float64 reference ({@link #forwardReference}) also takes F64 float tensors.
 *
 * <p><b>Errors.</b> What Java can see (null, rank, dtype, shapes, k and E in range, read-only or overlapping
 * outputs) throws {@link IllegalArgumentException} naming the argument before any native call; what only the
 * library checks throws {@link PanamaxException}: non-finite logits (naming the token), indices outside
 * {@code 0 .. E-1}, rows outside the table, offsets that are not a partition, GEMM operands without a unit
 * stride. Outputs never share memory with inputs or each other. Results are the same bits for any thread count,
 * and the stages called one by one give the bits of {@link #forward}; the hot path allocates nothing on the Java
 * heap when the caller gives every output.
 */
public final class MoE {
    /** The largest expert count E (PMX_MAX_MOE_EXPERTS). */
    public static final int MAX_EXPERTS = MoeParams.MAX_EXPERTS;

    private MoE() {}

    /**
     * The router and capacity (stages 1 and 2) into {@code outputs}.
     *
     * @param x          {@code [T, d]}: required with gateWeight; else optional (its T is checked)
     * @param gateWeight {@code [d, E]}, or null when the logits are given
     * @param logits     {@code [T, E]}: read when gateWeight is null; else null or written with
     *                   {@code x·gateWeight} (before any noise)
     * @param outputs    indices and weights required; counts, dropped, auxLoss, zLoss may be null
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws PanamaxException         for a non-finite logit (after noise), naming the token
     */
    public static void route(Context ctx, Tensor x, Tensor gateWeight, Tensor logits, MoeRouterOptions options,
                             RouterOutputs outputs) {
        MoeParams.route(ctx, x, gateWeight, logits, options, outputs);
    }

    /**
     * Gathers the kept assignments' rows of {@code x} by expert (stage 3), stable by token index.
     *
     * @param indices {@code [T, k]} I32, each in {@code 0 .. experts-1} (checked by the library)
     * @param dropped {@code [T, k]} U8 (non-zero: dropped), or null: none dropped
     * @param experts E, 1 .. {@link #MAX_EXPERTS}, at least k
     * @param xSorted {@code [T·k, d]}: rows {@code 0 .. offsets[E]-1} written, the rest left as they are
     * @param offsets {@code [E + 1]} I32: expert e owns rows {@code offsets[e] .. offsets[e+1]-1}
     * @param rows    {@code [T, k]} I32: the row assignment {@code (t, slot)} went to, -1 if dropped
     * @throws PanamaxException for an index outside {@code 0 .. E-1}
     */
    public static void permute(Context ctx, Tensor x, Tensor indices, Tensor dropped, long experts, Tensor xSorted,
                               Tensor offsets, Tensor rows) {
        MoeParams.permute(ctx, x, indices, dropped, experts, xSorted, offsets, rows);
    }

    /**
     * The experts' feed-forward (stage 4) over the rows of each expert; E and h come from {@code weights.w1()}.
     *
     * @param xSorted    {@code [R, d]}
     * @param offsets    {@code [E + 1]} I32: {@code 0 = offsets[0] <= ... <= offsets[E] <= R} (checked by the
     *                   library)
     * @param activation null means {@link MoeActivation#SILU}
     * @param ySorted    {@code [R, d]}, unit stride along d: rows {@code 0 .. offsets[E]-1} written
     * @throws PanamaxException for offsets that are not such a partition
     */
    public static void experts(Context ctx, Tensor xSorted, Tensor offsets, ExpertWeights weights,
                               MoeActivation activation, Tensor ySorted) {
        MoeParams.experts(ctx, xSorted, offsets, weights, activation, ySorted);
    }

    /**
     * The weighted sum of each token's expert outputs (stage 5), in slot order.
     *
     * @param ySorted {@code [R, d]}
     * @param rows    {@code [T, k]} I32: a row of ySorted, or -1 (skipped)
     * @param weights {@code [T, k]}
     * @param out     {@code [T, d]}: 0 for a token with no kept slot
     * @throws PanamaxException for a row outside {@code -1 .. R-1}
     */
    public static void combine(Context ctx, Tensor ySorted, Tensor rows, Tensor weights, Tensor out) {
        MoeParams.combine(ctx, ySorted, rows, weights, out);
    }

    /**
     * Runs the whole layer on {@link Context#global()}, allocating out ({@code [T, d]}, like x) in
     * {@code arena}. The router's outputs are not kept.
     *
     * @param activation null means {@link MoeActivation#SILU}
     */
    public static Tensor forward(Arena arena, Tensor x, Tensor gateWeight, Tensor logits, MoeRouterOptions options,
                                 ExpertWeights weights, MoeActivation activation) {
        Checks.requireNonNull(arena, "arena");
        MoeParams.checkLayerInputs(x, gateWeight, logits, options, weights, false);
        Tensor out = Tensor.allocate(arena, DType.F32, x.shape(0), x.shape(1));
        forward(Context.global(), x, gateWeight, logits, options, weights, activation, out, null);
        return out;
    }

    /**
     * Runs the whole layer (the five stages) into {@code out}, with pooled scratch.
     *
     * @param x          {@code [T, d]}, required
     * @param gateWeight {@code [d, E]}, or null when the logits are given
     * @param logits     {@code [T, E]}: read when gateWeight is null; else null or written with
     *                   {@code x·gateWeight} (before any noise)
     * @param activation null means {@link MoeActivation#SILU}
     * @param out        {@code [T, d]}
     * @param outputs    null, or the router outputs wanted (each may be null)
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws IllegalStateException    when {@code ctx} is closed
     * @throws PanamaxException         when the library refuses the call (a non-finite logit, a GEMM operand
     *                                  without a unit stride)
     */
    public static void forward(Context ctx, Tensor x, Tensor gateWeight, Tensor logits, MoeRouterOptions options,
                               ExpertWeights weights, MoeActivation activation, Tensor out, RouterOutputs outputs) {
        MoeParams.forward(MoeParams.moe(), ctx, x, gateWeight, logits, options, weights, activation, out, outputs,
                null, false);
    }

    /**
     * Like {@link #forward(Context, Tensor, Tensor, Tensor, MoeRouterOptions, ExpertWeights, MoeActivation,
     * Tensor, RouterOutputs)}, with the caller's workspace instead of pooled scratch. The workspace holds xSorted
     * and ySorted ({@code 2·T·k·d} floats) and more: a long prefill outgrows what the pool keeps between calls
     * (64 MiB a call), so callers running large T repeatedly should pass one.
     *
     * @param workspace native, 64-byte aligned, at least {@link #workspaceBytes} bytes; null when that is 0
     * @throws PanamaxException {@link Status#WORKSPACE_TOO_SMALL} when it is smaller than needed
     */
    public static void forward(Context ctx, Tensor x, Tensor gateWeight, Tensor logits, MoeRouterOptions options,
                               ExpertWeights weights, MoeActivation activation, Tensor out, RouterOutputs outputs,
                               MemorySegment workspace) {
        MoeParams.forward(MoeParams.moe(), ctx, x, gateWeight, logits, options, weights, activation, out, outputs,
                workspace, true);
    }

    /**
     * Bytes of workspace {@link #forward(Context, Tensor, Tensor, Tensor, MoeRouterOptions, ExpertWeights,
     * MoeActivation, Tensor, RouterOutputs, MemorySegment)} needs for this layer on {@code ctx} (it depends on
     * the shapes and the context's thread count). {@code out} is the tensor the call will write (checked like
     * there, never written here).
     */
    public static long workspaceBytes(Context ctx, Tensor x, Tensor gateWeight, Tensor logits,
                                      MoeRouterOptions options, ExpertWeights weights, MoeActivation activation,
                                      Tensor out) {
        return MoeParams.workspaceBytes(ctx, x, gateWeight, logits, options, weights, activation, out);
    }

    /**
     * The float64 reference of {@link #forward(Context, Tensor, Tensor, Tensor, MoeRouterOptions, ExpertWeights,
     * MoeActivation, Tensor, RouterOutputs) forward}: every stage as plain loops in double precision on one
     * thread; every float tensor may be F32 or F64 (indices, counts I32; dropped U8). For tests.
     */
    public static void forwardReference(Context ctx, Tensor x, Tensor gateWeight, Tensor logits,
                                        MoeRouterOptions options, ExpertWeights weights, MoeActivation activation,
                                        Tensor out, RouterOutputs outputs) {
        MoeParams.forward(MoeParams.reference(), ctx, x, gateWeight, logits, options, weights, activation, out,
                outputs, null, false);
    }
}
