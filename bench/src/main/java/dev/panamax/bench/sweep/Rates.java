package dev.panamax.bench.sweep;

/** Operation counts and rates shared by every operator's sweep. */
public final class Rates {
    private Rates() {
    }

    /** Flops of C[m, n] = A[m, k]·B[k, n]. */
    public static double sgemmFlops(long m, long n, long k) {
        return 2.0 * m * n * k;
    }

    public static double gflopsPerSecond(double flops, double millis) {
        return flops / (millis * 1e6);
    }
}
