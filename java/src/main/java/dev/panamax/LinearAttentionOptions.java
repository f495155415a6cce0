package dev.panamax;

import dev.panamax.internal.LinearAttentionParams;

import java.util.Objects;

/**
 * The settings and optional tensors of a {@link LinearAttention} call, validated when built.
 *
 * <table class="striped">
 * <caption>Fields</caption>
 * <tr><th>field</th><th>meaning</th><th>default</th></tr>
 * <tr><td>{@code featureMap}</td><td>φ, applied to each query and key row ({@link FeatureMap})</td>
 *     <td>{@link FeatureMap#ELU1}</td></tr>
 * <tr><td>{@code causal}</td><td>output i sees keys {@code j <= i} only (chunked: a masked small attention
 *     inside a chunk, the running sums across chunks); {@link LinearAttention#step step} is always
 *     causal</td><td>false</td></tr>
 * <tr><td>{@code normalize}</td><td>divide by {@code φ(q)ᵀZ + eps}; off: {@code φ(q)ᵀS} as is (the form
 *     ONNX Runtime and FLA use)</td><td>true</td></tr>
 * <tr><td>{@code eps}</td><td>added to the denominator; finite, {@code >= 0}</td>
 *     <td>{@link #DEFAULT_EPS}</td></tr>
 * <tr><td>{@code chunk}</td><td>tokens per chunk of the causal form, 1 .. {@link #MAX_CHUNK}; 0 means
 *     {@link #DEFAULT_CHUNK}. Changes results only by rounding; 0 for a step</td><td>0</td></tr>
 * <tr><td>{@code randomMatrix}</td><td>W {@code [m, Dk]} of {@link FeatureMap#FAVOR}, required with it and
 *     refused without it; {@code 1 <= m <= }{@link #MAX_FEATURES}</td><td>null</td></tr>
 * <tr><td>{@code stateIn}</td><td>{@code [B, Hkv, F, Dv]}: added to S before the first token (0 when
 *     null)</td><td>null</td></tr>
 * <tr><td>{@code normIn}</td><td>{@code [B, Hkv, F]}: added to Z before the first token (0 when null)</td>
 *     <td>null</td></tr>
 * </table>
 *
 * <p>Immutable; built with {@link #builder()} (or {@link #toBuilder()}). The options hold references to the
 * tensors, not copies; their shapes are checked against q, k and v at call time.
 */
public final class LinearAttentionOptions {
    /** The chunk used when none is given (PMX_LINEAR_DEFAULT_CHUNK). */
    public static final long DEFAULT_CHUNK = LinearAttentionParams.DEFAULT_CHUNK;
    /** The largest chunk (PMX_MAX_LINEAR_CHUNK). */
    public static final long MAX_CHUNK = LinearAttentionParams.MAX_CHUNK;
    /** The largest key dim Dk and feature count F (PMX_MAX_LINEAR_FEATURES). */
    public static final long MAX_FEATURES = LinearAttentionParams.MAX_FEATURES;
    /** The largest value dim Dv (PMX_MAX_LINEAR_HEAD_DIM). */
    public static final long MAX_HEAD_DIM = LinearAttentionParams.MAX_HEAD_DIM;
    /** The default eps. */
    public static final double DEFAULT_EPS = 1e-6;

    private static final LinearAttentionOptions DEFAULTS = new Builder().build();

    private final FeatureMap featureMap;
    private final boolean causal;
    private final boolean normalize;
    private final double eps;
    private final long chunk;
    private final Tensor randomMatrix;
    private final Tensor stateIn;
    private final Tensor normIn;

    private LinearAttentionOptions(Builder b) {
        if (b.featureMap == null) throw new IllegalArgumentException("featureMap: must not be null");
        if (!(b.eps >= 0) || !Double.isFinite(b.eps)) {
            throw new IllegalArgumentException("eps: must be finite and >= 0, got " + b.eps);
        }
        if (b.chunk < 0 || b.chunk > MAX_CHUNK) {
            throw new IllegalArgumentException("chunk: must be in 0.." + MAX_CHUNK + " (0 = " + DEFAULT_CHUNK
                    + "), got " + b.chunk);
        }
        if (b.featureMap == FeatureMap.FAVOR && b.randomMatrix == null) {
            throw new IllegalArgumentException("randomMatrix: the FAVOR feature map needs one ([m, Dk]; "
                    + "LinearAttention.favorRandomMatrix draws one)");
        }
        if (b.featureMap != FeatureMap.FAVOR && b.randomMatrix != null) {
            throw new IllegalArgumentException("randomMatrix: only the FAVOR feature map takes one (the map is "
                    + b.featureMap + ")");
        }
        this.featureMap = b.featureMap;
        this.causal = b.causal;
        this.normalize = b.normalize;
        this.eps = b.eps;
        this.chunk = b.chunk;
        this.randomMatrix = b.randomMatrix;
        this.stateIn = b.stateIn;
        this.normIn = b.normIn;
    }

