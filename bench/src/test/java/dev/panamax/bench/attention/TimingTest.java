package dev.panamax.bench.attention;

import dev.panamax.bench.peers.AttentionPeer.AttentionShape;
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

    @Test
    void flopsCountUnmaskedPairs() {
        assertEquals(4.0 * 2 * 8 * 64 * 100 * 100, Flops.attention(new AttentionShape(2, 100, 8, 2, 64, false)));
        assertEquals(4.0 * 2 * 8 * 64 * 100 * 101 / 2, Flops.attention(new AttentionShape(2, 100, 8, 2, 64, true)));
        assertEquals(2.0 * 2048 * 2048 * 2048, Flops.sgemm(2048, 2048, 2048));
    }
}
