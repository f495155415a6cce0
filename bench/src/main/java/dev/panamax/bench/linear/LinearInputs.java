package dev.panamax.bench.linear;

import dev.panamax.DType;
import dev.panamax.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * q, k, v {@code [B, N, H, D]} (F32, contiguous) of an {@link InputKind}, the same for the same seed. Rows are
 * drawn in double and rounded once.
 */
public final class LinearInputs {
    /** Tokens per block sharing a direction in {@link InputKind#PEAKED}: the "few keys" each query favours. */
    public static final int PEAK_BLOCK = 4;
    /** The score (after the 1/√D scale) a peaked query gets against the keys of its block, about. */
    public static final int PEAK_SCORE = 16;
    /** Standard deviation of the per-entry noise of peaked q and k. */
    static final double PEAK_NOISE = 0.5;

    public final Tensor q;
    public final Tensor k;
    public final Tensor v;

    private LinearInputs(Tensor q, Tensor k, Tensor v) {
        this.q = q;
        this.k = k;
        this.v = v;
    }

    /**
     * Allocates and fills q, k, v {@code [batch, n, heads, d]} in {@code arena}.
     *
     * @param rank the rank of {@link InputKind#LOW_RANK} (ignored otherwise), 1..d
     */
    public static LinearInputs make(Arena arena, InputKind kind, long batch, long n, long heads, long d, int rank,
                                    long seed) {
        if (kind == InputKind.LOW_RANK && (rank < 1 || rank > d)) {
            throw new IllegalArgumentException("--rank: must be in 1.." + d + " (the head dim), got " + rank);
        }
        Tensor q = Tensor.allocate(arena, DType.F32, batch, n, heads, d);
        Tensor k = Tensor.allocate(arena, DType.F32, batch, n, heads, d);
        Tensor v = Tensor.allocate(arena, DType.F32, batch, n, heads, d);
        gaussian(v, new SplittableRandom(seed ^ 0x5bd1e995L));
        SplittableRandom r = new SplittableRandom(seed);
        switch (kind) {
            case RANDOM -> {
                gaussian(q, r);
                gaussian(k, r);
            }
            case LOW_RANK -> lowRank(q, k, rank, r);
            case PEAKED -> peaked(q, k, r);
        }
        return new LinearInputs(q, k, v);
    }

    /** Independent N(0, 1) entries. */
    static void gaussian(Tensor t, SplittableRandom r) {
        MemorySegment s = t.segment();
        for (long i = 0, e = t.elementCount(); i < e; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian());
        }
    }

    /** Per head a basis W [rank, d] with N(0, 1/rank) entries; q and k rows are N(0, 1) mixes of it. */
    static void lowRank(Tensor q, Tensor k, int rank, SplittableRandom r) {
        long batch = q.shape(0), n = q.shape(1), heads = q.shape(2), d = q.shape(3);
        double[][][] basis = new double[(int) heads][rank][(int) d];
        double sd = 1 / Math.sqrt(rank);
        for (double[][] head : basis) {
            for (double[] row : head) {
                for (int i = 0; i < d; i++) row[i] = sd * r.nextGaussian();
            }
        }
        double[] z = new double[rank];
        for (Tensor t : new Tensor[] {q, k}) {
            MemorySegment s = t.segment();
            for (long row = 0; row < batch * n; row++) {
                for (int h = 0; h < heads; h++) {
                    for (int a = 0; a < rank; a++) z[a] = r.nextGaussian();
                    long base = (row * heads + h) * d;
                    for (int i = 0; i < d; i++) {
                        double x = 0;
                        for (int a = 0; a < rank; a++) x += z[a] * basis[h][a][i];
                        s.setAtIndex(ValueLayout.JAVA_FLOAT, base + i, (float) x);
                    }
                }
            }
        }
    }

    /** Blocks of {@link #PEAK_BLOCK} tokens per head share a unit direction u: k = √d·u + noise, q = s·u + noise. */
    static void peaked(Tensor q, Tensor k, SplittableRandom r) {
        long batch = q.shape(0), n = q.shape(1), heads = q.shape(2), d = q.shape(3);
        MemorySegment qs = q.segment(), ks = k.segment();
        double[][] u = new double[(int) heads][(int) d];
        double keyNorm = Math.sqrt(d);
        for (long b = 0; b < batch; b++) {
            for (long t = 0; t < n; t++) {
                if (t % PEAK_BLOCK == 0) {
                    for (double[] dir : u) unit(dir, r);
                }
                for (int h = 0; h < heads; h++) {
                    long base = ((b * n + t) * heads + h) * d;
                    for (int i = 0; i < d; i++) {
                        ks.setAtIndex(ValueLayout.JAVA_FLOAT, base + i,
                                (float) (keyNorm * u[h][i] + PEAK_NOISE * r.nextGaussian()));
                        qs.setAtIndex(ValueLayout.JAVA_FLOAT, base + i,
                                (float) (PEAK_SCORE * u[h][i] + PEAK_NOISE * r.nextGaussian()));
                    }
                }
            }
        }
    }

    /** Scales every row (the last dim) of a contiguous F32 tensor to unit L2 norm. */
    public static void normalizeRows(Tensor t) {
        MemorySegment s = t.segment();
        long d = t.shape(t.rank() - 1);
        for (long base = 0, e = t.elementCount(); base < e; base += d) {
            double sum = 0;
            for (long i = 0; i < d; i++) {
                double x = s.getAtIndex(ValueLayout.JAVA_FLOAT, base + i);
                sum += x * x;
            }
            double inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
            for (long i = 0; i < d; i++) {
                s.setAtIndex(ValueLayout.JAVA_FLOAT, base + i, (float) (s.getAtIndex(ValueLayout.JAVA_FLOAT, base + i)
                        * inv));
            }
        }
    }

    private static void unit(double[] x, SplittableRandom r) {
        double norm = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
            norm += x[i] * x[i];
        }
        double inv = 1 / Math.sqrt(norm);
        for (int i = 0; i < x.length; i++) x[i] *= inv;
    }
}
