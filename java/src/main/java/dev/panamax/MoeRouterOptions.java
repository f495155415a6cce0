package dev.panamax;

import dev.panamax.internal.MoeParams;

import java.util.Objects;

/**
 * The settings of the {@link MoE} router, validated when built.
 *
 * <table class="striped">
 * <caption>Fields</caption>
 * <tr><th>field</th><th>meaning</th><th>default</th></tr>
 * <tr><td>{@code topK}</td><td>k, the experts each token goes to: at least 1, at most E (checked at call
 *     time, when E is known) and {@link #MAX_EXPERTS}</td><td>required</td></tr>
 * <tr><td>{@code scoring}</td><td>softmax over a token's logits, or a sigmoid per logit</td>
 *     <td>{@link MoeScoring#SOFTMAX}</td></tr>
 * <tr><td>{@code renormalize}</td><td>divide the k weights of a token by their sum (they then sum to 1;
 *     before any capacity is applied)</td><td>false</td></tr>
 * <tr><td>{@code capacityFactor}</td><td>each expert keeps at most {@code ceil(capacityFactor·T·k / E)}
 *     assignments, taken in token order, then slot order; the rest are dropped and contribute nothing. 0
 *     keeps all (dropless). Finite, {@code >= 0}</td><td>0</td></tr>
 * <tr><td>{@code noiseStd}</td><td>adds {@code noiseStd·n} to each logit, n standard normal from a
 *     counter-based generator of {@code (noiseSeed, t, e)} (SplitMix64, Box-Muller): the same noise for the
 *     same seed on any machine and thread count. Finite, {@code >= 0}; 0 adds none</td><td>0</td></tr>
 * <tr><td>{@code noiseSeed}</td><td>the noise's seed (read as unsigned 64 bits)</td><td>0</td></tr>
 * </table>
 *
 * <p>Immutable; built with {@link #builder()} (or {@link #toBuilder()}); {@link #defaults(int)} for the
 * defaults with a given k.
 */
public final class MoeRouterOptions {
    /** The largest expert count E (PMX_MAX_MOE_EXPERTS); k is at most E. */
    public static final int MAX_EXPERTS = MoeParams.MAX_EXPERTS;

    private final int topK;
    private final MoeScoring scoring;
    private final boolean renormalize;
    private final double capacityFactor;
    private final double noiseStd;
    private final long noiseSeed;

    private MoeRouterOptions(Builder b) {
        if (b.topK < 1 || b.topK > MAX_EXPERTS) {
            throw new IllegalArgumentException("topK: must be in 1.." + MAX_EXPERTS + " (and at most E), got "
                    + b.topK);
        }
        if (b.scoring == null) throw new IllegalArgumentException("scoring: must not be null");
        if (!(b.capacityFactor >= 0) || !Double.isFinite(b.capacityFactor)) {
            throw new IllegalArgumentException("capacityFactor: must be finite and >= 0 (0 = dropless), got "
                    + b.capacityFactor);
        }
        if (!(b.noiseStd >= 0) || !Double.isFinite(b.noiseStd)) {
            throw new IllegalArgumentException("noiseStd: must be finite and >= 0 (0 = no noise), got " + b.noiseStd);
        }
        this.topK = b.topK;
        this.scoring = b.scoring;
        this.renormalize = b.renormalize;
        this.capacityFactor = b.capacityFactor;
        this.noiseStd = b.noiseStd;
        this.noiseSeed = b.noiseSeed;
    }

    /**
     * k experts per token, softmax scores, no renormalisation, dropless, no noise.
     *
     * @throws IllegalArgumentException naming topK when it is outside 1 .. {@link #MAX_EXPERTS}
     */
    public static MoeRouterOptions defaults(int topK) {
        return builder().topK(topK).build();
    }

    /** A builder with the defaults and no topK yet (set it: {@link Builder#build()} refuses 0). */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.topK = topK;
        b.scoring = scoring;
        b.renormalize = renormalize;
        b.capacityFactor = capacityFactor;
        b.noiseStd = noiseStd;
        b.noiseSeed = noiseSeed;
        return b;
    }

    /** k: the experts each token is routed to. */
    public int topK() {
        return topK;
    }

    public MoeScoring scoring() {
        return scoring;
    }

    public boolean renormalize() {
        return renormalize;
    }

    /** The capacity factor; 0 = dropless. */
    public double capacityFactor() {
        return capacityFactor;
    }

    public double noiseStd() {
        return noiseStd;
    }

    public long noiseSeed() {
        return noiseSeed;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MoeRouterOptions x && topK == x.topK && scoring == x.scoring
                && renormalize == x.renormalize && Double.compare(capacityFactor, x.capacityFactor) == 0
                && Double.compare(noiseStd, x.noiseStd) == 0 && noiseSeed == x.noiseSeed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(topK, scoring, renormalize, capacityFactor, noiseStd, noiseSeed);
    }

    @Override
    public String toString() {
        return "MoeRouterOptions[topK=" + topK + ", scoring=" + scoring + ", renormalize=" + renormalize
                + ", capacityFactor=" + capacityFactor + ", noiseStd=" + noiseStd + ", noiseSeed="
                + Long.toUnsignedString(noiseSeed) + "]";
    }

    /** Builds {@link MoeRouterOptions}; every setter returns this. */
    public static final class Builder {
        private int topK;
        private MoeScoring scoring = MoeScoring.SOFTMAX;
        private boolean renormalize;
        private double capacityFactor;
        private double noiseStd;
        private long noiseSeed;

        private Builder() {}

        /** k, 1 .. E (required). */
        public Builder topK(int topK) {
            this.topK = topK;
            return this;
        }

        /** Not null. */
        public Builder scoring(MoeScoring scoring) {
            this.scoring = scoring;
            return this;
        }

        public Builder renormalize(boolean on) {
            this.renormalize = on;
            return this;
        }

        /** Finite, {@code >= 0}; 0 = dropless. */
        public Builder capacityFactor(double capacityFactor) {
            this.capacityFactor = capacityFactor;
            return this;
        }

        /** Finite, {@code >= 0}; 0 = no noise. */
        public Builder noiseStd(double noiseStd) {
            this.noiseStd = noiseStd;
            return this;
        }

        public Builder noiseSeed(long noiseSeed) {
            this.noiseSeed = noiseSeed;
            return this;
        }

        /** @throws IllegalArgumentException naming the field (topK, scoring, capacityFactor, noiseStd) */
        public MoeRouterOptions build() {
            return new MoeRouterOptions(this);
        }
    }
}
