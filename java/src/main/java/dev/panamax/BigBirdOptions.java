package dev.panamax;

/**
 * Settings of a {@linkplain BigBird BigBird block layout}, validated when built.
 *
 * <table class="striped">
 * <caption>Fields</caption>
 * <tr><th>field</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code block}</td><td>64</td><td>query rows and keys per block, &ge; 1</td></tr>
 * <tr><td>{@code windowBlocks}</td><td>1</td><td>each row visits the blocks within this radius of its diagonal
 *     block (the one holding key {@code i + Nk - Nq} for the row's last query {@code i}), &ge; 0</td></tr>
 * <tr><td>{@code randomBlocks}</td><td>3</td><td>further blocks per non-global row and head, drawn uniformly
 *     without replacement from those not yet visited (all of them when fewer remain), &ge; 0</td></tr>
 * <tr><td>{@code globalBlocks}</td><td>2</td><td>the first block rows and block columns, visited whole,
 *     &ge; 0</td></tr>
 * <tr><td>{@code seed}</td><td>0</td><td>the draw depends only on (seed, head, row): the same layout on
 *     every machine, ISA path and thread count (an unsigned 64-bit value; Java's {@code long} bits)</td></tr>
 * <tr><td>{@code causal}</td><td>false</td><td>no block wholly in the future (first key &gt; last query
 *     {@code + Nk - Nq})</td></tr>
 * </table>
 *
 * <p>The defaults are the BigBird paper's setting (block 64, three window blocks, three random, two
 * global). Immutable; built with {@link #builder()} (or {@link #toBuilder()}), validated by
 * {@link Builder#build()}.
 */
public final class BigBirdOptions {
    private static final BigBirdOptions DEFAULTS = new Builder().build();

    private final int block;
    private final int windowBlocks;
    private final int randomBlocks;
    private final int globalBlocks;
    private final long seed;
    private final boolean causal;

    private BigBirdOptions(Builder b) {
        requireAtLeast(b.block, 1, "block");
        requireAtLeast(b.windowBlocks, 0, "windowBlocks");
        requireAtLeast(b.randomBlocks, 0, "randomBlocks");
        requireAtLeast(b.globalBlocks, 0, "globalBlocks");
        this.block = b.block;
        this.windowBlocks = b.windowBlocks;
        this.randomBlocks = b.randomBlocks;
        this.globalBlocks = b.globalBlocks;
        this.seed = b.seed;
        this.causal = b.causal;
    }

    private static void requireAtLeast(int value, int minimum, String name) {
        if (value < minimum) throw new IllegalArgumentException(name + ": must be >= " + minimum + ", got " + value);
    }

    /** Block size, in query rows and keys. */
    public int block() {
        return block;
    }

    /** Radius of the window around each row's diagonal block, in blocks. */
    public int windowBlocks() {
        return windowBlocks;
    }

    /** Random blocks per non-global row and head. */
    public int randomBlocks() {
        return randomBlocks;
    }

    /** Global block rows and columns. */
    public int globalBlocks() {
        return globalBlocks;
    }

    /** The seed of the random draw. */
    public long seed() {
        return seed;
    }

    /** Whether blocks in the future are left out. */
    public boolean causal() {
        return causal;
    }

    /** Block size 64, window radius 1, 3 random blocks, 2 global, seed 0, not causal. */
    public static BigBirdOptions defaults() {
        return DEFAULTS;
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder().block(block).windowBlocks(windowBlocks).randomBlocks(randomBlocks)
                .globalBlocks(globalBlocks).seed(seed).causal(causal);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BigBirdOptions that && block == that.block && windowBlocks == that.windowBlocks
                && randomBlocks == that.randomBlocks && globalBlocks == that.globalBlocks && seed == that.seed
                && causal == that.causal;
    }

    @Override
    public int hashCode() {
        int h = block;
        h = 31 * h + windowBlocks;
        h = 31 * h + randomBlocks;
        h = 31 * h + globalBlocks;
        h = 31 * h + Long.hashCode(seed);
        return 31 * h + Boolean.hashCode(causal);
    }

    @Override
    public String toString() {
        return "BigBirdOptions[block=" + block + ", windowBlocks=" + windowBlocks + ", randomBlocks=" + randomBlocks
                + ", globalBlocks=" + globalBlocks + ", seed=" + Long.toUnsignedString(seed) + ", causal=" + causal
                + "]";
    }

    /** Builds {@link BigBirdOptions}; not thread-safe; validation happens in {@link #build()}. */
    public static final class Builder {
        private int block = 64;
        private int windowBlocks = 1;
        private int randomBlocks = 3;
        private int globalBlocks = 2;
        private long seed;
        private boolean causal;

        private Builder() {}

        /** Query rows and keys per block, at least 1 (default 64). */
        public Builder block(int block) {
            this.block = block;
            return this;
        }

        /** Window radius around the diagonal block, in blocks, at least 0 (default 1). */
        public Builder windowBlocks(int windowBlocks) {
            this.windowBlocks = windowBlocks;
            return this;
        }

        /** Random blocks per non-global row and head, at least 0 (default 3). */
        public Builder randomBlocks(int randomBlocks) {
            this.randomBlocks = randomBlocks;
            return this;
        }

        /** Global block rows and columns, at least 0 (default 2). */
        public Builder globalBlocks(int globalBlocks) {
            this.globalBlocks = globalBlocks;
            return this;
        }

        /** The seed of the random draw, any 64 bits (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Whether to leave out blocks in the future (default false). */
        public Builder causal(boolean causal) {
            this.causal = causal;
            return this;
        }

        /**
         * The options, validated.
         *
         * @throws IllegalArgumentException naming the field ("block: must be >= 1, got 0") when block is
         *                                  below 1 or windowBlocks, randomBlocks or globalBlocks below 0
         */
        public BigBirdOptions build() {
            return new BigBirdOptions(this);
        }
    }
}
