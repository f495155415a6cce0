package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Modifier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * BigBird layouts through the Java API: the options, golden layouts shared with the native test (so each
 * field reaches the library as itself), every rule element by element, thread counts and seeds, a strided
 * output, and bad arguments.
 */
class BigBirdTest {
    private static final byte POISON = (byte) 0xCD;
    private static Context ctx;

    @BeforeAll
    static void open() {
        ctx = Context.create(2);
    }

    @AfterAll
    static void close() {
        ctx.close();
    }

    private static BigBirdOptions options(int block, int window, int random, int global, long seed, boolean causal) {
        return BigBirdOptions.builder().block(block).windowBlocks(window).randomBlocks(random).globalBlocks(global)
                .seed(seed).causal(causal).build();
    }

    // ---- options -------------------------------------------------------------------------------

    @Test
    void optionsAreAFinalClassWithDefaultsEqualityAndToString() {
        assertFalse(BigBirdOptions.class.isRecord());
        assertTrue(Modifier.isFinal(BigBirdOptions.class.getModifiers()));
        assertEquals(0, BigBirdOptions.class.getConstructors().length);
        BigBirdOptions d = BigBirdOptions.defaults();
        assertEquals(64, d.block());
        assertEquals(1, d.windowBlocks());
        assertEquals(3, d.randomBlocks());
        assertEquals(2, d.globalBlocks());
        assertEquals(0, d.seed());
        assertFalse(d.causal());
        assertEquals(d, BigBirdOptions.builder().build());
        BigBirdOptions o = options(32, 2, 4, 1, -1L, true);
        assertEquals(o, o.toBuilder().build());
        assertEquals(o.hashCode(), o.toBuilder().build().hashCode());
        assertNotEquals(o, o.toBuilder().seed(7).build());
        assertNotEquals(o, o.toBuilder().causal(false).build());
        assertNotEquals(o, o.toBuilder().windowBlocks(3).build());
        assertEquals("BigBirdOptions[block=32, windowBlocks=2, randomBlocks=4, globalBlocks=1, "
                + "seed=18446744073709551615, causal=true]", o.toString());
    }

    @Test
    void optionsRefuseBadValuesNamingTheField() {
        assertMessage("block: must be >= 1, got 0", () -> BigBirdOptions.builder().block(0).build());
        assertMessage("windowBlocks: must be >= 0, got -1", () -> BigBirdOptions.builder().windowBlocks(-1).build());
        assertMessage("randomBlocks: must be >= 0, got -2", () -> BigBirdOptions.builder().randomBlocks(-2).build());
        assertMessage("globalBlocks: must be >= 0, got -3", () -> BigBirdOptions.builder().globalBlocks(-3).build());
    }

    // ---- layouts -------------------------------------------------------------------------------

