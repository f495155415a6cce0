package dev.panamax;

/**
 * Settings of an attention call, validated when constructed.
 *
 * <table class="striped">
 * <caption>Fields</caption>
 * <tr><th>field</th><th>meaning</th></tr>
 * <tr><td>{@code causal}</td><td>mask aligned to the bottom-right corner: query {@code i} (of Nq) sees key
 *     {@code j} (of Nk) iff {@code j <= i + (Nk - Nq)}; with Nq &gt; Nk the first Nq - Nk rows see nothing
 *     (output 0, lse -inf)</td></tr>
 * <tr><td>{@code scale}</td><td>multiplies q&middot;k before the softmax; {@code 0} means {@code 1/sqrt(D)};
 *     must be finite</td></tr>
 * <tr><td>{@code cuSeqlensQ}, {@code cuSeqlensK}</td><td>both null (dense batch) or both I32 rank-1
 *     contiguous {@code [B + 1]} with B &ge; 1 (packed variable-length batch): sequence {@code b} is rows
 *     {@code c[b] .. c[b+1]-1}; must start at 0 and never decrease (checked by the library at call
 *     time, since the contents may change)</td></tr>
 * </table>
 *
 * <p>Immutable; built with {@link #builder()} (or {@link #toBuilder()}), validated by
 * {@link Builder#build()}. New settings will be added as builder methods with defaults, so code written
 * against this version keeps compiling. The options hold references to the cuSeqlens tensors, not copies:
 * the library reads them during each call. Two options are equal when their settings are equal and they
 * refer to the same cuSeqlens tensors.
 */
public final class AttentionOptions {
    private static final AttentionOptions DEFAULTS = new Builder().build();

    private final boolean causal;
    private final float scale;
    private final Tensor cuSeqlensQ;
    private final Tensor cuSeqlensK;

    private AttentionOptions(Builder b) {
        if (!Float.isFinite(b.scale)) {
            throw new IllegalArgumentException("scale: must be finite (0 means 1/sqrt(D)), got " + b.scale);
        }
        if ((b.cuSeqlensQ == null) != (b.cuSeqlensK == null)) {
            throw new IllegalArgumentException((b.cuSeqlensQ == null ? "cuSeqlensQ" : "cuSeqlensK")
                    + ": is null; give both cuSeqlensQ and cuSeqlensK (packed varlen) or neither (dense)");
        }
        if (b.cuSeqlensQ != null) {
            checkCuSeqlens(b.cuSeqlensQ, "cuSeqlensQ");
            checkCuSeqlens(b.cuSeqlensK, "cuSeqlensK");
            if (b.cuSeqlensK.shape(0) != b.cuSeqlensQ.shape(0)) {
                throw new IllegalArgumentException("cuSeqlensK: has " + b.cuSeqlensK.shape(0)
                        + " entries but cuSeqlensQ has " + b.cuSeqlensQ.shape(0) + " (both are [B + 1])");
            }
        }
        this.causal = b.causal;
        this.scale = b.scale;
        this.cuSeqlensQ = b.cuSeqlensQ;
        this.cuSeqlensK = b.cuSeqlensK;
    }

    /** Whether the causal mask applies. */
    public boolean causal() {
        return causal;
    }

    /** The softmax scale; 0 means {@code 1/sqrt(D)}. */
    public float scale() {
        return scale;
    }

    /** Cumulative query lengths {@code [B + 1]} (I32), or null for a dense batch. */
    public Tensor cuSeqlensQ() {
        return cuSeqlensQ;
    }

    /** Cumulative key lengths {@code [B + 1]} (I32), or null for a dense batch. */
    public Tensor cuSeqlensK() {
        return cuSeqlensK;
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.causal = causal;
        b.scale = scale;
        b.cuSeqlensQ = cuSeqlensQ;
        b.cuSeqlensK = cuSeqlensK;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttentionOptions that && causal == that.causal
                && Float.floatToIntBits(scale) == Float.floatToIntBits(that.scale)
                && cuSeqlensQ == that.cuSeqlensQ && cuSeqlensK == that.cuSeqlensK;
    }

    @Override
    public int hashCode() {
        int h = Boolean.hashCode(causal);
        h = 31 * h + Float.hashCode(scale);
        h = 31 * h + System.identityHashCode(cuSeqlensQ);
        return 31 * h + System.identityHashCode(cuSeqlensK);
    }

    @Override
    public String toString() {
        return "AttentionOptions[causal=" + causal + ", scale=" + (scale == 0f ? "1/sqrt(D)" : scale)
                + (isVarlen() ? ", varlen B=" + (cuSeqlensQ.shape(0) - 1) : ", dense") + "]";
    }

    private static void checkCuSeqlens(Tensor t, String name) {
        if (t.dtype() != DType.I32) {
            throw new IllegalArgumentException(name + ": dtype " + t.dtype() + " is not accepted, expected I32");
        }
        if (t.rank() != 1) {
            throw new IllegalArgumentException(name + ": expected rank 1 [B + 1], got rank " + t.rank());
        }
        if (t.shape(0) < 2) {
            throw new IllegalArgumentException(name + ": needs shape [B + 1] with B >= 1, got [" + t.shape(0) + "]");
        }
        if (t.stride(0) != 1) {
            throw new IllegalArgumentException(name + ": must be contiguous (stride 1), stride is " + t.stride(0));
        }
    }

    /** Non-causal, scale {@code 1/sqrt(D)}, dense. */
    public static AttentionOptions defaults() {
        return DEFAULTS;
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether the batch is packed variable-length (the cuSeqlens are given). */
    public boolean isVarlen() {
        return cuSeqlensQ != null;
    }

    /** Builds {@link AttentionOptions}; not thread-safe; validation happens in {@link #build()}. */
    public static final class Builder {
        private boolean causal;
        private float scale;
        private Tensor cuSeqlensQ;
        private Tensor cuSeqlensK;

        private Builder() {}

        /** Whether to apply the causal mask (default false). */
        public Builder causal(boolean causal) {
            this.causal = causal;
            return this;
        }

        /** Softmax scale; 0 (the default) means {@code 1/sqrt(D)}. */
        public Builder scale(float scale) {
            this.scale = scale;
            return this;
        }

        /**
         * Packed variable-length batch: cumulative query and key lengths, both I32 {@code [B + 1]}.
         * Passing nulls returns to a dense batch.
         */
        public Builder varlen(Tensor cuSeqlensQ, Tensor cuSeqlensK) {
            this.cuSeqlensQ = cuSeqlensQ;
            this.cuSeqlensK = cuSeqlensK;
            return this;
        }

        /**
         * The options, validated.
         *
         * @throws IllegalArgumentException naming the field: non-finite scale; only one of the cuSeqlens
         *                                  given; a cuSeqlens that is not I32, rank 1, contiguous, of
         *                                  length at least 2; the two of different lengths
         */
        public AttentionOptions build() {
            return new AttentionOptions(this);
        }
    }
}
