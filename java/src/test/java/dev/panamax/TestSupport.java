package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/** Inputs, poisoning and comparison against the float64 reference. */
public final class TestSupport {
    /** max|fused - ref| / max|ref| per tensor. */
    static final double REL_TOL = 1e-5;

    private TestSupport() {}

    /** Uniform values in [-1, 1): never all zero. */
    public static Tensor random(Arena arena, long seed, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        SplittableRandom rnd = new SplittableRandom(seed);
        long n = t.elementCount();
        for (long i = 0; i < n; i++) {
            t.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) (rnd.nextDouble() * 2 - 1));
        }
        return t;
    }

    static Tensor poisoned(Arena arena, DType dtype, long... shape) {
        return Tensor.allocate(arena, dtype, shape).fill(Float.NaN);
    }

    static long[] lseShape(Tensor q, boolean varlen) {
        return varlen ? new long[] {q.shape(1), q.shape(0)} : new long[] {q.shape(0), q.shape(2), q.shape(1)};
    }

    /** Every element written (no NaN poison left), and max|got - ref| / max|ref| <= REL_TOL. */
    static double assertOutClose(String what, Tensor got, Tensor ref) {
        double[] g = got.toDoubleArray();
        double[] r = ref.toDoubleArray();
        assertEquals(r.length, g.length, what + ": element count");
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < g.length; i++) {
            if (Double.isNaN(g[i]) || Double.isInfinite(g[i])) {
                fail(what + ": element " + i + " is " + g[i] + " (not written, or not finite)");
            }
            assertFalse(Double.isNaN(r[i]), what + ": reference element " + i + " is NaN");
            maxRef = Math.max(maxRef, Math.abs(r[i]));
            maxDiff = Math.max(maxDiff, Math.abs(g[i] - r[i]));
        }
        if (maxRef == 0) {
            assertEquals(0.0, maxDiff, what + ": reference is all zero, so must the result be");
            return 0;
        }
        double rel = maxDiff / maxRef;
        assertTrue(rel <= REL_TOL, what + ": relative error " + rel + " > " + REL_TOL + " (max diff " + maxDiff
                + ", max |ref| " + maxRef + ")");
        return rel;
    }

    /** Every element written; -inf exactly where the reference has -inf; else |got - ref| <= 1e-5 max(1, |ref|). */
    static void assertLseClose(String what, Tensor got, Tensor ref) {
        double[] g = got.toDoubleArray();
        double[] r = ref.toDoubleArray();
        assertEquals(r.length, g.length, what + ": element count");
        for (int i = 0; i < g.length; i++) {
            assertFalse(Double.isNaN(g[i]), what + ": element " + i + " is NaN (not written)");
            if (r[i] == Double.NEGATIVE_INFINITY) {
                assertEquals(Double.NEGATIVE_INFINITY, g[i], what + ": element " + i + " must be -inf (masked row)");
                continue;
            }
            assertTrue(Double.isFinite(r[i]), what + ": reference element " + i + " is " + r[i]);
            double tol = 1e-5 * Math.max(1, Math.abs(r[i]));
            assertTrue(Math.abs(g[i] - r[i]) <= tol, what + ": element " + i + " is " + g[i] + ", reference "
                    + r[i] + " (tolerance " + tol + ")");
        }
    }
}
