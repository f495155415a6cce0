package dev.panamax;

import dev.panamax.internal.LinearRecurrenceParams;

import java.util.Objects;

/**
 * The optional tensors and settings of a {@link LinearRecurrence} call, validated when built (the shapes, and
 * whether the {@link LinearRule rule} needs a decay or beta, at call time).
 *
 * <table class="striped">
 * <caption>Fields</caption>
 * <tr><th>field</th><th>meaning</th></tr>
 * <tr><td>{@code decay}</td><td>g itself (not its log), each in {@code [0, 1]} (checked by the library):
 *     {@code [B, N, Hkv]} (one per head), or {@code [B, N, Hkv, Dk]} (one per key dim, {@link LinearRule#GATED}
 *     only); step {@code [B, Hkv]} / {@code [B, Hkv, Dk]}. Required by the gated rules, refused by the
 *     others</td></tr>
 * <tr><td>{@code beta}</td><td>β {@code [B, N, Hkv]} (step {@code [B, Hkv]}), finite (checked by the library).
 *     Required by the delta rules, refused by the others</td></tr>
 * <tr><td>{@code stateIn}</td><td>{@code [B, Hkv, Dk, Dv]}: the state before the first token (0 when
 *     null)</td></tr>
 * <tr><td>{@code chunk}</td><td>tokens per chunk of the chunked forms, 1 .. {@link #MAX_CHUNK}; 0 (the
 *     default) means {@link #DEFAULT_CHUNK}. Changes results only by rounding; 0 for a step</td></tr>
 * </table>
 *
 * <p>Immutable; built with {@link #builder()} (or {@link #toBuilder()}). The options hold references to the
 * tensors, not copies.
 */
public final class LinearRecurrenceOptions {
    /** The chunk used when none is given (PMX_LINEAR_DEFAULT_CHUNK). */
    public static final long DEFAULT_CHUNK = LinearRecurrenceParams.DEFAULT_CHUNK;
    /** The largest chunk (PMX_MAX_LINEAR_CHUNK). */
    public static final long MAX_CHUNK = LinearRecurrenceParams.MAX_CHUNK;
    /** The largest key dim Dk (PMX_MAX_LINEAR_FEATURES). */
    public static final long MAX_KEY_DIM = LinearRecurrenceParams.MAX_KEY_DIM;
    /** The largest value dim Dv (PMX_MAX_LINEAR_HEAD_DIM). */
    public static final long MAX_HEAD_DIM = LinearRecurrenceParams.MAX_HEAD_DIM;

    private static final LinearRecurrenceOptions DEFAULTS = new Builder().build();

    private final Tensor decay;
    private final Tensor beta;
    private final Tensor stateIn;
    private final long chunk;

    private LinearRecurrenceOptions(Builder b) {
        if (b.chunk < 0 || b.chunk > MAX_CHUNK) {
            throw new IllegalArgumentException("chunk: must be in 0.." + MAX_CHUNK + " (0 = " + DEFAULT_CHUNK
                    + "), got " + b.chunk);
        }
        this.decay = b.decay;
        this.beta = b.beta;
        this.stateIn = b.stateIn;
        this.chunk = b.chunk;
    }

    /** No decay, beta or initial state; the default chunk (enough for {@link LinearRule#LINEAR}). */
    public static LinearRecurrenceOptions defaults() {
        return DEFAULTS;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.decay = decay;
        b.beta = beta;
        b.stateIn = stateIn;
        b.chunk = chunk;
        return b;
    }

    /** g, per head or per key dim; null for the rules without decay. */
    public Tensor decay() {
        return decay;
    }

    /** β, per head; null for the rules without it. */
    public Tensor beta() {
        return beta;
    }

    /** The state before the first token, {@code [B, Hkv, Dk, Dv]}; null means 0. */
    public Tensor stateIn() {
        return stateIn;
    }

    /** The chunk as given (0 = {@link #DEFAULT_CHUNK}). */
    public long chunk() {
        return chunk;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LinearRecurrenceOptions x && decay == x.decay && beta == x.beta && stateIn == x.stateIn
                && chunk == x.chunk;
    }

    @Override
    public int hashCode() {
        return Objects.hash(System.identityHashCode(decay), System.identityHashCode(beta),
                System.identityHashCode(stateIn), chunk);
    }

    @Override
    public String toString() {
        return "LinearRecurrenceOptions[decay=" + (decay != null)
                + ", beta=" + (beta != null) + ", stateIn=" + (stateIn != null) + ", chunk=" + chunk + "]";
    }

    /** Builds {@link LinearRecurrenceOptions}; every setter returns this. */
    public static final class Builder {
        private Tensor decay;
        private Tensor beta;
        private Tensor stateIn;
        private long chunk;

        private Builder() {}

        /** F32 {@code [B, N, Hkv]} or {@code [B, N, Hkv, Dk]} (step: without N), or null. */
        public Builder decay(Tensor decay) {
            this.decay = decay;
            return this;
        }

        /** F32 {@code [B, N, Hkv]} (step: {@code [B, Hkv]}), or null. */
        public Builder beta(Tensor beta) {
            this.beta = beta;
            return this;
        }

        /** F32 {@code [B, Hkv, Dk, Dv]}, or null (a zero state). */
        public Builder stateIn(Tensor stateIn) {
            this.stateIn = stateIn;
            return this;
        }

        /** Tokens per chunk, 1 .. {@link #MAX_CHUNK}; 0 = {@link #DEFAULT_CHUNK}. */
        public Builder chunk(long chunk) {
            this.chunk = chunk;
            return this;
        }

        /** @throws IllegalArgumentException naming the field */
        public LinearRecurrenceOptions build() {
            return new LinearRecurrenceOptions(this);
        }
    }
}