    /** The golden layouts of native/tests/test_bigbird.cpp: one string per head, rows separated by '|'. */
    @Test
    void goldenLayouts() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = BigBird.layout(ctx, arena, 300, 260, 2, options(32, 1, 2, 1, 12345, false));
            assertEquals("111111111|110001010|111001010|111100110|101110101|111111000|100111110|101101110|100110111"
                    + "|110000111", render(a, 0));
            assertEquals("111111111|111100000|111000101|111100101|111110001|100111011|110011110|101101110|101001111"
                    + "|100001111", render(a, 1));
            Tensor c = BigBird.layout(ctx, arena, 260, 300, 2, options(32, 1, 2, 1, 2026, true));
            assertEquals("1110000000|1111000000|1111100000|1110110000|1010111000|1011001100|1001100110|1000001111"
                    + "|1001100011", render(c, 0));
            assertEquals("1110000000|1111000000|1111100000|1101110000|1011011000|1010101100|1100100110|1001000111"
                    + "|1000011011", render(c, 1));
        }
    }

    @Test
    void everyRuleHoldsElementByElement() {
        long[][] sizes = {{1000, 1000}, {700, 1000}, {1000, 300}, {100, 50}, {37, 37}, {0, 50}, {50, 0}};
        int[][] settings = {{64, 1, 3, 2}, {17, 0, 2, 1}, {1, 2, 2, 1}, {64, 100, 2, 0}, {64, 1, 50, 20}};
        try (Arena arena = Arena.ofConfined()) {
            for (long[] n : sizes) {
                for (int[] s : settings) {
                    for (boolean causal : new boolean[] {false, true}) {
                        BigBirdOptions o = options(s[0], s[1], s[2], s[3], n[0] * 31 + s[0], causal);
                        Tensor layout = BigBird.layout(ctx, arena, n[0], n[1], 3, o);
                        assertArrayEquals(BigBird.layoutShape(n[0], n[1], 3, o), layout.shape());
                        checkRules(n[0], n[1], o, layout);
                    }
                }
            }
        }
    }

    @Test
    void sameSeedSameLayoutOnAnyThreadCountAndOtherSeedsDiffer() {
        BigBirdOptions o = options(64, 1, 3, 2, 41, false);
        try (Arena arena = Arena.ofConfined(); Context one = Context.create(1); Context three = Context.create(3)) {
            byte[] a = BigBird.layout(one, arena, 2000, 2000, 4, o).toByteArray();
            byte[] b = BigBird.layout(three, arena, 2000, 2000, 4, o).toByteArray();
            assertArrayEquals(a, b, "1 and 3 threads");
            byte[] c = BigBird.layout(three, arena, 2000, 2000, 4, o.toBuilder().seed(42).build()).toByteArray();
            assertFalse(java.util.Arrays.equals(a, c), "seeds 41 and 42 give the same layout");
        }
    }

    @Test
    void writesAStridedOutputAndNothingBeside() {
        BigBirdOptions o = options(16, 1, 2, 1, 5, true);
        try (Arena arena = Arena.ofConfined()) {
            byte[] dense = BigBird.layout(ctx, arena, 100, 120, 2, o).toByteArray();
            long nbq = 7, nbk = 8, sq = nbk + 3, sh = nbq * sq + 5;
            MemorySegment seg = arena.allocate(2 * sh + 8);
            seg.fill(POISON);
            Tensor out = Tensor.wrap(seg, DType.U8, new long[] {1, 2, nbq, nbk}, new long[] {2 * sh, sh, sq, 1});
            BigBird.layout(ctx, 100, 120, 2, o, out);
            assertArrayEquals(dense, out.toByteArray());
            for (long i = 0; i < seg.byteSize(); i++) {
                long h = i / sh, qb = (i % sh) / sq, kb = (i % sh) % sq;
                boolean inside = h < 2 && qb < nbq && kb < nbk;
                if (!inside) assertEquals(POISON, seg.get(ValueLayout.JAVA_BYTE, i), "byte " + i + " outside the view");
            }
        }
    }

    @Test
    void badArgumentsNameThemselves() {
        BigBirdOptions o = BigBirdOptions.defaults();
        try (Arena arena = Arena.ofConfined()) {
            Tensor good = Tensor.allocate(arena, DType.U8, 1, 2, 2, 3);
            assertMessage("ctx: must not be null", () -> BigBird.layout(null, 100, 150, 2, o, good));
            assertMessage("arena: must not be null", () -> BigBird.layout(ctx, null, 100, 150, 2, o));
            assertMessage("nq: must be >= 0, got -1", () -> BigBird.layout(ctx, -1, 150, 2, o, good));
            assertMessage("nk: must be >= 0, got -5", () -> BigBird.layout(ctx, arena, 100, -5, 2, o));
            assertMessage("heads: must be >= 1, got 0", () -> BigBird.layout(ctx, 100, 150, 0, o, good));
            assertMessage("out: must not be null", () -> BigBird.layout(ctx, 100, 150, 2, o, null));
            assertMessage("out: dtype F32 is not accepted, expected U8",
                    () -> BigBird.layout(ctx, 100, 150, 2, o, Tensor.allocate(arena, DType.F32, 1, 2, 2, 3)));
            assertMessage("out: shape [1, 2, 2, 3] must be [1, 2, 2, 2]", () -> BigBird.layout(ctx, 100, 100, 2, o, good));
            assertMessage("out: shape [1, 2, 2, 3] must be [1, 3, 2, 3]", () -> BigBird.layout(ctx, 100, 150, 3, o, good));
            Tensor readOnly = Tensor.wrap(good.segment().asReadOnly(), DType.U8, 1, 2, 2, 3);
            assertMessage("out: is a read-only segment", () -> BigBird.layout(ctx, 100, 150, 2, o, readOnly));
            Tensor overlapping = Tensor.wrap(good.segment(), DType.U8, new long[] {1, 2, 2, 3}, new long[] {0, 3, 1, 1});
            assertMessage("out: strides", () -> BigBird.layout(ctx, 100, 150, 2, o, overlapping));
            Context closed = Context.create(1);
            closed.close();
            assertThrows(IllegalStateException.class, () -> BigBird.layout(closed, 100, 150, 2, o, good));
            BigBird.layout(ctx, 100, 150, 2, o, good);
            byte[] bytes = good.toByteArray();
            for (byte b : bytes) assertTrue(b == 0 || b == 1, "a good call after the bad ones writes 0 or 1");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static void assertMessage(String prefix, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(prefix), "message '" + e.getMessage() + "' should start with '" + prefix
                + "'");
    }

    private static String render(Tensor layout, int head) {
        StringBuilder s = new StringBuilder();
        for (long qb = 0; qb < layout.shape(2); qb++) {
            if (qb > 0) s.append('|');
            for (long kb = 0; kb < layout.shape(3); kb++) s.append(byteAt(layout, head, qb, kb));
        }
        return s.toString();
    }

    private static int byteAt(Tensor t, long h, long qb, long kb) {
        long offset = h * t.stride(1) + qb * t.stride(2) + kb * t.stride(3);
        return Byte.toUnsignedInt(t.segment().get(ValueLayout.JAVA_BYTE, offset));
    }

    /**
     * Structural blocks (global rows and columns, the window around the diagonal) are 1, future blocks 0,
     * and each non-global row of each head has exactly min(random, candidates) more, from the header's text.
     */
    private static void checkRules(long nq, long nk, BigBirdOptions o, Tensor layout) {
        long block = o.block();
        for (int h = 0; h < layout.shape(1); h++) {
            for (long qb = 0; qb < layout.shape(2); qb++) {
                long last = Math.min((qb + 1) * block, nq) - 1;
                long diagonalKey = last + nk - nq;
                long candidates = 0, drawn = 0;
                for (long kb = 0; kb < layout.shape(3); kb++) {
                    int x = byteAt(layout, h, qb, kb);
                    boolean future = o.causal() && kb * block > diagonalKey;
                    boolean window = diagonalKey >= 0 && Math.abs(kb - diagonalKey / block) <= o.windowBlocks();
                    boolean structural = !future && (qb < o.globalBlocks() || kb < o.globalBlocks() || window);
                    String where = o + " nq=" + nq + " nk=" + nk + " head " + h + " block (" + qb + ", " + kb + ")";
                    assertTrue(x <= 1, where + " is " + x);
                    if (structural) assertEquals(1, x, where + " is structural");
                    if (future) assertEquals(0, x, where + " is in the future");
                    if (!structural && !future) {
                        candidates++;
                        drawn += x;
                    }
                }
                assertEquals(Math.min(o.randomBlocks(), candidates), drawn,
                        o + " nq=" + nq + " nk=" + nk + " head " + h + " row " + qb + ": random blocks");
            }
        }
    }
}
