package dev.panamax;

import static dev.panamax.TestSupport.assertLseClose;
import static dev.panamax.TestSupport.assertOutClose;
import static dev.panamax.TestSupport.poisoned;
import static dev.panamax.TestSupport.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sparse and positional options through the Java API: the fused kernel against the float64 reference
 * (which native/tests/test_attention_sparse.cpp checks against an explicit dense mask), and the Java-side
 * validation. The build runs this class once per ISA path.
 */
class SparseAttentionTest {
    private static Context ctx;

    @BeforeAll
    static void open() {
        ctx = Context.create();
    }

    @AfterAll
    static void close() {
        ctx.close();
    }

    /** Options for q [1, n, h, d]: built in the test's arena. */
    record Option(String name, BiFunction<Arena, Integer, AttentionOptions> make) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Tensor bytes(Arena arena, long seed, double density, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.U8, shape);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < t.elementCount(); i++) {
            t.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (rnd.nextDouble() < density ? 1 : 0));
        }
        return t;
    }

    static Stream<Option> options() {
        return Stream.of(
                new Option("causal window 50", (a, n) -> AttentionOptions.builder().causal(true).window(50, 0).build()),
                new Option("window 7 both sides", (a, n) -> AttentionOptions.builder().window(7, 7).build()),
                new Option("globals + window", (a, n) -> AttentionOptions.builder().window(16, 16)
                        .globalTokens(Tensor.fromInts(a, new int[] {0, 100, n - 1}, 3)).build()),
                new Option("alibi [H] causal", (a, n) -> AttentionOptions.builder().causal(true)
                        .alibiSlopes(Tensor.fromFloats(a, new float[] {0.5f, 0.25f, 0.125f, 0.0625f}, 4)).build()),
                new Option("softcap 0.3", (a, n) -> AttentionOptions.builder().softcap(0.3f).build()),
                new Option("block mask 32x48 causal", (a, n) -> AttentionOptions.builder().causal(true)
                        .blockMask(bytes(a, 7, 0.4, 1, 4, (n + 31) / 32, (n + 47) / 48), 32, 48).build()),
                new Option("axial col 13x23 causal", (a, n) -> AttentionOptions.builder().causal(true)
                        .axial(AxialAxis.COL, 13, 23).build()),
                new Option("axial row 13x23 + softcap + window", (a, n) -> AttentionOptions.builder()
                        .axial(AxialAxis.ROW, 13, 23).softcap(1f).window(3, 3).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("options")
    void fusedMatchesReference(Option option) {
        int n = 13 * 23, h = 4, d = 40;
        try (Arena arena = Arena.ofConfined()) {
            AttentionOptions o = option.make().apply(arena, n);
            Tensor q = random(arena, 1, 1, n, h, d);
            Tensor k = random(arena, 2, 1, n, 2, d);
            Tensor v = random(arena, 3, 1, n, 2, d);
            Tensor out = poisoned(arena, DType.F32, 1, n, h, d);
            Tensor lse = poisoned(arena, DType.F32, 1, h, n);
            Attention.forward(ctx, q, k, v, o, out, lse);
            Tensor refOut = poisoned(arena, DType.F64, 1, n, h, d);
            Tensor refLse = poisoned(arena, DType.F64, 1, h, n);
            Attention.forwardReference(ctx, q, k, v, o, refOut, refLse);
            assertOutClose(option.name() + " out", out, refOut);
            assertLseClose(option.name() + " lse", lse, refLse);
        }
    }

    @Test
    void everyBlockMaskedGivesZeroAndMinusInfinity() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = random(arena, 4, 1, 70, 1, 8);
            Tensor k = random(arena, 5, 1, 70, 1, 8);
            Tensor mask = Tensor.allocate(arena, DType.U8, 1, 1, 2, 2);  // zero: nothing visited
            AttentionOptions o = AttentionOptions.builder().blockMask(mask, 64, 64).build();
            Tensor out = poisoned(arena, DType.F32, 1, 70, 1, 8);
            Tensor lse = poisoned(arena, DType.F32, 1, 1, 70);
            Attention.forward(ctx, q, k, k, o, out, lse);
            for (double x : out.toDoubleArray()) assertEquals(0.0, x);
            for (double x : lse.toDoubleArray()) assertEquals(Double.NEGATIVE_INFINITY, x);
        }
    }

    @Test
    void badOptionsNameTheField() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = random(arena, 6, 1, 100, 2, 8);
            assertMessage("windowLeft", () -> AttentionOptions.builder().window(-2, 0).build());
            assertMessage("softcap", () -> AttentionOptions.builder().softcap(-1f).build());
            assertMessage("softcap", () -> AttentionOptions.builder().softcap(Float.NaN).build());
            assertMessage("blockQ", () -> AttentionOptions.builder().blockMask(null, 0, 64));
            assertMessage("topkBlocks", () -> AttentionOptions.builder().topkBlocks(-1, 64, 64));
            assertMessage("globalTokens", () -> AttentionOptions.builder().globalTokens(q).build());
            assertMessage("alibiSlopes", () -> AttentionOptions.builder()
                    .alibiSlopes(Tensor.fromInts(arena, new int[] {1, 2}, 2)).build());
            assertMessage("layoutOut", () -> AttentionOptions.builder()
                    .layoutOut(Tensor.allocate(arena, DType.U8, 1, 2, 2, 2)).build());
            assertMessage("blockMask", () -> AttentionOptions.builder()
                    .blockMask(Tensor.allocate(arena, DType.U8, 1, 2, 2, 2), 64, 64).topkBlocks(2, 64, 64).build());
            assertMessage("axial", () -> AttentionOptions.builder().axial(AxialAxis.ROW, 0, 3));
            // Shapes against q, before any downcall.
            assertMessage("alibiSlopes", () -> Attention.forward(ctx, q, q, q, AttentionOptions.builder()
                    .alibiSlopes(Tensor.allocate(arena, DType.F32, 3)).build(), poisoned(arena, DType.F32, 1, 100, 2, 8), null));
            assertMessage("blockMask", () -> Attention.forward(ctx, q, q, q, AttentionOptions.builder()
                    .blockMask(Tensor.allocate(arena, DType.U8, 1, 2, 2, 1), 64, 64).build(),
                    poisoned(arena, DType.F32, 1, 100, 2, 8), null));
            assertMessage("axial", () -> Attention.forward(ctx, q, q, q, AttentionOptions.builder()
                    .axial(AxialAxis.ROW, 9, 9).build(), poisoned(arena, DType.F32, 1, 100, 2, 8), null));
            // Values the library checks: unsorted global tokens.
            PanamaxException e = assertThrows(PanamaxException.class, () -> Attention.forward(ctx, q, q, q,
                    AttentionOptions.builder().globalTokens(Tensor.fromInts(arena, new int[] {5, 3}, 2)).build(),
                    poisoned(arena, DType.F32, 1, 100, 2, 8), null));
            assertTrue(e.getMessage().contains("global_tokens"), e.getMessage());
        }
    }

    private static void assertMessage(String field, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(field), "message should start with '" + field + "': " + e.getMessage());
    }
}
