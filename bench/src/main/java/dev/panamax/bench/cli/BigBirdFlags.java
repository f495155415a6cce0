package dev.panamax.bench.cli;

import dev.panamax.BigBirdOptions;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * The BigBird layout flags (a picocli mixin): {@code --bigbird-block B --bigbird-window W --bigbird-random R
 * --bigbird-global G --seed S}. Any {@code --bigbird-*} flag asks for a BigBird layout ({@link #present()});
 * the ones left out take {@link BigBirdOptions#defaults()}. Bad values make {@link #toOptions} throw an
 * {@link IllegalArgumentException} naming the flag, which the CLI reports as bad input (exit 2).
 */
public final class BigBirdFlags {
    @Option(names = "--bigbird-block", paramLabel = "B", order = 40,
            description = "BigBird layout: query rows and keys per block, >= 1 (default 64).")
    Integer block;

    @Option(names = "--bigbird-window", paramLabel = "W", order = 41,
            description = "BigBird layout: blocks visited on each side of the diagonal block, >= 0 (default 1).")
    Integer window;

    @Option(names = "--bigbird-random", paramLabel = "R", order = 42,
            description = "BigBird layout: random blocks per row and head, >= 0 (default 3).")
    Integer random;

    @Option(names = "--bigbird-global", paramLabel = "G", order = 43,
            description = "BigBird layout: global block rows and columns, >= 0 (default 2).")
    Integer global;

    @Option(names = "--seed", paramLabel = "S", order = 44, converter = UnsignedLong.class,
            description = "Seed of the BigBird random blocks, 0 .. 2^64-1 (default 0): the same layout on every "
                    + "machine.")
    Long seed;

    /** Whether any {@code --bigbird-*} flag was given ({@code --seed} alone asks for nothing). */
    public boolean present() {
        return block != null || window != null || random != null || global != null;
    }

    /**
     * The layout options of these flags.
     *
     * @param causal the attention call's causality (the layout leaves out future blocks when set)
     * @throws IllegalArgumentException naming the flag ("--bigbird-block: must be >= 1, got 0")
     */
    public BigBirdOptions toOptions(boolean causal) {
        BigBirdOptions.Builder b = BigBirdOptions.builder().causal(causal);
        if (block != null) b.block(atLeast(block, 1, "--bigbird-block"));
        if (window != null) b.windowBlocks(atLeast(window, 0, "--bigbird-window"));
        if (random != null) b.randomBlocks(atLeast(random, 0, "--bigbird-random"));
        if (global != null) b.globalBlocks(atLeast(global, 0, "--bigbird-global"));
        if (seed != null) b.seed(seed);
        return b.build();
    }

    private static int atLeast(int value, int minimum, String flag) {
        if (value < minimum) throw new IllegalArgumentException(flag + ": must be >= " + minimum + ", got " + value);
        return value;
    }

    /** Reads 0 .. 2^64-1 into a long's 64 bits, as the library's uint64_t seed. */
    static final class UnsignedLong implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return Long.parseUnsignedLong(value);
        }
    }
}
