package dev.panamax.bench.linear;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The crossover search: below, between (log-log interpolation), above the grid, gaps and dips. */
class CrossoverTest {
    private static final List<Long> GRID = List.of(128L, 256L, 512L, 1024L);

    @Test
    void betweenTwoSizesIsInterpolatedInLogLog() {
        // exact ∝ N², candidate ∝ N: equal at N = 400 (exact = N²/400 ms, candidate = N ms/... scaled).
        double[] exact = new double[4], cand = new double[4];
        for (int i = 0; i < 4; i++) {
            double n = GRID.get(i);
            exact[i] = n * n / 400;
            cand[i] = n;
        }
        Crossover x = Crossover.find(GRID, exact, cand);
        assertEquals(Crossover.Where.BETWEEN, x.where());
        assertEquals(256, x.lower());
        assertEquals(512, x.upper());
        assertEquals(400, x.n(), 1e-9);  // both power laws: the log-log line is exact
        assertEquals("~400 (256..512)", x.describe());
    }

    @Test
    void fasterEverywhereIsBelowAndNeverFasterIsAbove() {
        Crossover below = Crossover.find(GRID, new double[] {2, 4, 8, 16}, new double[] {1, 1, 1, 1});
        assertEquals(Crossover.Where.BELOW, below.where());
        assertEquals("<= 128", below.describe());
        Crossover above = Crossover.find(GRID, new double[] {1, 1, 1, 1}, new double[] {2, 2, 2, 2});
        assertEquals(Crossover.Where.ABOVE, above.where());
        assertEquals("> 1024", above.describe());
    }

    @Test
    void aDipBeforeTheEndDoesNotCountOnlyTheLastCrossingDoes() {
        // Faster at 128, slower at 256, faster from 512 on: the crossover is between 256 and 512.
        Crossover x = Crossover.find(GRID, new double[] {2, 2, 2, 2}, new double[] {1, 3, 1, 1});
        assertEquals(Crossover.Where.BETWEEN, x.where());
        assertEquals(256, x.lower());
        assertEquals(512, x.upper());
        assertTrue(x.n() > 256 && x.n() < 512, x.toString());
        // Slower at the last size: above, whatever came before.
        assertEquals(Crossover.Where.ABOVE, Crossover.find(GRID, new double[] {2, 2, 2, 2},
                new double[] {1, 1, 1, 3}).where());
    }

    @Test
    void unmeasuredSizesAreLeftOut() {
        double nan = Double.NaN;
        Crossover x = Crossover.find(GRID, new double[] {1, nan, 2, 4}, new double[] {2, 1, 1, 1});
        assertEquals(Crossover.Where.BETWEEN, x.where());
        assertEquals(128, x.lower());
        assertEquals(512, x.upper());
        assertEquals(Crossover.Where.BELOW, Crossover.find(GRID, new double[] {nan, 2, 2, 2},
                new double[] {1, 1, 1, 1}).where());
        assertEquals(256, Crossover.find(GRID, new double[] {nan, 2, 2, 2}, new double[] {1, 1, 1, 1}).n());
        Crossover none = Crossover.find(GRID, new double[] {nan, nan, nan, nan}, new double[] {1, 1, 1, 1});
        assertEquals(Crossover.Where.NONE, none.where());
        assertEquals("-", none.describe());
    }

    @Test
    void refusesUnsortedSizesAndMismatchedLengths() {
        assertThrows(IllegalArgumentException.class,
                () -> Crossover.find(List.of(256L, 128L), new double[] {1, 1}, new double[] {1, 1}));
        assertThrows(IllegalArgumentException.class,
                () -> Crossover.find(GRID, new double[] {1, 1}, new double[] {1, 1, 1, 1}));
    }
}
