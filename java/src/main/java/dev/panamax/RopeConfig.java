package dev.panamax;

/**
 * Rotary position embedding settings ({@code pmx_rope_config} of {@code panamax.h}), validated when built.
 *
 * <p>A row at position {@code p} has the feature pairs {@code (a, b)} of its first {@code rd} features
 * (rd = the rotary dim; the others pass through) rotated by {@code p·invFreq[i]}:
 * {@code x'[a] = x[a]·cos - x[b]·sin}, {@code x'[b] = x[b]·cos + x[a]·sin}, with cos and sin both times the
 * attention factor. {@code invFreq[i] = theta^(-2i/rd)}, then the {@link RopeScaling}. Angles are formed in
 * float64 from the integer position, so positions far beyond the trained context stay accurate.
 *
 * <table class="striped">
 * <caption>Fields (the default in brackets)</caption>
 * <tr><th>field</th><th>used by</th><th>meaning</th></tr>
 * <tr><td>{@code style}</td><td>all</td><td>{@link RopeStyle}: pairs {@code (i, i+rd/2)} or
 *     {@code (2i, 2i+1)} [HALF]</td></tr>
 * <tr><td>{@code rotaryDim}</td><td>all</td><td>rd: even, 2 .. D; 0 means D [0]</td></tr>
 * <tr><td>{@code theta}</td><td>all</td><td>the base, finite and &gt; 0 [10000]</td></tr>
 * <tr><td>{@code scaling}</td><td>all</td><td>{@link RopeScaling} [NONE]</td></tr>
 * <tr><td>{@code factor}</td><td>LINEAR, YARN, LLAMA3</td><td>&gt; 0, required</td></tr>
 * <tr><td>{@code ntkAlpha}</td><td>NTK</td><td>&gt; 0, required (and rd &ge; 4)</td></tr>
 * <tr><td>{@code originalMaxPosition}</td><td>YARN, LLAMA3</td><td>the trained context, &gt; 0, required</td></tr>
 * <tr><td>{@code betaFast}, {@code betaSlow}</td><td>YARN</td><td>rotation counts bounding the ramp,
 *     finite and &gt; 0 [32, 1]</td></tr>
 * <tr><td>{@code lowFreqFactor}, {@code highFreqFactor}</td><td>LLAMA3</td><td>&gt; 0, high &gt; low,
 *     required</td></tr>
 * <tr><td>{@code attentionFactor}</td><td>all</td><td>scales cos and sin; 0 means the scaling's default
 *     (YARN: 0.1·ln(factor) + 1, 1 when factor &le; 1; others: 1) [0]</td></tr>
 * <tr><td>{@code offset}</td><td>all</td><td>added to every position, |offset| &le; 2^40 [0]</td></tr>
 * </table>
 * Fields a scaling does not use are ignored. Whether rd fits the head dim D is checked at each call.
 *
 * <p>Immutable; built with {@link #builder()} (or {@link #toBuilder()}); equal when every field is equal.
 */
public final class RopeConfig {
    /** The largest |offset| accepted: positions plus the offset stay exact in float64. */
    public static final long MAX_OFFSET = 1L << 40;

    private final RopeStyle style;
    private final RopeScaling scaling;
    private final int rotaryDim;
    private final double theta;
    private final float factor;
    private final float ntkAlpha;
    private final int originalMaxPosition;
    private final float betaFast;
    private final float betaSlow;
    private final float lowFreqFactor;
    private final float highFreqFactor;
    private final float attentionFactor;
    private final long offset;

