package dev.panamax.bench.linear;

import java.util.List;
import java.util.Locale;

/**
 * Where a cheaper algorithm starts to beat another one over a grid of sizes: the crossover of
 * {@code bench linear --mode crossover}.
 *
 * @param where  how the crossover relates to the grid
 * @param n      the estimated size (BETWEEN), the first size (BELOW), the last (ABOVE), NaN (NONE)
 * @param lower  BETWEEN: the last grid size where the candidate was not faster
 * @param upper  BETWEEN: the first grid size from which it stays faster
 */
public record Crossover(Where where, double n, long lower, long upper) {

    public enum Where {
        /** Faster at every size of the grid: the crossover is at or below the first. */
        BELOW,
        /** Slower up to {@code lower}, faster from {@code upper} on; {@code n} interpolated between them. */
        BETWEEN,
        /** Never faster from some size on to the end of the grid: the crossover is beyond the last size. */
        ABOVE,
        /** No size was measured for both. */
        NONE
    }

    /**
     * The smallest grid size from which the candidate is faster at every larger size (sizes where either was not
     * measured, NaN, are left out), with the crossing estimated by interpolating {@code log(candidate/exact)}
     * linearly in {@code log N} between the last slower size and the first faster one.
     *
     * @param sizes       ascending
     * @param exactMs     the time of the reference (exact attention) at each size
     * @param candidateMs the candidate's
     */
    public static Crossover find(List<Long> sizes, double[] exactMs, double[] candidateMs) {
        int n = sizes.size();
        if (exactMs.length != n || candidateMs.length != n) {
            throw new IllegalArgumentException("crossover: " + n + " sizes, " + exactMs.length + " and "
                    + candidateMs.length + " times");
        }
        int first = -1, last = -1;
        for (int i = 0; i < n; i++) {
            if (i > 0 && sizes.get(i) <= sizes.get(i - 1)) {
                throw new IllegalArgumentException("crossover: sizes must ascend, got " + sizes);
            }
            if (measured(exactMs[i], candidateMs[i])) {
                if (first < 0) first = i;
                last = i;
            }
        }
        if (first < 0) return new Crossover(Where.NONE, Double.NaN, -1, -1);
        if (!(candidateMs[last] < exactMs[last])) return new Crossover(Where.ABOVE, sizes.get(last), -1, -1);
        // Walk back from the end while the candidate stays faster.
        int from = last;
        int slower = -1;
        for (int i = last - 1; i >= first; i--) {
            if (!measured(exactMs[i], candidateMs[i])) continue;
            if (candidateMs[i] < exactMs[i]) {
                from = i;
            } else {
                slower = i;
                break;
            }
        }
        if (slower < 0) return new Crossover(Where.BELOW, sizes.get(from), -1, -1);
        double d0 = Math.log(candidateMs[slower] / exactMs[slower]);  // >= 0
        double d1 = Math.log(candidateMs[from] / exactMs[from]);      // < 0
        double x0 = Math.log(sizes.get(slower)), x1 = Math.log(sizes.get(from));
        double x = x0 + (x1 - x0) * d0 / (d0 - d1);
        return new Crossover(Where.BETWEEN, Math.exp(x), sizes.get(slower), sizes.get(from));
    }

    private static boolean measured(double a, double b) {
        return a > 0 && b > 0 && Double.isFinite(a) && Double.isFinite(b);
    }

    /** For a table: "≈ 730 (512..1024)", "<= 128", "> 16384", "-". */
    public String describe() {
        return switch (where) {
            case BELOW -> "<= " + (long) n;
            case BETWEEN -> String.format(Locale.ROOT, "~%d (%d..%d)", Math.round(n), lower, upper);
            case ABOVE -> "> " + (long) n;
            case NONE -> "-";
        };
    }
}
