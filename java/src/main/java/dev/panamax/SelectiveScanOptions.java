package dev.panamax;

import dev.panamax.internal.Checks;

import java.util.Objects;

/**
 * The optional parts of a {@link SelectiveScan} call, validated when built.
 *
 * <table class="striped">
 * <caption>Fields</caption>
 * <tr><th>field</th><th>meaning</th></tr>
 * <tr><td>{@code d}</td><td>F32 {@code [Dm]}: adds {@code D[d]·u} to each output (the skip term)</td></tr>
 * <tr><td>{@code z}</td><td>F32, shaped like u: the output is multiplied by {@code silu(z)} (the gate)</td></tr>
 * <tr><td>{@code deltaBias}</td><td>F32 {@code [Dm]}: added to delta before the softplus</td></tr>
 * <tr><td>{@code deltaSoftplus}</td><td>{@code dt = softplus(delta + bias)} instead of {@code delta + bias}</td></tr>
 * <tr><td>{@code stateIn}</td><td>F32 {@code [B, Dm, Ns]}: the state before the first token (0 when null)</td></tr>
 * <tr><td>{@code cuSeqlens}</td><td>I32 {@code [B + 1]}, contiguous: packed variable-length sequences
 *     (u {@code [total, Dm]}, B and C {@code [total, G, Ns]}); sequence {@code b} is rows
 *     {@code c[b] .. c[b+1]-1} and starts from its own {@code stateIn[b]}; the values are checked by the
 *     library at call time</td></tr>
 * <tr><td>{@code chunk}</td><td>tokens per chunk along L; 0 (the default) lets the library choose. Chunks
 *     are how one long sequence with few channels uses every core; results agree with the sequential scan
 *     to rounding whatever the chunk</td></tr>
 * </table>
 *
 * <p>Immutable; built with {@link #builder()} (or {@link #toBuilder()}). The options hold references to
 * the tensors, not copies.
 */
public final class SelectiveScanOptions {
    private static final SelectiveScanOptions DEFAULTS = new Builder().build();

    private final Tensor d;
    private final Tensor z;
    private final Tensor deltaBias;
    private final boolean deltaSoftplus;
    private final Tensor stateIn;
    private final Tensor cuSeqlens;
    private final long chunk;

    private SelectiveScanOptions(Builder b) {
        if (b.chunk < 0) {
            throw new IllegalArgumentException("chunk: must be >= 0 (0 = automatic), got " + b.chunk);
        }
        if (b.cuSeqlens != null) Checks.cuSeqlens(b.cuSeqlens, "cuSeqlens");
        this.d = b.d;
        this.z = b.z;
        this.deltaBias = b.deltaBias;
        this.deltaSoftplus = b.deltaSoftplus;
        this.stateIn = b.stateIn;
        this.cuSeqlens = b.cuSeqlens;
        this.chunk = b.chunk;
    }

    /** No D, z, bias, softplus, initial state or varlen; automatic chunks. */
    public static SelectiveScanOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.d = d;
        b.z = z;
        b.deltaBias = deltaBias;
        b.deltaSoftplus = deltaSoftplus;
        b.stateIn = stateIn;
        b.cuSeqlens = cuSeqlens;
        b.chunk = chunk;
        return b;
    }

    public Tensor d() {
        return d;
    }

    public Tensor z() {
        return z;
    }

    public Tensor deltaBias() {
        return deltaBias;
    }

    public boolean deltaSoftplus() {
        return deltaSoftplus;
    }

    public Tensor stateIn() {
        return stateIn;
    }

    public Tensor cuSeqlens() {
        return cuSeqlens;
    }

    public long chunk() {
        return chunk;
    }

    /** True when packed variable-length sequences are given. */
    public boolean varlen() {
        return cuSeqlens != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SelectiveScanOptions x && d == x.d && z == x.z && deltaBias == x.deltaBias
                && deltaSoftplus == x.deltaSoftplus && stateIn == x.stateIn && cuSeqlens == x.cuSeqlens
                && chunk == x.chunk;
    }

    @Override
    public int hashCode() {
        return Objects.hash(System.identityHashCode(d), System.identityHashCode(z), System.identityHashCode(deltaBias),
                deltaSoftplus, System.identityHashCode(stateIn), System.identityHashCode(cuSeqlens), chunk);
    }

    @Override
    public String toString() {
        return "SelectiveScanOptions[D=" + (d != null) + ", z=" + (z != null) + ", deltaBias=" + (deltaBias != null)
                + ", deltaSoftplus=" + deltaSoftplus + ", stateIn=" + (stateIn != null) + ", varlen=" + varlen()
                + ", chunk=" + chunk + "]";
    }

    /** Builds {@link SelectiveScanOptions}; every setter returns this. */
    public static final class Builder {
        private Tensor d;
        private Tensor z;
        private Tensor deltaBias;
        private boolean deltaSoftplus;
        private Tensor stateIn;
        private Tensor cuSeqlens;
        private long chunk;

        private Builder() {}

        /** F32 {@code [Dm]}, or null. */
        public Builder d(Tensor d) {
            this.d = d;
            return this;
        }

        /** F32 shaped like u, or null. */
        public Builder z(Tensor z) {
            this.z = z;
            return this;
        }

        /** F32 {@code [Dm]}, or null. */
        public Builder deltaBias(Tensor deltaBias) {
            this.deltaBias = deltaBias;
            return this;
        }

        public Builder deltaSoftplus(boolean on) {
            this.deltaSoftplus = on;
            return this;
        }

        /** F32 {@code [B, Dm, Ns]}, or null (a zero state). */
        public Builder stateIn(Tensor stateIn) {
            this.stateIn = stateIn;
            return this;
        }

        /** I32 {@code [B + 1]}, or null (dense {@code [B, L, ...]} tensors). */
        public Builder cuSeqlens(Tensor cuSeqlens) {
            this.cuSeqlens = cuSeqlens;
            return this;
        }

        /** Tokens per chunk along L; 0 = automatic. */
        public Builder chunk(long chunk) {
            this.chunk = chunk;
            return this;
        }

        /** @throws IllegalArgumentException naming the field */
        public SelectiveScanOptions build() {
            return new SelectiveScanOptions(this);
        }
    }
}
