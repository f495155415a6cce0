package dev.panamax;

/**
 * The experts' feed-forward weights of a {@link MoE} layer: for the rows routed to expert {@code e},
 * <pre>
 *   a = x·w1[e] + b1[e]
 *   a = act(a),  or  act(a) ⊙ (x·w3[e] + b3[e])   (gated: w3 given)
 *   y = a·w2[e] + b2[e]
 * </pre>
 *
 * <table class="striped">
 * <caption>Shapes (F32; the float64 reference also takes F64)</caption>
 * <tr><th>tensor</th><th>shape</th><th></th></tr>
 * <tr><td>w1</td><td>{@code [E, d, h]}</td><td>required</td></tr>
 * <tr><td>w2</td><td>{@code [E, h, d]}</td><td>required</td></tr>
 * <tr><td>w3</td><td>{@code [E, d, h]}</td><td>null: ungated</td></tr>
 * <tr><td>b1, b3</td><td>{@code [E, h]}</td><td>null: no bias (b3 only with w3)</td></tr>
 * <tr><td>b2</td><td>{@code [E, d]}</td><td>null: no bias</td></tr>
 * </table>
 *
 * <p>{@code h >= 1}. Each weight's last two dims may be row-major or transposed (a unit stride on either):
 * Hugging Face checkpoints store w1 as {@code [E, h, d]}, which is w1 {@code [E, d, h]} viewed with strides
 * {@code (h·d, 1, d)}. The record holds references to the tensors, not copies; shapes are checked when a
 * call takes it. The constructor throws {@link IllegalArgumentException} naming the field when w1 or w2 is
 * null, or b3 is given without w3.
 */
public record ExpertWeights(Tensor w1, Tensor w2, Tensor w3, Tensor b1, Tensor b2, Tensor b3) {
    public ExpertWeights {
        if (w1 == null) throw new IllegalArgumentException("w1: must not be null");
        if (w2 == null) throw new IllegalArgumentException("w2: must not be null");
        if (b3 != null && w3 == null) {
            throw new IllegalArgumentException("b3: given without w3 (b3 is the gate's bias)");
        }
    }

    /** Ungated, no biases. */
    public ExpertWeights(Tensor w1, Tensor w2) {
        this(w1, w2, null, null, null, null);
    }

    /** Gated ({@code act(x·w1) ⊙ x·w3}, SwiGLU with {@link MoeActivation#SILU}), no biases. */
    public ExpertWeights(Tensor w1, Tensor w2, Tensor w3) {
        this(w1, w2, w3, null, null, null);
    }

    /** True when w3 is given: {@code act(x·w1 + b1) ⊙ (x·w3 + b3)}. */
    public boolean gated() {
        return w3 != null;
    }
}
