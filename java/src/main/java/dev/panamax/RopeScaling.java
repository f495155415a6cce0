package dev.panamax;

import dev.panamax.internal.ffi.Panamax_h;

/**
 * How RoPE's inverse frequencies {@code theta^(-2i/rd)} are rescaled for long contexts
 * ({@code pmx_rope_scaling} of {@code panamax.h}), with the formulas of Hugging Face transformers'
 * {@code modeling_rope_utils}. The fields each one needs are listed in {@link RopeConfig}.
 */
public enum RopeScaling {
    /** As is. */
    NONE(Panamax_h.PMX_ROPE_SCALING_NONE()),
    /** Position interpolation: every frequency divided by {@code factor}. */
    LINEAR(Panamax_h.PMX_ROPE_SCALING_LINEAR()),
    /** Static NTK-aware: the base theta replaced by {@code theta·ntkAlpha^(rd/(rd-2))}. */
    NTK(Panamax_h.PMX_ROPE_SCALING_NTK()),
    /** YaRN: interpolation and extrapolation blended over a ramp; attention factor 0.1·ln(factor) + 1. */
    YARN(Panamax_h.PMX_ROPE_SCALING_YARN()),
    /** Llama 3: long wavelengths divided by {@code factor}, short ones kept, a smooth band between. */
    LLAMA3(Panamax_h.PMX_ROPE_SCALING_LLAMA3());

    private final int code;

    RopeScaling(int code) {
        this.code = code;
    }

    /** The {@code pmx_rope_scaling} value. */
    public int code() {
        return code;
    }
}
