package dev.panamax;

import dev.panamax.internal.ffi.Panamax_h;

/**
 * Which feature pairs RoPE rotates together ({@code pmx_rope_style} of {@code panamax.h}); rd is the rotary dim.
 */
public enum RopeStyle {
    /** GPT-NeoX / Llama: pairs {@code (i, i + rd/2)}. */
    HALF(Panamax_h.PMX_ROPE_HALF()),
    /** GPT-J: pairs {@code (2i, 2i + 1)}. */
    INTERLEAVED(Panamax_h.PMX_ROPE_INTERLEAVED());

    private final int code;

    RopeStyle(int code) {
        this.code = code;
    }

    /** The {@code pmx_rope_style} value. */
    public int code() {
        return code;
    }
}