    private RopeConfig(Builder b) {
        if (b.style == null) throw new IllegalArgumentException("style: must not be null");
        if (b.scaling == null) throw new IllegalArgumentException("scaling: must not be null");
        if (b.rotaryDim < 0) throw new IllegalArgumentException("rotaryDim: " + b.rotaryDim + " is negative (0 means D)");
        if (b.rotaryDim % 2 != 0) throw new IllegalArgumentException("rotaryDim: " + b.rotaryDim + " is odd");
        if (b.rotaryDim > Attention.MAX_HEAD_DIM) {
            throw new IllegalArgumentException("rotaryDim: " + b.rotaryDim + " exceeds the largest head dim "
                    + Attention.MAX_HEAD_DIM);
        }
        if (!(Double.isFinite(b.theta) && b.theta > 0)) {
            throw new IllegalArgumentException("theta: must be finite and > 0, got " + b.theta);
        }
        if (!(Float.isFinite(b.attentionFactor) && b.attentionFactor >= 0)) {
            throw new IllegalArgumentException("attentionFactor: must be finite and >= 0 (0 means the scaling's "
                    + "default), got " + b.attentionFactor);
        }
        if (b.offset < -MAX_OFFSET || b.offset > MAX_OFFSET) {
            throw new IllegalArgumentException("offset: " + b.offset + " is outside -2^40 .. 2^40");
        }
        switch (b.scaling) {
            case LINEAR -> positive("factor", b.factor, "LINEAR");
            case NTK -> {
                positive("ntkAlpha", b.ntkAlpha, "NTK");
                if (b.rotaryDim == 2) {
                    throw new IllegalArgumentException("rotaryDim: NTK scaling needs rotaryDim >= 4 "
                            + "(theta·alpha^(rd/(rd-2))), got 2");
                }
            }
            case YARN -> {
                positive("factor", b.factor, "YARN");
                maxPosition(b.originalMaxPosition, "YARN");
                positive("betaFast", b.betaFast, "YARN");
                positive("betaSlow", b.betaSlow, "YARN");
                if (b.theta == 1) {
                    throw new IllegalArgumentException("theta: YARN scaling divides by ln(theta): theta must not be 1");
                }
            }
            case LLAMA3 -> {
                positive("factor", b.factor, "LLAMA3");
                maxPosition(b.originalMaxPosition, "LLAMA3");
                positive("lowFreqFactor", b.lowFreqFactor, "LLAMA3");
                positive("highFreqFactor", b.highFreqFactor, "LLAMA3");
                if (!(b.highFreqFactor > b.lowFreqFactor)) {
                    throw new IllegalArgumentException("highFreqFactor: must exceed lowFreqFactor ("
                            + b.lowFreqFactor + "), got " + b.highFreqFactor);
                }
            }
            case NONE -> { }
        }
        style = b.style;
        scaling = b.scaling;
        rotaryDim = b.rotaryDim;
        theta = b.theta;
        factor = b.factor;
        ntkAlpha = b.ntkAlpha;
        originalMaxPosition = b.originalMaxPosition;
        betaFast = b.betaFast;
        betaSlow = b.betaSlow;
        lowFreqFactor = b.lowFreqFactor;
        highFreqFactor = b.highFreqFactor;
        attentionFactor = b.attentionFactor;
        offset = b.offset;
    }

    private static void positive(String field, float value, String scaling) {
        if (!(Float.isFinite(value) && value > 0)) {
            throw new IllegalArgumentException(field + ": " + scaling + " scaling needs a finite value > 0, got "
                    + value);
        }
    }

    private static void maxPosition(int value, String scaling) {
        if (value <= 0) {
            throw new IllegalArgumentException("originalMaxPosition: " + scaling + " scaling needs a value > 0, got "
                    + value);
        }
    }

    /** A builder with every default: HALF, rd = D, theta 10000, no scaling. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder().style(style).scaling(scaling).rotaryDim(rotaryDim).theta(theta).factor(factor)
                .ntkAlpha(ntkAlpha).originalMaxPosition(originalMaxPosition).betaFast(betaFast).betaSlow(betaSlow)
                .lowFreqFactor(lowFreqFactor).highFreqFactor(highFreqFactor).attentionFactor(attentionFactor)
                .offset(offset);
    }

    public RopeStyle style() {
        return style;
    }

    public RopeScaling scaling() {
        return scaling;
    }

    /** rd; 0 means the head dim D. */
    public int rotaryDim() {
        return rotaryDim;
    }

    public double theta() {
        return theta;
    }

    public float factor() {
        return factor;
    }

    public float ntkAlpha() {
        return ntkAlpha;
    }

    public int originalMaxPosition() {
        return originalMaxPosition;
    }

    public float betaFast() {
        return betaFast;
    }

    public float betaSlow() {
        return betaSlow;
    }

    public float lowFreqFactor() {
        return lowFreqFactor;
    }

    public float highFreqFactor() {
        return highFreqFactor;
    }

    /** 0 means the scaling's default. */
    public float attentionFactor() {
        return attentionFactor;
    }

    public long offset() {
        return offset;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RopeConfig c && style == c.style && scaling == c.scaling && rotaryDim == c.rotaryDim
                && Double.compare(theta, c.theta) == 0 && Float.compare(factor, c.factor) == 0
                && Float.compare(ntkAlpha, c.ntkAlpha) == 0 && originalMaxPosition == c.originalMaxPosition
                && Float.compare(betaFast, c.betaFast) == 0 && Float.compare(betaSlow, c.betaSlow) == 0
                && Float.compare(lowFreqFactor, c.lowFreqFactor) == 0
                && Float.compare(highFreqFactor, c.highFreqFactor) == 0
                && Float.compare(attentionFactor, c.attentionFactor) == 0 && offset == c.offset;
    }

