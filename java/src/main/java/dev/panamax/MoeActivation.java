package dev.panamax;

import dev.panamax.internal.ffi.Panamax_h;

/** The activation of the {@link MoE} experts' hidden layer ({@code pmx_moe_activation}). */
public enum MoeActivation {
    /** {@code a·sigmoid(a)} (SwiGLU when gated: Mixtral, Qwen-MoE, DeepSeek). */
    SILU(Panamax_h.PMX_MOE_SILU()),
    /** {@code a·Φ(a)}, Φ the standard normal CDF by erf (exact GELU). */
    GELU(Panamax_h.PMX_MOE_GELU()),
    /** {@code 0.5·a·(1 + tanh(√(2/π)·(a + 0.044715·a³)))}, the tanh approximation of GELU. */
    GELU_TANH(Panamax_h.PMX_MOE_GELU_TANH()),
    /** {@code max(a, 0)} (a NaN stays NaN). */
    RELU(Panamax_h.PMX_MOE_RELU());

    private final int code;

    MoeActivation(int code) {
        this.code = code;
    }

    /** The {@code pmx_moe_activation} value. */
    public int code() {
        return code;
    }
}
