package dev.panamax;

import java.lang.foreign.Arena;

/**
 * What the {@link MoE} router writes, for a layer of T tokens, E experts and k experts per token.
 *
 * <table class="striped">
 * <caption>Outputs</caption>
 * <tr><th>tensor</th><th>shape, dtype</th><th>meaning</th></tr>
 * <tr><td>indices</td><td>{@code [T, k]} I32</td><td>the k experts of highest score, slot 0 the highest (ties:
 *     the lower expert index first)</td></tr>
 * <tr><td>weights</td><td>{@code [T, k]} F32</td><td>their scores, divided by their sum when
 *     {@link MoeRouterOptions#renormalize()} (before any capacity is applied)</td></tr>
 * <tr><td>counts</td><td>{@code [E]} I32</td><td>assignments per expert before capacity</td></tr>
 * <tr><td>dropped</td><td>{@code [T, k]} U8</td><td>1 where the assignment went past its expert's capacity
 *     (it contributes nothing), else 0</td></tr>
 * <tr><td>auxLoss</td><td>{@code [1]} F32</td><td>the load-balancing loss {@code E·Σ_e f_e·P_e},
 *     {@code f_e = counts[e] / (T·k)}, {@code P_e} the mean over tokens of {@code scores[:, e]} (Switch
 *     Transformer, generalised to top-k); 0 when T = 0</td></tr>
 * <tr><td>zLoss</td><td>{@code [1]} F32</td><td>the mean over tokens of {@code logsumexp(logits[t, :])²};
 *     0 when T = 0</td></tr>
 * </table>
 *
 * <p>Every field may be null (not written), except that {@link MoE#route} needs indices and weights. For the
 * float64 reference ({@link MoE#forwardReference}) the float outputs may also be F64. The record holds
 * references to the tensors, not copies.
 */
public record RouterOutputs(Tensor indices, Tensor weights, Tensor counts, Tensor dropped, Tensor auxLoss,
                            Tensor zLoss) {
    /** Indices and weights only. */
    public RouterOutputs(Tensor indices, Tensor weights) {
        this(indices, weights, null, null, null, null);
    }

    /**
     * Allocates all six outputs in {@code arena} (contiguous, zero-filled): indices, weights and dropped
     * {@code [tokens, topK]}, counts {@code [experts]}, auxLoss and zLoss {@code [1]}.
     *
     * @throws IllegalArgumentException for a null arena or a negative size
     */
    public static RouterOutputs allocate(Arena arena, long tokens, int topK, long experts) {
        return new RouterOutputs(Tensor.allocate(arena, DType.I32, tokens, topK),
                Tensor.allocate(arena, DType.F32, tokens, topK), Tensor.allocate(arena, DType.I32, experts),
                Tensor.allocate(arena, DType.U8, tokens, topK), Tensor.allocate(arena, DType.F32, 1),
                Tensor.allocate(arena, DType.F32, 1));
    }
}