    @Override
    public int hashCode() {
        int h = style.hashCode();
        h = 31 * h + scaling.hashCode();
        h = 31 * h + rotaryDim;
        h = 31 * h + Double.hashCode(theta);
        h = 31 * h + Float.hashCode(factor);
        h = 31 * h + Float.hashCode(ntkAlpha);
        h = 31 * h + originalMaxPosition;
        h = 31 * h + Float.hashCode(betaFast);
        h = 31 * h + Float.hashCode(betaSlow);
        h = 31 * h + Float.hashCode(lowFreqFactor);
        h = 31 * h + Float.hashCode(highFreqFactor);
        h = 31 * h + Float.hashCode(attentionFactor);
        return 31 * h + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("RopeConfig[").append(style)
                .append(", rotaryDim=").append(rotaryDim == 0 ? "D" : Integer.toString(rotaryDim))
                .append(", theta=").append(theta).append(", scaling=").append(scaling);
        switch (scaling) {
            case LINEAR -> s.append(", factor=").append(factor);
            case NTK -> s.append(", ntkAlpha=").append(ntkAlpha);
            case YARN -> s.append(", factor=").append(factor).append(", originalMaxPosition=")
                    .append(originalMaxPosition).append(", betaFast=").append(betaFast).append(", betaSlow=")
                    .append(betaSlow);
            case LLAMA3 -> s.append(", factor=").append(factor).append(", originalMaxPosition=")
                    .append(originalMaxPosition).append(", lowFreqFactor=").append(lowFreqFactor)
                    .append(", highFreqFactor=").append(highFreqFactor);
            case NONE -> { }
        }
        if (attentionFactor != 0) s.append(", attentionFactor=").append(attentionFactor);
        if (offset != 0) s.append(", offset=").append(offset);
        return s.append(']').toString();
    }

    /** Builds a {@link RopeConfig}; not thread-safe; validation happens in {@link #build()}. */
    public static final class Builder {
        private RopeStyle style = RopeStyle.HALF;
        private RopeScaling scaling = RopeScaling.NONE;
        private int rotaryDim;
        private double theta = 10000;
        private float factor;
        private float ntkAlpha;
        private int originalMaxPosition;
        private float betaFast = 32;
        private float betaSlow = 1;
        private float lowFreqFactor;
        private float highFreqFactor;
        private float attentionFactor;
        private long offset;

        private Builder() {}

        public Builder style(RopeStyle style) {
            this.style = style;
            return this;
        }

        public Builder scaling(RopeScaling scaling) {
            this.scaling = scaling;
            return this;
        }

        /** rd: even, 2 .. D; 0 (the default) means D. */
        public Builder rotaryDim(int rotaryDim) {
            this.rotaryDim = rotaryDim;
            return this;
        }

        public Builder theta(double theta) {
            this.theta = theta;
            return this;
        }

        public Builder factor(float factor) {
            this.factor = factor;
            return this;
        }

        public Builder ntkAlpha(float ntkAlpha) {
            this.ntkAlpha = ntkAlpha;
            return this;
        }

        public Builder originalMaxPosition(int originalMaxPosition) {
            this.originalMaxPosition = originalMaxPosition;
            return this;
        }

        public Builder betaFast(float betaFast) {
            this.betaFast = betaFast;
            return this;
        }

        public Builder betaSlow(float betaSlow) {
            this.betaSlow = betaSlow;
            return this;
        }

        public Builder lowFreqFactor(float lowFreqFactor) {
            this.lowFreqFactor = lowFreqFactor;
            return this;
        }

        public Builder highFreqFactor(float highFreqFactor) {
            this.highFreqFactor = highFreqFactor;
            return this;
        }

        /** 0 (the default) means the scaling's default. */
        public Builder attentionFactor(float attentionFactor) {
            this.attentionFactor = attentionFactor;
            return this;
        }

        public Builder offset(long offset) {
            this.offset = offset;
            return this;
        }

        /**
         * The settings, validated.
         *
         * @throws IllegalArgumentException naming the field ("rotaryDim: 7 is odd")
         */
        public RopeConfig build() {
            return new RopeConfig(this);
        }
    }
}
