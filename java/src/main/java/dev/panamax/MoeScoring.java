package dev.panamax;

import dev.panamax.internal.ffi.Panamax_h;

/** How the {@link MoE} router turns a token's logits into expert scores ({@code pmx_moe_scoring}). */
public enum MoeScoring {
    /** {@code scores[t, :] = softmax(logits[t, :])}: the scores of a token sum to 1 (Switch, Mixtral). */
    SOFTMAX(Panamax_h.PMX_MOE_SOFTMAX()),
    /** {@code scores[t, e] = sigmoid(logits[t, e])}: each expert scored on its own (DeepSeek-V3). */
    SIGMOID(Panamax_h.PMX_MOE_SIGMOID());

    private final int code;

    MoeScoring(int code) {
        this.code = code;
    }

    /** The {@code pmx_moe_scoring} value. */
    public int code() {
        return code;
    }
}