    /** ELU1, non-causal, normalised with {@link #DEFAULT_EPS}, the default chunk, no initial state. */
    public static LinearAttentionOptions defaults() {
        return DEFAULTS;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.featureMap = featureMap;
        b.causal = causal;
        b.normalize = normalize;
        b.eps = eps;
        b.chunk = chunk;
        b.randomMatrix = randomMatrix;
        b.stateIn = stateIn;
        b.normIn = normIn;
        return b;
    }

    /** φ, the feature map. */
    public FeatureMap featureMap() {
        return featureMap;
    }

    /** True when output i sees keys {@code j <= i} only (ignored by a step, which is always causal). */
    public boolean causal() {
        return causal;
    }

    /** True when outputs are divided by {@code φ(q)ᵀZ + eps}. */
    public boolean normalize() {
        return normalize;
    }

    /** Added to the denominator when normalising. */
    public double eps() {
        return eps;
    }

    /** The chunk as given (0 = {@link #DEFAULT_CHUNK}). */
    public long chunk() {
        return chunk;
    }

    /** W {@code [m, Dk]} of {@link FeatureMap#FAVOR}; null for the other maps. */
    public Tensor randomMatrix() {
        return randomMatrix;
    }

    /** S before the first token, {@code [B, Hkv, F, Dv]}; null means 0. */
    public Tensor stateIn() {
        return stateIn;
    }

    /** Z before the first token, {@code [B, Hkv, F]}; null means 0. */
    public Tensor normIn() {
        return normIn;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LinearAttentionOptions x && featureMap == x.featureMap && causal == x.causal
                && normalize == x.normalize && Double.compare(eps, x.eps) == 0 && chunk == x.chunk
                && randomMatrix == x.randomMatrix && stateIn == x.stateIn && normIn == x.normIn;
    }

    @Override
    public int hashCode() {
        return Objects.hash(featureMap, causal, normalize, eps, chunk, System.identityHashCode(randomMatrix),
                System.identityHashCode(stateIn), System.identityHashCode(normIn));
    }

    @Override
    public String toString() {
        return "LinearAttentionOptions[featureMap=" + featureMap + ", causal=" + causal + ", normalize=" + normalize
                + ", eps=" + eps + ", chunk=" + chunk + ", randomMatrix=" + (randomMatrix != null) + ", stateIn="
                + (stateIn != null) + ", normIn=" + (normIn != null) + "]";
    }

    /** Builds {@link LinearAttentionOptions}; every setter returns this. */
    public static final class Builder {
        private FeatureMap featureMap = FeatureMap.ELU1;
        private boolean causal;
        private boolean normalize = true;
        private double eps = DEFAULT_EPS;
        private long chunk;
        private Tensor randomMatrix;
        private Tensor stateIn;
        private Tensor normIn;

        private Builder() {}

        /** φ; not null (default {@link FeatureMap#ELU1}). */
        public Builder featureMap(FeatureMap featureMap) {
            this.featureMap = featureMap;
            return this;
        }

        /** Output i sees keys {@code j <= i} only (default false). */
        public Builder causal(boolean causal) {
            this.causal = causal;
            return this;
        }

        /** Divide by {@code φ(q)ᵀZ + eps} (default true). */
        public Builder normalize(boolean normalize) {
            this.normalize = normalize;
            return this;
        }

        /** Finite, {@code >= 0}. */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        /** Tokens per chunk of the causal form, 1 .. {@link #MAX_CHUNK}; 0 = {@link #DEFAULT_CHUNK}. */
        public Builder chunk(long chunk) {
            this.chunk = chunk;
            return this;
        }

        /** W {@code [m, Dk]} (F32; F64 for the reference) with {@link FeatureMap#FAVOR}, else null. */
        public Builder randomMatrix(Tensor randomMatrix) {
            this.randomMatrix = randomMatrix;
            return this;
        }

        /** F32 {@code [B, Hkv, F, Dv]}, or null (a zero state). */
        public Builder stateIn(Tensor stateIn) {
            this.stateIn = stateIn;
            return this;
        }

        /** F32 {@code [B, Hkv, F]}, or null (a zero normaliser). */
        public Builder normIn(Tensor normIn) {
            this.normIn = normIn;
            return this;
        }

        /** @throws IllegalArgumentException naming the field */
        public LinearAttentionOptions build() {
            return new LinearAttentionOptions(this);
        }
    }
}
