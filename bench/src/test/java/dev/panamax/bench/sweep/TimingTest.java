package dev.panamax.bench.sweep;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TimingTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, Timing.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Timing.median(new double[] {4, 1, 3, 2}));
    }

    @Test
    void runsWarmupThenRepeats() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Timing.medianMillis(2, 5, calls::incrementAndGet);
        assertEquals(7, calls.get());
    }

    @Test
    void aRunOverBudgetIsTimedOnce() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Timing.medianMillis(1, 3, 1, () -> {
            calls.incrementAndGet();
            Thread.sleep(5);
        });
        assertEquals(1, calls.get());
    }
}
