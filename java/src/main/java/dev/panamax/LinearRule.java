package dev.panamax;

import dev.panamax.internal.ffi.Panamax_h;

import java.util.Locale;

/**
 * The update rule of a {@link LinearRecurrence} ({@code pmx_linear_rule}): how the state {@code S [Dk, Dv]} of a
 * key/value head takes in token t, with {@code g_t} the decay and {@code β_t} the write strength.
 */
public enum LinearRule {
    /** {@code S_t = S_{t-1} + k_t v_tᵀ}: causal linear attention without feature map or normalisation. */
    LINEAR(Panamax_h.PMX_RULE_LINEAR(), "linear"),
    /**
     * {@code S_t = g_t ⊙ S_{t-1} + k_t v_tᵀ}, {@code g_t} a scalar per head (Mamba-2, RetNet-style decay) or a
     * {@code [Dk]} vector scaling the rows of S (GLA). Needs a decay.
     */
    GATED(Panamax_h.PMX_RULE_GATED(), "gated"),
    /** {@code S_t = S_{t-1} + β_t k_t (v_t − S_{t-1}ᵀ k_t)ᵀ} (DeltaNet). Needs beta. */
    DELTA(Panamax_h.PMX_RULE_DELTA(), "delta"),
    /**
     * {@code S_t = S' + β_t k_t (v_t − S'ᵀ k_t)ᵀ} with {@code S' = g_t S_{t-1}}, {@code g_t} a scalar per head
     * (Gated DeltaNet). Needs a decay and beta.
     */
    GATED_DELTA(Panamax_h.PMX_RULE_GATED_DELTA(), "gated_delta");

    private final int code;
    private final String cliName;

    LinearRule(int code, String cliName) {
        this.code = code;
        this.cliName = cliName;
    }

    /** The {@code pmx_linear_rule} value. */
    public int code() {
        return code;
    }

    /** True for the rules that read a decay ({@link #GATED}, {@link #GATED_DELTA}). */
    public boolean gated() {
        return this == GATED || this == GATED_DELTA;
    }

    /** True for the rules that read beta ({@link #DELTA}, {@link #GATED_DELTA}). */
    public boolean delta() {
        return this == DELTA || this == GATED_DELTA;
    }

    /**
     * The rule called {@code name}: "linear", "gated", "delta" or "gated_delta" (any case).
     *
     * @throws IllegalArgumentException naming the valid names, for null or any other name
     */
    public static LinearRule fromName(String name) {
        if (name != null) {
            String n = name.toLowerCase(Locale.ROOT);
            for (LinearRule r : values()) {
                if (r.cliName.equals(n)) return r;
            }
        }
        throw new IllegalArgumentException("rule: unknown name " + (name == null ? "null" : "'" + name + "'")
                + "; valid names: linear, gated, delta, gated_delta");
    }
}
