package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.panamax.baseline.Baselines;

import org.junit.jupiter.api.Test;

class BaselinesTest {
    @Test
    void sgemmMatchesATripleLoop() {
        int m = 37, n = 29, k = 53;
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor a = TestSupport.random(arena, 1, m, k);
            Tensor b = TestSupport.random(arena, 2, k, n);
            Tensor c = TestSupport.poisoned(arena, DType.F32, m, n);
            Baselines.sgemm(ctx, m, n, k, a.segment(), b.segment(), c.segment());
            float[] av = a.toFloatArray(), bv = b.toFloatArray(), cv = c.toFloatArray();
            double maxErr = 0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += (double) av[i * k + p] * bv[p * n + j];
                    maxErr = Math.max(maxErr, Math.abs(s - cv[i * n + j]));
                }
            }
            assertTrue(maxErr < 1e-4, "max error " + maxErr);
        }
    }

    @Test
    void sgemmRefusesBadArguments() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            MemorySegment a = arena.allocate(4 * 6, 64), b = arena.allocate(4 * 6, 64);
            MemorySegment small = arena.allocate(4 * 3, 64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Baselines.sgemm(ctx, 2, 3, 2, a, b, small));
            assertTrue(e.getMessage().startsWith("c:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Baselines.sgemm(ctx, -1, 3, 3, a, b, a));
            assertTrue(e.getMessage().startsWith("m:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Baselines.sgemm(ctx, 2, 3, 3, MemorySegment.ofArray(new float[6]), b, a));
            assertTrue(e.getMessage().startsWith("a:"), e.getMessage());
        }
    }

    @Test
    void noopReturns() {
        try (Context ctx = Context.create(1)) {
            for (int i = 0; i < 1000; i++) Baselines.noop(ctx);
            assertEquals(1, ctx.numThreads());
        }
    }
}
