package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Rope#apply} against the Java closed form ({@link RopeClosedForm}) and the native float64 reference,
 * for every style and scaling; positions [B, N], [N] and none (with an offset); rotary dim below D; in place;
 * one thread against two, bit for bit. Run on every ISA path (java/pom.xml's ISA matrix).
 */
class RopeTest {
    private static final long B = 2, N = 37, H = 3;

    static Stream<RopeConfig> configs() {
        List<RopeConfig> list = new ArrayList<>();
        for (RopeStyle style : RopeStyle.values()) {
            RopeConfig.Builder b = RopeConfig.builder().style(style);
            list.add(b.build());
            list.add(b.scaling(RopeScaling.LINEAR).factor(4).rotaryDim(40).build());
            list.add(b.scaling(RopeScaling.NTK).ntkAlpha(8).rotaryDim(0).build());
            list.add(b.scaling(RopeScaling.YARN).factor(16).originalMaxPosition(4096).theta(1e6).build());
            list.add(b.attentionFactor(0.8f).betaFast(16).betaSlow(2).offset(-3000).build());
            list.add(RopeConfig.builder().style(style).scaling(RopeScaling.LLAMA3).factor(8).originalMaxPosition(8192)
                    .lowFreqFactor(1).highFreqFactor(4).theta(500000).rotaryDim(24).offset(1L << 20).build());
        }
        return list.stream();
    }

    @ParameterizedTest
    @MethodSource("configs")
    void matchesClosedFormAndReference(RopeConfig config) {
        for (int positionsRank : new int[] {0, 1, 2}) {
            check(config, 80, positionsRank);
        }
    }

    @Test
    void rank3WithPositionsAndOddHeadDim() {
        RopeConfig c = RopeConfig.builder().rotaryDim(6).build();
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor x = TestSupport.random(arena, 5, N, H, 7);
            long[] pos = positions(N, 9);
            Tensor p = Tensor.fromInts(arena, toInts(pos), N);
            Tensor out = Rope.apply(arena, x, p, c);
            assertClose("rank 3", out.toDoubleArray(),
                    RopeClosedForm.apply(x.toDoubleArray(), 1, N, H, 7, pos, c), 1, 5 * 0x1p-24);
        }
    }

    @Test
    void inPlaceEqualsOutOfPlaceAndThreadsDoNotMatter() {
        RopeConfig c = RopeConfig.builder().style(RopeStyle.INTERLEAVED).scaling(RopeScaling.YARN).factor(8)
                .originalMaxPosition(2048).rotaryDim(48).build();
        try (Arena arena = Arena.ofConfined(); Context one = Context.create(1); Context two = Context.create(2)) {
            Tensor x = TestSupport.random(arena, 6, 3, 129, 4, 72);
            Tensor out = TestSupport.poisoned(arena, DType.F32, x.shape());
            Rope.apply(two, x, null, c, out);
            Rope.apply(one, x, null, c, x);
            assertArrayEquals(out.toFloatArray(), x.toFloatArray(), "in place on 1 thread vs out of place on 2");
        }
    }

    private static void check(RopeConfig config, long d, int positionsRank) {
        String what = config + " positions rank " + positionsRank;
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor x = TestSupport.random(arena, 7 + positionsRank, B, N, H, d);
            long[] rowPositions = positions(B * N, 11 + positionsRank);
            Tensor p = null;
            if (positionsRank == 2) {
                p = Tensor.fromInts(arena, toInts(rowPositions), B, N);
            } else if (positionsRank == 1) {
                for (int i = 0; i < B * N; i++) rowPositions[i] = rowPositions[(int) (i % N)];
                p = Tensor.fromInts(arena, Arrays.copyOf(toInts(rowPositions), (int) N), N);
            } else {
                for (int i = 0; i < B * N; i++) rowPositions[i] = i % N;
            }
            double[] want = RopeClosedForm.apply(x.toDoubleArray(), B, N, H, d, rowPositions, config);
            double af = RopeClosedForm.attentionFactor(config);

            Tensor out = TestSupport.poisoned(arena, DType.F32, x.shape());
            Rope.apply(ctx, x, p, config, out);
            assertClose(what + " kernel", out.toDoubleArray(), want, af, 5 * 0x1p-24);

            Tensor ref = Tensor.allocate(arena, DType.F64, x.shape()).fill(Float.NaN);
            Rope.applyReference(ctx, x, p, config, ref);
            // float64 throughout; the library's inverse frequencies may differ from the closed form's by a few
            // ulps (YaRN and llama3 blend in another order): 2^-48 of angles up to 2^20 (positions + offset).
            assertClose(what + " reference", ref.toDoubleArray(), want, af, 0x1p20 * 0x1p-48);
        }
    }

    /** |got - want| <= 2·af·unit for every element (|x| <= 1, so |x_a| + |x_b| <= 2); no poison left. */
    private static void assertClose(String what, double[] got, double[] want, double af, double unit) {
        assertEquals(want.length, got.length, what + ": element count");
        double tol = 2 * af * unit;
        for (int i = 0; i < got.length; i++) {
            double err = Math.abs(got[i] - want[i]);
            assertTrue(err <= tol, what + ": element " + i + " is " + got[i] + ", expected " + want[i]
                    + " (tolerance " + tol + ")");
        }
    }

    /** Positions up to 100000: beyond the original max positions of the YaRN and llama3 configs. */
    private static long[] positions(long count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] p = new long[(int) count];
        for (int i = 0; i < count; i++) p[i] = r.nextInt(100_001);
        return p;
    }

    private static int[] toInts(long[] v) {
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) r[i] = (int) v[i];
        return r;
    }
}
