package dev.panamax;

import dev.panamax.internal.Checks;
import dev.panamax.internal.SsdParams;

import java.util.Objects;

/**
 * The optional parts of an {@link Ssd} call, validated when built.
 *
 * <table class="striped">
 * <caption>Fields</caption>
 * <tr><th>field</th><th>meaning</th></tr>
 * <tr><td>{@code d}</td><td>F32 {@code [H]}: adds {@code D[h]·x} to each output (the skip term)</td></tr>
 * <tr><td>{@code dtBias}</td><td>F32 {@code [H]}: added to dt before the softplus</td></tr>
 * <tr><td>{@code dtSoftplus}</td><td>{@code dt' = softplus(dt + bias)} instead of {@code dt + bias}</td></tr>
 * <tr><td>{@code stateIn}</td><td>F32 {@code [B, H, P, N]}: the state before the first token (0 when
 *     null)</td></tr>
 * <tr><td>{@code cuSeqlens}</td><td>I32 {@code [B + 1]}, contiguous: packed variable-length sequences (x
 *     {@code [total, H, P]}, dt {@code [total, H]}, B and C {@code [total, G, N]}); sequence {@code b} is rows
 *     {@code c[b] .. c[b+1]-1} and starts from its own {@code stateIn[b]}; the values are checked by the
 *     library at call time</td></tr>
 * <tr><td>{@code chunk}</td><td>tokens per chunk of the chunked algorithm, 1 .. {@link #MAX_CHUNK}; 0 (the
 *     default) means {@link #DEFAULT_CHUNK}. Results agree with the sequential recurrence to rounding whatever
 *     the chunk</td></tr>
 * </table>
 *
 * <p>Immutable; built with {@link #builder()} (or {@link #toBuilder()}). The options hold references to
 * the tensors, not copies.
 */
public final class SsdOptions {
    /** The chunk used when none is given (PMX_SSD_DEFAULT_CHUNK). */
    public static final long DEFAULT_CHUNK = SsdParams.DEFAULT_CHUNK;
    /** The largest chunk (PMX_MAX_SSD_CHUNK). */
    public static final long MAX_CHUNK = SsdParams.MAX_CHUNK;

    /** The largest state size N (PMX_MAX_SSD_STATE). */
    public static final long MAX_STATE = SsdParams.MAX_STATE;
    /** The largest head dim P (PMX_MAX_SSD_HEAD_DIM). */
    public static final long MAX_HEAD_DIM = SsdParams.MAX_HEAD_DIM;

    private static final SsdOptions DEFAULTS = new Builder().build();

    private final Tensor d;
    private final Tensor dtBias;
    private final boolean dtSoftplus;
    private final Tensor stateIn;
    private final Tensor cuSeqlens;
    private final long chunk;

    private SsdOptions(Builder b) {
        if (b.chunk < 0 || b.chunk > MAX_CHUNK) {
            throw new IllegalArgumentException("chunk: must be in 0.." + MAX_CHUNK + " (0 = " + DEFAULT_CHUNK
                    + "), got " + b.chunk);
        }
        if (b.cuSeqlens != null) Checks.cuSeqlens(b.cuSeqlens, "cuSeqlens");
        this.d = b.d;
        this.dtBias = b.dtBias;
        this.dtSoftplus = b.dtSoftplus;
        this.stateIn = b.stateIn;
        this.cuSeqlens = b.cuSeqlens;
        this.chunk = b.chunk;
    }

    /** No D, bias, softplus, initial state or varlen; the default chunk. */
    public static SsdOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.d = d;
        b.dtBias = dtBias;
        b.dtSoftplus = dtSoftplus;
        b.stateIn = stateIn;
        b.cuSeqlens = cuSeqlens;
        b.chunk = chunk;
        return b;
    }

    public Tensor d() {
        return d;
    }

    public Tensor dtBias() {
        return dtBias;
    }

    public boolean dtSoftplus() {
        return dtSoftplus;
    }

    public Tensor stateIn() {
        return stateIn;
    }

    public Tensor cuSeqlens() {
        return cuSeqlens;
    }

    /** The chunk as given (0 = {@link #DEFAULT_CHUNK}). */
    public long chunk() {
        return chunk;
    }

    /** True when packed variable-length sequences are given. */
    public boolean varlen() {
        return cuSeqlens != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SsdOptions x && d == x.d && dtBias == x.dtBias && dtSoftplus == x.dtSoftplus
                && stateIn == x.stateIn && cuSeqlens == x.cuSeqlens && chunk == x.chunk;
    }

    @Override
    public int hashCode() {
        return Objects.hash(System.identityHashCode(d), System.identityHashCode(dtBias), dtSoftplus,
                System.identityHashCode(stateIn), System.identityHashCode(cuSeqlens), chunk);
    }

    @Override
    public String toString() {
        return "SsdOptions[D=" + (d != null) + ", dtBias=" + (dtBias != null) + ", dtSoftplus=" + dtSoftplus
                + ", stateIn=" + (stateIn != null) + ", varlen=" + varlen() + ", chunk=" + chunk + "]";
    }

    /** Builds {@link SsdOptions}; every setter returns this. */
    public static final class Builder {
        private Tensor d;
        private Tensor dtBias;
        private boolean dtSoftplus;
        private Tensor stateIn;
        private Tensor cuSeqlens;
        private long chunk;

        private Builder() {}

        /** F32 {@code [H]}, or null. */
        public Builder d(Tensor d) {
            this.d = d;
            return this;
        }

        /** F32 {@code [H]}, or null. */
        public Builder dtBias(Tensor dtBias) {
            this.dtBias = dtBias;
            return this;
        }

        public Builder dtSoftplus(boolean on) {
            this.dtSoftplus = on;
            return this;
        }

        /** F32 {@code [B, H, P, N]}, or null (a zero state). */
        public Builder stateIn(Tensor stateIn) {
            this.stateIn = stateIn;
            return this;
        }

        /** I32 {@code [B + 1]}, or null (dense {@code [B, L, ...]} tensors). */
        public Builder cuSeqlens(Tensor cuSeqlens) {
            this.cuSeqlens = cuSeqlens;
            return this;
        }

        /** Tokens per chunk, 1 .. {@link #MAX_CHUNK}; 0 = {@link #DEFAULT_CHUNK}. */
        public Builder chunk(long chunk) {
            this.chunk = chunk;
            return this;
        }

        /** @throws IllegalArgumentException naming the field */
        public SsdOptions build() {
            return new SsdOptions(this);
        }
    }
}
