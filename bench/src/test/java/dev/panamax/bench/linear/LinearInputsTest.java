package dev.panamax.bench.linear;

import dev.panamax.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The structured inputs have the structure they claim. */
class LinearInputsTest {
    @Test
    void randomEntriesAreStandardNormalAndTheSameForTheSameSeed() {
        try (Arena arena = Arena.ofConfined()) {
            LinearInputs a = LinearInputs.make(arena, InputKind.RANDOM, 1, 500, 2, 16, 0, 7);
            LinearInputs b = LinearInputs.make(arena, InputKind.RANDOM, 1, 500, 2, 16, 0, 7);
            assertArrayEquals(a.q.toFloatArray(), b.q.toFloatArray());
            assertArrayEquals(a.v.toFloatArray(), b.v.toFloatArray());
            for (Tensor t : new Tensor[] {a.q, a.k, a.v}) {
                double[] x = t.toDoubleArray();
                double mean = Arrays.stream(x).average().orElseThrow();
                double var = Arrays.stream(x).map(e -> (e - mean) * (e - mean)).average().orElseThrow();
                assertEquals(0, mean, 0.05);
                assertEquals(1, var, 0.05);
            }
            assertFalse(Arrays.equals(a.q.toFloatArray(), a.k.toFloatArray()));
        }
    }

    @Test
    void lowRankQueriesAndKeysOfAHeadSpanOnlyRankDirections() {
        int n = 60, h = 2, d = 16, rank = 3;
        try (Arena arena = Arena.ofConfined()) {
            LinearInputs in = LinearInputs.make(arena, InputKind.LOW_RANK, 1, n, h, d, rank, 3);
            float[] q = in.q.toFloatArray(), k = in.k.toFloatArray();
            for (int head = 0; head < h; head++) {
                List<double[]> rows = new ArrayList<>();
                for (int t = 0; t < n; t++) {
                    rows.add(row(q, t, head, h, d));
                    rows.add(row(k, t, head, h, d));
                }
                assertEquals(rank, numericalRank(rows, 1e-4), "head " + head);
            }
            // Entries of unit variance.
            double var = Arrays.stream(in.q.toDoubleArray()).map(e -> e * e).average().orElseThrow();
            assertEquals(1, var, 0.3);
            assertThrows(IllegalArgumentException.class,
                    () -> LinearInputs.make(arena, InputKind.LOW_RANK, 1, n, h, d, d + 1, 3));
        }
    }

    @Test
    void peakedQueriesPutMostSoftmaxMassOnTheirBlock() {
        int n = 256, h = 2, d = 64;
        double scale = 1 / Math.sqrt(d);
        try (Arena arena = Arena.ofConfined()) {
            LinearInputs in = LinearInputs.make(arena, InputKind.PEAKED, 1, n, h, d, 0, 5);
            float[] q = in.q.toFloatArray(), k = in.k.toFloatArray();
            double massOnBlock = 0;
            for (int head = 0; head < h; head++) {
                for (int i = 0; i < n; i++) {
                    double[] qi = row(q, i, head, h, d);
                    double[] s = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        s[j] = scale * dot(qi, row(k, j, head, h, d));
                        max = Math.max(max, s[j]);
                    }
                    double total = 0, block = 0;
                    for (int j = 0; j < n; j++) {
                        double p = Math.exp(s[j] - max);
                        total += p;
                        if (j / LinearInputs.PEAK_BLOCK == i / LinearInputs.PEAK_BLOCK) block += p;
                    }
                    massOnBlock += block / total;
                }
            }
            massOnBlock /= (double) n * h;
            assertTrue(massOnBlock > 0.9, "mean softmax mass on the query's block: " + massOnBlock);
        }
    }

    @Test
    void normalizeRowsGivesUnitRows() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.fromFloats(arena, new float[] {3, 4, 0, 0, 1, 0}, 3, 2);
            LinearInputs.normalizeRows(t);
            assertArrayEquals(new float[] {0.6f, 0.8f, 0, 0, 1, 0}, t.toFloatArray(), 1e-7f);
        }
    }

    private static double[] row(float[] x, int t, int head, int h, int d) {
        double[] r = new double[d];
        for (int i = 0; i < d; i++) r[i] = x[(t * h + head) * d + i];
        return r;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** Gram-Schmidt: how many rows keep a residual above {@code tol} of their norm. */
    private static int numericalRank(List<double[]> rows, double tol) {
        List<double[]> basis = new ArrayList<>();
        for (double[] r : rows) {
            double[] x = r.clone();
            double norm = Math.sqrt(dot(x, x));
            for (double[] e : basis) {
                double c = dot(x, e);
                for (int i = 0; i < x.length; i++) x[i] -= c * e[i];
            }
            double rest = Math.sqrt(dot(x, x));
            if (rest > tol * norm) {
                for (int i = 0; i < x.length; i++) x[i] /= rest;
                basis.add(x);
            }
        }
        return basis.size();
    }
}
