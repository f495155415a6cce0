package dev.panamax.bench.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Which query rows to check against the float64 reference when checking all
 * of them would take too long: the first and last row of every sequence (the
 * edges of the causal mask), evenly spaced rows and random rows.
 */
public final class RowSample {

    /**
     * One query row and the keys it sees.
     *
     * @param row      index of the query row in the packed [total, H, D] layout
     * @param keyStart first key row it sees (packed index)
     * @param keyCount how many consecutive key rows it sees
     */
    public record Row(long row, long keyStart, long keyCount) {}

    private RowSample() {
    }

    /** About {@code count} distinct positions in [0, length), always including 0 and length - 1. */
    static List<Long> positions(long length, int count, SplittableRandom random) {
        TreeSet<Long> picked = new TreeSet<>();
        picked.add(0L);
        picked.add(length - 1);
        int evenly = Math.max(0, count / 2 - 2);
        for (int i = 1; i <= evenly; i++) {
            picked.add(i * (length - 1) / (evenly + 1));
        }
        int attempts = 0;
        while (picked.size() < Math.min(count, length) && attempts++ < 10 * count) {
            picked.add(random.nextLong(length));
        }
        return new ArrayList<>(picked);
    }

    /**
     * Rows of packed sequences (queries and keys of the same lengths, packed
     * back to back) under a causal mask: row i of a sequence sees keys 0..i of
     * that sequence. Spreads about {@code count} rows over the sequences in
     * proportion to their lengths, at least two per sequence.
     */
    public static List<Row> causal(int[] lengths, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long total = 0;
        for (int len : lengths) {
            total += len;
        }
        List<Row> rows = new ArrayList<>();
        long start = 0;
        for (int len : lengths) {
            if (len > 0) {
                int share = (int) Math.max(2, Math.round((double) count * len / total));
                for (long i : positions(len, share, random)) {
                    rows.add(new Row(start + i, start, i + 1));
                }
            }
            start += len;
        }
        return rows;
    }
}
