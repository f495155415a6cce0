package dev.panamax;

import dev.panamax.internal.BigBirdParams;
import dev.panamax.internal.Checks;

import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * BigBird block layouts for the block-sparse attention path: {@code U8 [1, H, nbq, nbk]} with
 * {@code nbq = ceil(Nq / block)}, {@code nbk = ceil(Nk / block)}, 1 = visit the block, 0 = skip it.
 *
 * <ul>
 * <li>the first {@code globalBlocks} block rows and block columns are visited;</li>
 * <li>row {@code qb} visits the blocks within {@code windowBlocks} of its diagonal block, the one holding
 *     key {@code i + Nk - Nq} for the row's last query {@code i} (none when that is negative);</li>
 * <li>each non-global row adds {@code randomBlocks} further blocks per head, drawn uniformly without
 *     replacement from those not yet visited (all of them when fewer remain);</li>
 * <li>causal: no block wholly in the future (first key &gt; last query {@code + Nk - Nq}).</li>
 * </ul>
 *
 * <p>The draw depends only on (seed, head, row): the same layout on every machine, ISA path and thread
 * count. See {@link BigBirdOptions} for the settings and their defaults.
 *
 * <p><b>Errors.</b> Bad arguments Java can see (negative sizes, fewer than one head, a layout of the wrong
 * dtype, shape or memory) throw {@link IllegalArgumentException} naming the argument, before any native call.
 */
public final class BigBird {
    private BigBird() {}

    /**
     * The layout's shape, {@code [1, heads, ceil(nq / block), ceil(nk / block)]}.
     *
     * @param options null means {@link BigBirdOptions#defaults()}
     * @throws IllegalArgumentException for a negative nq or nk or fewer than one head
     */
    public static long[] layoutShape(long nq, long nk, int heads, BigBirdOptions options) {
        checkSizes(nq, nk, heads);
        int block = orDefaults(options).block();
        return new long[] {1, heads, blocks(nq, block), blocks(nk, block)};
    }

    /**
     * A new layout, allocated in {@code arena}.
     *
     * @param ctx     the context (thread count)
     * @param arena   owns the layout
     * @param nq      query rows, at least 0
     * @param nk      keys, at least 0
     * @param heads   H, at least 1
     * @param options null means {@link BigBirdOptions#defaults()}
     * @return U8 {@code [1, heads, ceil(nq / block), ceil(nk / block)]}, contiguous
     */
    public static Tensor layout(Context ctx, Arena arena, long nq, long nk, int heads, BigBirdOptions options) {
        Checks.requireNonNull(ctx, "ctx");
        Checks.requireNonNull(arena, "arena");
        BigBirdOptions o = orDefaults(options);
        Tensor out = Tensor.allocate(arena, DType.U8, layoutShape(nq, nk, heads, o));
        layout(ctx, nq, nk, heads, o, out);
        return out;
    }

    /**
     * Writes the layout into {@code out}: every element, 1 or 0. Allocates nothing on the Java heap in
     * steady state.
     *
     * @param options null means {@link BigBirdOptions#defaults()}
     * @param out     U8 {@code [1, heads, ceil(nq / block), ceil(nk / block)]}, any strides that give each
     *                element its own address
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws IllegalStateException    when {@code ctx} is closed
     */
    public static void layout(Context ctx, long nq, long nk, int heads, BigBirdOptions options, Tensor out) {
        Checks.requireNonNull(ctx, "ctx");
        BigBirdOptions o = orDefaults(options);
        checkSizes(nq, nk, heads);
        Checks.requireUsable(out, "out");
        if (out.dtype() != DType.U8) {
            throw new IllegalArgumentException("out: dtype " + out.dtype() + " is not accepted, expected U8");
        }
        long nbq = blocks(nq, o.block());
        long nbk = blocks(nk, o.block());
        if (out.rank() != 4 || out.shape(0) != 1 || out.shape(1) != heads || out.shape(2) != nbq
                || out.shape(3) != nbk) {
            throw new IllegalArgumentException("out: shape " + Arrays.toString(out.shape()) + " must be [1, " + heads
                    + ", " + nbq + ", " + nbk + "] (1, H, ceil(nq/block), ceil(nk/block))");
        }
        Checks.requireWritable(out, "out");
        BigBirdParams.run(ctx, nq, nk, heads, o, out);
    }

    private static BigBirdOptions orDefaults(BigBirdOptions options) {
        return options == null ? BigBirdOptions.defaults() : options;
    }

    private static void checkSizes(long nq, long nk, int heads) {
        if (nq < 0) throw new IllegalArgumentException("nq: must be >= 0, got " + nq);
        if (nk < 0) throw new IllegalArgumentException("nk: must be >= 0, got " + nk);
        if (heads < 1) throw new IllegalArgumentException("heads: must be >= 1, got " + heads);
    }

    private static long blocks(long n, int block) {
        return n / block + (n % block != 0 ? 1 : 0);
    }
}
