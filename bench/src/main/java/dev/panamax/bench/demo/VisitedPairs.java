package dev.panamax.bench.demo;

import dev.panamax.Tensor;

import java.lang.foreign.ValueLayout;

/**
 * Query-key pairs a sparse pattern lets attention visit (the work the GFLOP/s columns count: 4·D flops
 * each), counted from the pattern's rules for one sequence of N queries and N keys, without an N×N loop.
 */
public final class VisitedPairs {
    private VisitedPairs() {
    }

    /** Causal keys {@code 0..i}: N(N+1)/2 per head. */
    public static double causal(long n) {
        return n * (n + 1) / 2.0;
    }

    /**
     * Causal sliding window of {@code left} keys plus global tokens (sorted positions): a global row sees
     * keys 0..i, any other row its window plus the global keys left of it.
     */
    public static double windowWithGlobals(long n, long left, int[] globals) {
        double pairs = 0;
        int g = 0;  // globals < i
        int gBelowWindow = 0;  // globals < i - left
        boolean[] isGlobal = new boolean[(int) n];
        for (int x : globals) isGlobal[x] = true;
        for (long i = 0; i < n; i++) {
            while (g < globals.length && globals[g] < i) g++;
            while (gBelowWindow < globals.length && globals[gBelowWindow] < i - left) gBelowWindow++;
            if (isGlobal[(int) i]) {
                pairs += i + 1;
            } else {
                long lo = Math.max(0, i - left);
                pairs += (i - lo + 1) + gBelowWindow;
            }
        }
        return pairs;
    }

    /**
     * A block layout {@code [1, H, nbq, nbk]} (U8, nonzero = visit) of square blocks under a causal mask,
     * summed over heads.
     */
    public static double causalLayout(long n, int block, Tensor layout) {
        long heads = layout.shape(1), nbq = layout.shape(2), nbk = layout.shape(3);
        double pairs = 0;
        for (long h = 0; h < heads; h++) {
            for (long qb = 0; qb < nbq; qb++) {
                for (long kb = 0; kb < nbk; kb++) {
                    long at = ((h * nbq) + qb) * nbk + kb;
                    if (layout.segment().get(ValueLayout.JAVA_BYTE, at) == 0) continue;
                    for (long i = qb * block; i < Math.min(n, (qb + 1) * block); i++) {
                        long hi = Math.min(i, Math.min(n, (kb + 1) * block) - 1);
                        pairs += Math.max(0, hi - kb * block + 1);
                    }
                }
            }
        }
        return pairs;
    }
}
