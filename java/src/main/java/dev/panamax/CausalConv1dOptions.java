package dev.panamax;

import dev.panamax.internal.Checks;

import java.util.Objects;

/**
 * The optional parts of a {@link CausalConv1d} call, validated when built.
 *
 * <table class="striped">
 * <caption>Fields</caption>
 * <tr><th>field</th><th>meaning</th></tr>
 * <tr><td>{@code bias}</td><td>F32 {@code [C]}: added to each output before the activation</td></tr>
 * <tr><td>{@code silu}</td><td>the output is {@code silu(conv)} (Mamba's conv1d activation)</td></tr>
 * <tr><td>{@code stateIn}</td><td>F32 {@code [B, C, W - 1]}: the W - 1 inputs before the first token,
 *     oldest first (zeros when null)</td></tr>
 * <tr><td>{@code cuSeqlens}</td><td>I32 {@code [B + 1]}, contiguous: packed variable-length sequences
 *     (x {@code [total, C]}); each starts from its own {@code stateIn[b]}; the values are checked by the
 *     library at call time</td></tr>
 * </table>
 *
 * <p>Immutable; built with {@link #builder()} (or {@link #toBuilder()}). The options hold references to
 * the tensors, not copies.
 */
public final class CausalConv1dOptions {
    private static final CausalConv1dOptions DEFAULTS = new Builder().build();

    private final Tensor bias;
    private final boolean silu;
    private final Tensor stateIn;
    private final Tensor cuSeqlens;

    private CausalConv1dOptions(Builder b) {
        if (b.cuSeqlens != null) Checks.cuSeqlens(b.cuSeqlens, "cuSeqlens");
        this.bias = b.bias;
        this.silu = b.silu;
        this.stateIn = b.stateIn;
        this.cuSeqlens = b.cuSeqlens;
    }

    /** No bias, no activation, a zero initial state, dense tensors. */
    public static CausalConv1dOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.bias = bias;
        b.silu = silu;
        b.stateIn = stateIn;
        b.cuSeqlens = cuSeqlens;
        return b;
    }

    public Tensor bias() {
        return bias;
    }

    public boolean silu() {
        return silu;
    }

    public Tensor stateIn() {
        return stateIn;
    }

    public Tensor cuSeqlens() {
        return cuSeqlens;
    }

    /** True when packed variable-length sequences are given. */
    public boolean varlen() {
        return cuSeqlens != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CausalConv1dOptions x && bias == x.bias && silu == x.silu && stateIn == x.stateIn
                && cuSeqlens == x.cuSeqlens;
    }

    @Override
    public int hashCode() {
        return Objects.hash(System.identityHashCode(bias), silu, System.identityHashCode(stateIn),
                System.identityHashCode(cuSeqlens));
    }

    @Override
    public String toString() {
        return "CausalConv1dOptions[bias=" + (bias != null) + ", silu=" + silu + ", stateIn=" + (stateIn != null)
                + ", varlen=" + varlen() + "]";
    }

    /** Builds {@link CausalConv1dOptions}; every setter returns this. */
    public static final class Builder {
        private Tensor bias;
        private boolean silu;
        private Tensor stateIn;
        private Tensor cuSeqlens;

        private Builder() {}

        /** F32 {@code [C]}, or null. */
        public Builder bias(Tensor bias) {
            this.bias = bias;
            return this;
        }

        public Builder silu(boolean on) {
            this.silu = on;
            return this;
        }

        /** F32 {@code [B, C, W - 1]}, or null (zeros). */
        public Builder stateIn(Tensor stateIn) {
            this.stateIn = stateIn;
            return this;
        }

        /** I32 {@code [B + 1]}, or null (dense {@code [B, L, C]} tensors). */
        public Builder cuSeqlens(Tensor cuSeqlens) {
            this.cuSeqlens = cuSeqlens;
            return this;
        }

        /** @throws IllegalArgumentException naming the field */
        public CausalConv1dOptions build() {
            return new CausalConv1dOptions(this);
        }
    }
}
