package dev.panamax;

import dev.panamax.internal.ffi.Panamax_h;

import java.util.Locale;

/**
 * The feature map φ {@link LinearAttention} applies to each query and key row ({@code pmx_feature_map}). F, the
 * features per row, is the key dim Dk, except for {@link #FAVOR} (the random matrix's row count m).
 */
public enum FeatureMap {
    /** {@code φ(x) = elu(x) + 1}: {@code x + 1} for {@code x > 0}, {@code e^x} otherwise (Katharopoulos et al.). */
    ELU1(Panamax_h.PMX_FEATURE_ELU1(), "elu1"),
    /** {@code φ(x) = max(x, 0)}. */
    RELU(Panamax_h.PMX_FEATURE_RELU(), "relu"),
    /** {@code φ(x) = x}: no map (the form ONNX Runtime and FLA compute, usually without normalisation). */
    IDENTITY(Panamax_h.PMX_FEATURE_IDENTITY(), "identity"),
    /**
     * FAVOR+ positive random features (Performer): {@code φ(x) = exp(W·x' − |x'|²/2) / √m} with
     * {@code x' = x·Dk^(−1/4)} and W the {@link LinearAttentionOptions#randomMatrix() random matrix}
     * {@code [m, Dk]} ({@link LinearAttention#favorRandomMatrix(java.lang.foreign.Arena, long, long, long)
     * favorRandomMatrix} draws one); F = m.
     */
    FAVOR(Panamax_h.PMX_FEATURE_FAVOR(), "favor");

    private final int code;
    private final String cliName;

    FeatureMap(int code, String cliName) {
        this.code = code;
        this.cliName = cliName;
    }

    /** The {@code pmx_feature_map} value. */
    public int code() {
        return code;
    }

    /**
     * The map called {@code name}: "elu1", "relu", "identity" or "favor" (any case).
     *
     * @throws IllegalArgumentException naming the valid names, for null or any other name
     */
    public static FeatureMap fromName(String name) {
        if (name != null) {
            String n = name.toLowerCase(Locale.ROOT);
            for (FeatureMap f : values()) {
                if (f.cliName.equals(n)) return f;
            }
        }
        throw new IllegalArgumentException("featureMap: unknown name " + (name == null ? "null" : "'" + name + "'")
                + "; valid names: elu1, relu, identity, favor");
    }
}
