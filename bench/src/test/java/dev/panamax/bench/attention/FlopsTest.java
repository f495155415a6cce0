package dev.panamax.bench.attention;

import dev.panamax.bench.peers.AttentionPeer.AttentionShape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FlopsTest {
    @Test
    void flopsCountUnmaskedPairs() {
        assertEquals(4.0 * 2 * 8 * 64 * 100 * 100, Flops.attention(new AttentionShape(2, 100, 8, 2, 64, false)));
        assertEquals(4.0 * 2 * 8 * 64 * 100 * 101 / 2, Flops.attention(new AttentionShape(2, 100, 8, 2, 64, true)));
        assertEquals(2.0 * 2048 * 2048 * 2048, dev.panamax.bench.sweep.Rates.sgemmFlops(2048, 2048, 2048));
    }
}
