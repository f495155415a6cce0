package dev.panamax;

import dev.panamax.internal.Checks;

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
 * <tr><td>{@code window}</td><td>sliding window: query {@code i} sees key {@code j} iff
 *     {@code i+off-windowLeft <= j <= i+off+windowRight} with {@code off = Nk - Nq}; -1 leaves that side
 *     unbounded; combines with causal</td></tr>
 * <tr><td>{@code globalTokens}</td><td>I32 {@code [G]}, strictly increasing positions (self-attention
 *     only): a global query sees every key and every query sees every global key, outside the window;
 *     causal still holds</td></tr>
 * <tr><td>{@code alibiSlopes}</td><td>F32 {@code [H]} or {@code [B, H]}: adds
 *     {@code -slope*|i+off-j|} to each score</td></tr>
 * <tr><td>{@code softcap}</td><td>{@code c > 0} replaces each score {@code s} by {@code c*tanh(s/c)}
 *     (before ALiBi); 0 = off</td></tr>
 * <tr><td>{@code blockMask}</td><td>U8 {@code [1|B, 1|H, ceil(Nq/blockQ), ceil(Nk/blockK)]}, nonzero =
 *     visit that block; causal and window still apply inside it</td></tr>
 * <tr><td>{@code topkBlocks}</td><td>dynamic block selection: per head and query block, the
 *     {@code k} key blocks whose mean key best matches the block's mean query, plus the local block;
 *     {@code layoutOut} (U8 {@code [B, H, nbq, nbk]}) receives the blocks used</td></tr>
 * <tr><td>{@code rope}</td><td>RoPE ({@link RopeConfig}) on q and k inside the kernel: key {@code j} at
 *     position {@code j}, query {@code i} at {@code i + Nk - Nq}, both plus the config's offset</td></tr>
 * <tr><td>{@code axial}</td><td>the sequence is an R&times;C grid; attend along rows or columns (dense
 *     only, Nq = Nk = R&middot;C)</td></tr>
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
    private final boolean window;
    private final int windowLeft;
    private final int windowRight;
    private final float softcap;
    private final Tensor globalTokens;
    private final Tensor alibiSlopes;
    private final Tensor blockMask;
    private final int blockQ;
    private final int blockK;
    private final int topkBlocks;
    private final Tensor layoutOut;
    private final AxialAxis axialAxis;
    private final int axialRows;
    private final int axialCols;
    private final RopeConfig rope;

    private AttentionOptions(Builder b) {
        if (!Float.isFinite(b.scale)) {
            throw new IllegalArgumentException("scale: must be finite (0 means 1/sqrt(D)), got " + b.scale);
        }
        if ((b.cuSeqlensQ == null) != (b.cuSeqlensK == null)) {
            throw new IllegalArgumentException((b.cuSeqlensQ == null ? "cuSeqlensQ" : "cuSeqlensK")
                    + ": is null; give both cuSeqlensQ and cuSeqlensK (packed varlen) or neither (dense)");
        }
        if (b.cuSeqlensQ != null) {
            Checks.cuSeqlens(b.cuSeqlensQ, "cuSeqlensQ");
            Checks.cuSeqlens(b.cuSeqlensK, "cuSeqlensK");
            if (b.cuSeqlensK.shape(0) != b.cuSeqlensQ.shape(0)) {
                throw new IllegalArgumentException("cuSeqlensK: has " + b.cuSeqlensK.shape(0)
                        + " entries but cuSeqlensQ has " + b.cuSeqlensQ.shape(0) + " (both are [B + 1])");
            }
        }
        checkSparsity(b);
        this.causal = b.causal;
        this.scale = b.scale;
        this.cuSeqlensQ = b.cuSeqlensQ;
        this.cuSeqlensK = b.cuSeqlensK;
        this.window = b.window;
        this.windowLeft = b.windowLeft;
        this.windowRight = b.windowRight;
        this.softcap = b.softcap;
        this.globalTokens = b.globalTokens;
        this.alibiSlopes = b.alibiSlopes;
        this.blockMask = b.blockMask;
        this.blockQ = b.blockQ;
        this.blockK = b.blockK;
        this.topkBlocks = b.topkBlocks;
        this.layoutOut = b.layoutOut;
        this.axialAxis = b.axialAxis;
        this.axialRows = b.axialRows;
        this.axialCols = b.axialCols;
        this.rope = b.rope;
    }

    private static void checkSparsity(Builder b) {
        if (b.window && (b.windowLeft < -1 || b.windowRight < -1)) {
            throw new IllegalArgumentException((b.windowLeft < -1 ? "windowLeft: " + b.windowLeft
                    : "windowRight: " + b.windowRight) + " must be -1 (unbounded) or >= 0");
        }
        if (!Float.isFinite(b.softcap) || b.softcap < 0f) {
            throw new IllegalArgumentException("softcap: must be finite and >= 0 (0 = off), got " + b.softcap);
        }
        if (b.globalTokens != null) {
            requireType(b.globalTokens, "globalTokens", DType.I32, 1, "[G]");
            if (b.globalTokens.shape(0) > 1 && b.globalTokens.stride(0) != 1) {
                throw new IllegalArgumentException("globalTokens: must be contiguous (stride 1), stride is "
                        + b.globalTokens.stride(0));
            }
        }
        if (b.alibiSlopes != null) {
            if (b.alibiSlopes.dtype() != DType.F32) {
                throw new IllegalArgumentException("alibiSlopes: dtype " + b.alibiSlopes.dtype() + " is not accepted, expected F32");
            }
            if (b.alibiSlopes.rank() != 1 && b.alibiSlopes.rank() != 2) {
                throw new IllegalArgumentException("alibiSlopes: expected rank 1 [H] or 2 [B, H], got rank "
                        + b.alibiSlopes.rank());
            }
        }
        if (b.blockMask != null) requireType(b.blockMask, "blockMask", DType.U8, 4, "[Bm, Hm, nbq, nbk]");
        if (b.blockMask != null && b.topkBlocks > 0) {
            throw new IllegalArgumentException("blockMask: give either a block mask or topkBlocks, not both");
        }
        if (b.layoutOut != null) {
            if (b.topkBlocks == 0) throw new IllegalArgumentException("layoutOut: only with topkBlocks > 0");
            requireType(b.layoutOut, "layoutOut", DType.U8, 4, "[B, H, nbq, nbk]");
        }
        if (b.axialAxis != null && b.cuSeqlensQ != null) {
            throw new IllegalArgumentException("axial: dense batches only (cuSeqlens given)");
        }
        if (b.axialAxis != null && b.topkBlocks > 0) {
            throw new IllegalArgumentException("topkBlocks: not with axial attention");
        }
    }

    private static void requireType(Tensor t, String name, DType dtype, int rank, String shape) {
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(name + ": dtype " + t.dtype() + " is not accepted, expected " + dtype);
        }
        if (t.rank() != rank) {
            throw new IllegalArgumentException(name + ": expected rank " + rank + " " + shape + ", got rank " + t.rank());
        }
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

    /** Whether a sliding window applies ({@link #windowLeft()}, {@link #windowRight()}). */
    public boolean hasWindow() {
        return window;
    }

    /** Keys left of the diagonal a query sees (-1: unbounded); meaningful when {@link #hasWindow()}. */
    public int windowLeft() {
        return windowLeft;
    }

    /** Keys right of the diagonal a query sees (-1: unbounded); meaningful when {@link #hasWindow()}. */
    public int windowRight() {
        return windowRight;
    }

    /** The softcap {@code c} (0 = off). */
    public float softcap() {
        return softcap;
    }

    /** Global token positions (I32 {@code [G]}), or null. */
    public Tensor globalTokens() {
        return globalTokens;
    }

    /** ALiBi slopes (F32 {@code [H]} or {@code [B, H]}), or null. */
    public Tensor alibiSlopes() {
        return alibiSlopes;
    }

    /** The block mask (U8 {@code [Bm, Hm, nbq, nbk]}), or null. */
    public Tensor blockMask() {
        return blockMask;
    }

    /** Query rows per block of the block mask, top-k selection and layout (default 64). */
    public int blockQ() {
        return blockQ;
    }

    /** Keys per block of the block mask, top-k selection and layout (default 64). */
    public int blockK() {
        return blockK;
    }

    /** Key blocks the dynamic top-k selection keeps besides the local one (0 = off). */
    public int topkBlocks() {
        return topkBlocks;
    }

    /** Where the top-k selection's layout is written (U8 {@code [B, H, nbq, nbk]}), or null. */
    public Tensor layoutOut() {
        return layoutOut;
    }

    /** The axial axis, or null when the sequence is not a grid. */
    public AxialAxis axialAxis() {
        return axialAxis;
    }

    /** Grid rows R (axial only). */
    public int axialRows() {
        return axialRows;
    }

    /** Grid columns C (axial only). */
    public int axialCols() {
        return axialCols;
    }

    /** The RoPE applied to q and k inside the kernel, or null for none. */
    public RopeConfig rope() {
        return rope;
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.causal = causal;
        b.scale = scale;
        b.cuSeqlensQ = cuSeqlensQ;
        b.cuSeqlensK = cuSeqlensK;
        b.window = window;
        b.windowLeft = windowLeft;
        b.windowRight = windowRight;
        b.softcap = softcap;
        b.globalTokens = globalTokens;
        b.alibiSlopes = alibiSlopes;
        b.blockMask = blockMask;
        b.blockQ = blockQ;
        b.blockK = blockK;
        b.topkBlocks = topkBlocks;
        b.layoutOut = layoutOut;
        b.axialAxis = axialAxis;
        b.axialRows = axialRows;
        b.axialCols = axialCols;
        b.rope = rope;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttentionOptions that && causal == that.causal
                && Float.floatToIntBits(scale) == Float.floatToIntBits(that.scale)
                && cuSeqlensQ == that.cuSeqlensQ && cuSeqlensK == that.cuSeqlensK
                && window == that.window && windowLeft == that.windowLeft && windowRight == that.windowRight
                && Float.floatToIntBits(softcap) == Float.floatToIntBits(that.softcap)
                && globalTokens == that.globalTokens && alibiSlopes == that.alibiSlopes
                && blockMask == that.blockMask && blockQ == that.blockQ && blockK == that.blockK
                && topkBlocks == that.topkBlocks && layoutOut == that.layoutOut && axialAxis == that.axialAxis
                && axialRows == that.axialRows && axialCols == that.axialCols
                && java.util.Objects.equals(rope, that.rope);
    }

    @Override
    public int hashCode() {
        int h = Boolean.hashCode(causal);
        h = 31 * h + Float.hashCode(scale);
        h = 31 * h + System.identityHashCode(cuSeqlensQ);
        h = 31 * h + System.identityHashCode(cuSeqlensK);
        h = 31 * h + (window ? 31 * windowLeft + windowRight : -7);
        h = 31 * h + Float.hashCode(softcap);
        h = 31 * h + System.identityHashCode(globalTokens);
        h = 31 * h + System.identityHashCode(alibiSlopes);
        h = 31 * h + System.identityHashCode(blockMask);
        h = 31 * h + 31 * blockQ + blockK;
        h = 31 * h + topkBlocks;
        h = 31 * h + System.identityHashCode(layoutOut);
        h = 31 * h + (axialAxis == null ? 0 : axialAxis.hashCode() + 31 * axialRows + axialCols);
        return 31 * h + java.util.Objects.hashCode(rope);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("AttentionOptions[causal=").append(causal)
                .append(", scale=").append(scale == 0f ? "1/sqrt(D)" : String.valueOf(scale))
                .append(isVarlen() ? ", varlen B=" + (cuSeqlensQ.shape(0) - 1) : ", dense");
        if (window) sb.append(", window=(").append(windowLeft).append(", ").append(windowRight).append(')');
        if (softcap != 0f) sb.append(", softcap=").append(softcap);
        if (globalTokens != null) sb.append(", globalTokens=").append(globalTokens.shape(0));
        if (alibiSlopes != null) sb.append(", alibi");
        if (blockMask != null) sb.append(", blockMask ").append(blockQ).append('x').append(blockK);
        if (topkBlocks > 0) sb.append(", topk=").append(topkBlocks).append(" of ").append(blockQ).append('x').append(blockK);
        if (rope != null) sb.append(", rope ").append(rope);
        if (axialAxis != null) sb.append(", axial ").append(axialAxis).append(' ').append(axialRows).append('x').append(axialCols);
        return sb.append(']').toString();
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
        private boolean window;
        private int windowLeft = -1;
        private int windowRight = -1;
        private float softcap;
        private Tensor globalTokens;
        private Tensor alibiSlopes;
        private Tensor blockMask;
        private int blockQ = 64;
        private int blockK = 64;
        private int topkBlocks;
        private Tensor layoutOut;
        private AxialAxis axialAxis;
        private int axialRows;
        private int axialCols;
        private RopeConfig rope;

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
         * Sliding window: query {@code i} sees key {@code j} iff {@code i+off-left <= j <= i+off+right}
         * ({@code off = Nk - Nq}); -1 leaves a side unbounded. With causal, {@code right} is 0 in effect.
         */
        public Builder window(int left, int right) {
            this.window = true;
            this.windowLeft = left;
            this.windowRight = right;
            return this;
        }

        /** No sliding window (the default). */
        public Builder noWindow() {
            this.window = false;
            this.windowLeft = -1;
            this.windowRight = -1;
            return this;
        }

        /** Softcap {@code c}: each score {@code s} becomes {@code c*tanh(s/c)}; 0 (the default) = off. */
        public Builder softcap(float softcap) {
            this.softcap = softcap;
            return this;
        }

        /** Global token positions, I32 {@code [G]} strictly increasing, or null for none. */
        public Builder globalTokens(Tensor positions) {
            this.globalTokens = positions;
            return this;
        }

        /** ALiBi slopes, F32 {@code [H]} or {@code [B, H]}, or null for none. */
        public Builder alibiSlopes(Tensor slopes) {
            this.alibiSlopes = slopes;
            return this;
        }

        /**
         * A block mask, U8 {@code [1|B, 1|H, ceil(Nq/blockQ), ceil(Nk/blockK)]} (nonzero = visit), with its
         * block sizes (each &ge; 1); null removes it.
         */
        public Builder blockMask(Tensor mask, int blockQ, int blockK) {
            requireBlock(blockQ, "blockQ");
            requireBlock(blockK, "blockK");
            this.blockMask = mask;
            this.blockQ = blockQ;
            this.blockK = blockK;
            return this;
        }

        /**
         * Dynamic top-k block selection with blocks of {@code blockQ} queries and {@code blockK} keys;
         * {@code k = 0} turns it off.
         */
        public Builder topkBlocks(int k, int blockQ, int blockK) {
            if (k < 0) throw new IllegalArgumentException("topkBlocks: must be >= 0, got " + k);
            requireBlock(blockQ, "blockQ");
            requireBlock(blockK, "blockK");
            this.topkBlocks = k;
            this.blockQ = blockQ;
            this.blockK = blockK;
            return this;
        }

        /** Where the top-k selection writes the layout it used (U8 {@code [B, H, nbq, nbk]}), or null. */
        public Builder layoutOut(Tensor layout) {
            this.layoutOut = layout;
            return this;
        }

        /** Axial attention over an {@code rows x cols} grid along {@code axis}; a null axis turns it off. */
        public Builder axial(AxialAxis axis, int rows, int cols) {
            if (axis != null && (rows < 1 || cols < 1)) {
                throw new IllegalArgumentException("axial: rows and cols must be >= 1, got " + rows + " x " + cols);
            }
            this.axialAxis = axis;
            this.axialRows = axis == null ? 0 : rows;
            this.axialCols = axis == null ? 0 : cols;
            return this;
        }

        /**
         * RoPE on q and k inside the kernel (key j at position j, query i at {@code i + Nk - Nq}, both plus
         * the config's offset; v is not rotated), or null for none.
         */
        public Builder rope(RopeConfig rope) {
            this.rope = rope;
            return this;
        }

        private static void requireBlock(int size, String name) {
            if (size < 1) throw new IllegalArgumentException(name + ": must be >= 1, got " + size);
        }

        /**
         * The options, validated.
         *
         * @throws IllegalArgumentException naming the field: non-finite scale; only one of the cuSeqlens
         *                                  given; a cuSeqlens that is not I32, rank 1, contiguous, of
         *                                  length at least 2; the two of different lengths; a window bound
         *                                  below -1; a negative or non-finite softcap; a tensor of the wrong
         *                                  dtype or rank; a block mask with top-k; layoutOut without top-k;
         *                                  axial with varlen or top-k
         */
        public AttentionOptions build() {
            return new AttentionOptions(this);
        }
    }
}
