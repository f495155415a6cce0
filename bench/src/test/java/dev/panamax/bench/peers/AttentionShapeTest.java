package dev.panamax.bench.peers;

import dev.panamax.bench.peers.AttentionPeer.AttentionShape;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionShapeTest {

    private static BlockLayout random(int heads, int seqLen, int block, long seed) {
        int nb = Math.ceilDiv(seqLen, block);
        byte[] mask = new byte[heads * nb * nb];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < mask.length; i++) {
            mask[i] = (byte) (r.nextInt(3) == 0 ? 1 + r.nextInt(255) : 0);
        }
        return BlockLayout.square(mask, heads, seqLen, block);
    }

    /** Pairs by the definition in AttentionShape's comment, one pair at a time. */
    private static long bruteForcePairs(AttentionShape s) {
        long pairs = 0;
        for (int h = 0; h < s.heads(); h++) {
            for (int i = 0; i < s.seqLen(); i++) {
                for (int j = 0; j < s.seqLen(); j++) {
                    BlockLayout l = s.layout();
                    boolean seen = (!s.causal() || j <= i) && (s.windowLeft() < 0 || j >= i - s.windowLeft())
                            && (l == null || l.visits(h, i / l.block(), j / l.block()));
                    pairs += seen ? 1 : 0;
                }
            }
        }
        return s.batch() * pairs;
    }

    @Test
    void theSixArgumentShapeIsDense() {
        AttentionShape s = new AttentionShape(2, 100, 8, 2, 64, true);
        assertEquals(-1, s.windowLeft());
        assertEquals(0f, s.softcap());
        assertNull(s.layout());
        assertTrue(s.isDense());
        assertFalse(s.withWindowLeft(0).isDense());
        assertFalse(s.withSoftcap(50).isDense());
        assertFalse(s.withLayout(random(1, 100, 64, 1)).isDense());
        assertEquals(2L * 8 * 100 * 101 / 2, s.visitedPairs());
        assertEquals(2L * 8 * 100 * 100, new AttentionShape(2, 100, 8, 2, 64, false).visitedPairs());
    }

    @Test
    void windowPairsHaveAClosedForm() {
        // Causal, window w: query i sees min(i, w) + 1 keys.
        int n = 1013;
        int w = 256;
        long perHead = (long) (w + 1) * (w + 2) / 2 - (w + 1) + (long) (n - w) * (w + 1);
        assertEquals(3L * perHead, new AttentionShape(1, n, 3, 1, 64, true).withWindowLeft(w).visitedPairs());
        assertEquals(17L, new AttentionShape(1, 17, 1, 1, 64, true).withWindowLeft(0).visitedPairs());
    }

    @Test
    void visitedPairsMatchTheDefinition() {
        for (boolean causal : new boolean[] {true, false}) {
            for (int window : new int[] {-1, 0, 5, 70, 400}) {
                for (int heads : new int[] {1, 3}) {
                    for (int n : new int[] {1, 17, 130}) {
                        AttentionShape dense = new AttentionShape(2, n, 3, 1, 8, causal).withWindowLeft(window);
                        assertEquals(bruteForcePairs(dense), dense.visitedPairs(), dense.toString());
                        AttentionShape sparse = dense.withLayout(random(heads, n, 16, n + window));
                        assertEquals(bruteForcePairs(sparse), sparse.visitedPairs(), sparse.toString());
                    }
                }
            }
        }
    }

    @Test
    void badOptionsNameTheArgument() {
        AttentionShape s = new AttentionShape(1, 100, 8, 2, 64, true);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.withWindowLeft(-2))
                .getMessage().startsWith("windowLeft"));
        for (float bad : new float[] {-1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> s.withSoftcap(bad))
                    .getMessage().startsWith("softcap"));
        }
        // 100 tokens in blocks of 64 need 2 x 2 tiles, and heads 1 or 8.
        BlockLayout wrongSize = new BlockLayout(new byte[9], 1, 3, 3, 64);
        BlockLayout wrongHeads = new BlockLayout(new byte[2 * 4], 2, 2, 2, 64);
        for (BlockLayout bad : new BlockLayout[] {wrongSize, wrongHeads}) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> s.withLayout(bad))
                    .getMessage().startsWith("layout"));
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BlockLayout(new byte[3], 1, 2, 2, 64))
                .getMessage().startsWith("mask"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BlockLayout(new byte[4], 1, 2, 2, 0))
                .getMessage().startsWith("layout"));
    }

    @Test
    void aLayoutIsImmutableAndComparesByContent() {
        byte[] bytes = {1, 0, 1, 1};
        BlockLayout a = new BlockLayout(bytes, 1, 2, 2, 64);
        bytes[1] = 1;
        assertFalse(a.visits(0, 0, 1), "the constructor copies");
        a.toArray()[0] = 0;
        assertTrue(a.visits(0, 0, 0), "toArray copies");
        BlockLayout same = new BlockLayout(new byte[] {1, 0, 1, 1}, 1, 2, 2, 64);
        assertEquals(a, same);
        assertEquals(a.hashCode(), same.hashCode());
        assertNotEquals(a, new BlockLayout(new byte[] {1, 1, 1, 1}, 1, 2, 2, 64));
        assertNotEquals(a, new BlockLayout(new byte[] {1, 0, 1, 1}, 1, 2, 2, 32));
        assertArrayEquals(new byte[] {1, 0, 1, 1}, a.toArray());
        assertEquals(3, a.visitedBlocks());
        AttentionShape s = new AttentionShape(1, 100, 8, 2, 64, true);
        assertEquals(s.withLayout(a), s.withLayout(same));
        assertEquals(s.withLayout(a).hashCode(), s.withLayout(same).hashCode());
    }

    @Test
    void aSharedLayoutAnswersForEveryHead() {
        BlockLayout shared = new BlockLayout(new byte[] {1, 0, 0, 1}, 1, 2, 2, 16);
        BlockLayout perHead = new BlockLayout(new byte[] {1, 0, 0, 1, 0, 1, 1, 0}, 2, 2, 2, 16);
        assertTrue(shared.visits(5, 1, 1));
        assertTrue(perHead.visits(0, 1, 1));
        assertFalse(perHead.visits(1, 1, 1));
        assertTrue(perHead.visits(1, 0, 1));
    }
}
