package dev.panamax.bench.attention;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The names a sweep gives its fused call: the plot's legend says which variant was timed. */
class AttentionSweepTest {
    @Test
    void theFusedSeriesIsNamedAfterTheVariant() {
        SweepConfig dense = new SweepConfig(List.of(128), 1, 2, 2, 16, true, 0, 1);
        assertEquals("fused", new AttentionSweep(null, dense, List.of()).fusedName());
        SweepConfig bigBird = new SweepConfig(List.of(128), 1, 2, 2, 16, true, 0, 1, Sparsity.bigBird(64));
        assertEquals("BigBird 64 (w 1, r 3, g 2)", new AttentionSweep(null, bigBird, List.of()).fusedName());
    }
}
