package dev.panamax.bench.peers;

import java.util.Arrays;
import java.util.Objects;

/**
 * A block-sparse attention layout, immutable: U8 {@code [heads, rows, cols]} row-major, where
 * {@code heads} is 1 (shared by every head) or H, and a nonzero byte means "visit the
 * {@code block × block} tile of queries {@code row·block ..} and keys {@code col·block ..}".
 * Element rules (causal, window) still apply inside a visited tile, as in the block mask of
 * issue 8. The bytes are copied in and out, so a layout can sit in a record's equals/hashCode.
 */
public final class BlockLayout {
    private final byte[] mask;
    private final int heads;
    private final int rows;
    private final int cols;
    private final int block;

    /**
     * @param mask  {@code heads·rows·cols} bytes, row-major (copied)
     * @param heads 1 (shared) or the number of query heads
     * @param rows  query blocks, ⌈Nq / block⌉
     * @param cols  key blocks, ⌈Nk / block⌉
     * @param block the tile edge in elements, for queries and keys alike
     */
    public BlockLayout(byte[] mask, int heads, int rows, int cols, int block) {
        if (mask == null) {
            throw new IllegalArgumentException("mask: null");
        }
        if (heads < 1 || rows < 0 || cols < 0 || block < 1) {
            throw new IllegalArgumentException("layout: heads >= 1, rows, cols >= 0, block >= 1 required, got heads="
                    + heads + " rows=" + rows + " cols=" + cols + " block=" + block);
        }
        if (mask.length != (long) heads * rows * cols) {
            throw new IllegalArgumentException("mask: expected " + (long) heads * rows * cols + " bytes ([" + heads
                    + ", " + rows + ", " + cols + "]), got " + mask.length);
        }
        this.mask = mask.clone();
        this.heads = heads;
        this.rows = rows;
        this.cols = cols;
        this.block = block;
    }

    /** A square layout for self-attention over {@code seqLen} tokens: rows = cols = ⌈seqLen / block⌉. */
    public static BlockLayout square(byte[] mask, int heads, int seqLen, int block) {
        int blocks = block < 1 ? 0 : Math.ceilDiv(seqLen, block);
        return new BlockLayout(mask, heads, blocks, blocks, block);
    }

    public int heads() {
        return heads;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int block() {
        return block;
    }

    /** Whether query head {@code head} visits tile (row, col); a shared layout answers for every head. */
    public boolean visits(int head, int row, int col) {
        int h = heads == 1 ? 0 : head;
        return mask[(h * rows + row) * cols + col] != 0;
    }

    /** Visited tiles over all layout heads. */
    public long visitedBlocks() {
        long n = 0;
        for (byte b : mask) {
            if (b != 0) {
                n++;
            }
        }
        return n;
    }

    /** A copy of the bytes. */
    public byte[] toArray() {
        return mask.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockLayout l && heads == l.heads && rows == l.rows && cols == l.cols
                && block == l.block && Arrays.equals(mask, l.mask);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(heads, rows, cols, block) + Arrays.hashCode(mask);
    }

    @Override
    public String toString() {
        return "BlockLayout[" + heads + "x" + rows + "x" + cols + ", block " + block + ", " + visitedBlocks()
                + " visited]";
    }
}
