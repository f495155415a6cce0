package dev.panamax;

import static dev.panamax.TestSupport.assertLseClose;
import static dev.panamax.TestSupport.assertOutClose;
import static dev.panamax.TestSupport.lseShape;
import static dev.panamax.TestSupport.poisoned;
import static dev.panamax.TestSupport.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.baseline.Baselines;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused and unfused kernels against the float64 reference, on fresh random inputs. The build runs this
 * class once per ISA path (PMX_ISA=portable, avx2, avx512: see the surefire executions in java/pom.xml).
 */
class AttentionAccuracyTest {
    private static Context ctx;

    @BeforeAll
    static void open() {
        ctx = Context.create();
    }

    @AfterAll
    static void close() {
        ctx.close();
    }

    /** A dense problem. */
    record Dense(int b, int nq, int nk, int h, int hkv, int d, boolean causal) {
        long seed() {
            return 1_000_003L * b + 10_007L * nq + 1_009L * nk + 101L * h + 11L * hkv + 3L * d + (causal ? 1 : 0);
        }

        @Override
        public String toString() {
            return "B" + b + " Nq" + nq + " Nk" + nk + " H" + h + ":" + hkv + " D" + d + (causal ? " causal" : "");
        }
    }

    static Stream<Dense> denseCases() {
        return Stream.of(
                new Dense(2, 1, 1, 4, 4, 32, false),
                new Dense(1, 1, 1, 2, 1, 80, true),
                new Dense(2, 17, 17, 4, 2, 80, true),
                new Dense(1, 17, 17, 8, 1, 256, false),     // multi-query 8:1
                new Dense(1, 1013, 1013, 2, 2, 128, false),
                new Dense(1, 1013, 1013, 8, 2, 32, true),   // grouped-query 8:2
                new Dense(1, 1013, 1013, 1, 1, 256, true),
                new Dense(1, 4097, 4097, 1, 1, 32, false),  // long: few heads to keep time down
                new Dense(1, 4097, 4097, 2, 1, 80, true),
                new Dense(2, 17, 40, 4, 2, 32, true),       // causal, Nq < Nk
                new Dense(2, 40, 17, 4, 2, 128, true),      // causal, Nq > Nk: first 23 rows see nothing
                new Dense(1, 33, 100, 2, 2, 80, false),
                new Dense(1, 100, 33, 8, 1, 64, false),
                new Dense(1, 17, 17, 2, 1, 3, false),       // head dims that are not multiples of 8
                new Dense(2, 33, 40, 4, 2, 13, true),
                new Dense(1, 100, 100, 2, 2, 33, true),
                new Dense(1, 37, 300, 2, 1, 512, false),    // D = 512 over more than one key tile
                new Dense(1, 300, 300, 1, 1, 512, true));
    }

    static Stream<Dense> unfusedCases() {
        return Stream.of(
                new Dense(2, 1, 1, 4, 4, 32, false),
                new Dense(2, 17, 17, 4, 2, 80, true),
                new Dense(1, 1013, 1013, 8, 2, 32, true),
                new Dense(1, 4097, 4097, 1, 1, 32, false),  // [N, N] scratch > 64 MiB: per-call, not pooled
                new Dense(1, 17, 17, 8, 1, 256, false),
                new Dense(2, 40, 17, 4, 2, 128, true),
                new Dense(1, 33, 100, 2, 2, 80, false));
    }

    @ParameterizedTest(name = "fused {0}")
    @MethodSource("denseCases")
    void fusedMatchesReference(Dense c) {
        runDense(c, false);
    }

    @ParameterizedTest(name = "unfused {0}")
    @MethodSource("unfusedCases")
    void unfusedMatchesReference(Dense c) {
        runDense(c, true);
    }

    private static void runDense(Dense c, boolean unfused) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = random(arena, c.seed(), c.b(), c.nq(), c.h(), c.d());
            Tensor k = random(arena, c.seed() + 1, c.b(), c.nk(), c.hkv(), c.d());
            Tensor v = random(arena, c.seed() + 2, c.b(), c.nk(), c.hkv(), c.d());
            AttentionOptions o = AttentionOptions.builder().causal(c.causal()).build();
            check(arena, q, k, v, o, unfused, c.toString());
        }
    }

    /** Runs the kernel into NaN-poisoned outputs and the reference into F64 ones; compares. */
    private static void check(Arena arena, Tensor q, Tensor k, Tensor v, AttentionOptions o, boolean unfused,
                              String what) {
        long[] ls = lseShape(q, o.isVarlen());
        Tensor out = poisoned(arena, DType.F32, q.shape());
        Tensor lse = poisoned(arena, DType.F32, ls);
        Tensor refOut = poisoned(arena, DType.F64, q.shape());
        Tensor refLse = poisoned(arena, DType.F64, ls);
        Attention.forwardReference(ctx, q, k, v, o, refOut, refLse);
        if (unfused) Baselines.attentionUnfused(ctx, q, k, v, o, out, lse);
        else Attention.forward(ctx, q, k, v, o, out, lse);
        assertOutClose(what + " out", out, refOut);
        assertLseClose(what + " lse", lse, refLse);
        checkMaskedRows(q, k, o, out, lse);
    }

    /** Causal dense rows i < Nq - Nk see no key: out exactly 0 and lse -inf (fused, unfused alike). */
    private static void checkMaskedRows(Tensor q, Tensor k, AttentionOptions o, Tensor out, Tensor lse) {
        if (!o.causal() || o.isVarlen()) return;
        long nq = q.shape(1), nk = k.shape(1);
        for (long b = 0; b < q.shape(0); b++) {
            for (long i = 0; i < nq - nk; i++) {
                for (long h = 0; h < q.shape(2); h++) {
                    assertEquals(Float.NEGATIVE_INFINITY, lse.getFloat(b, h, i), "lse of masked row " + i);
                    for (long d = 0; d < q.shape(3); d++) {
                        assertEquals(0.0f, out.getFloat(b, i, h, d), "out of masked row " + i);
                    }
                }
            }
        }
    }

    @Test
    void fullyMaskedRowsAreZeroAndMinusInfinity() {
        // The Nq > Nk causal case must actually have masked rows for the check above to mean anything.
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = random(arena, 5, 1, 9, 2, 16);
            Tensor k = random(arena, 6, 1, 4, 2, 16);
            Tensor v = random(arena, 7, 1, 4, 2, 16);
            Tensor out = poisoned(arena, DType.F32, 1, 9, 2, 16);
            Tensor lse = poisoned(arena, DType.F32, 1, 2, 9);
            Attention.forward(ctx, q, k, v, AttentionOptions.builder().causal(true).build(), out, lse);
            for (long i = 0; i < 5; i++) {
                assertEquals(Float.NEGATIVE_INFINITY, lse.getFloat(0, 1, i));
                assertEquals(0.0f, out.getFloat(0, i, 1, 15));
            }
            assertTrue(Float.isFinite(lse.getFloat(0, 1, 5)), "row 5 sees key 0");
        }
    }

    @ParameterizedTest(name = "varlen causal={0} unfused={1}")
    @org.junit.jupiter.params.provider.CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void varlenUnevenLengths(boolean causal, boolean unfused) {
        int[] lq = {5, 1, 37, 17};
        int[] lk = {9, 1, 30, 17};   // sequence 2: Nq > Nk, so causal masks its first 7 rows
        int[] cq = new int[lq.length + 1];
        int[] ck = new int[lk.length + 1];
        for (int i = 0; i < lq.length; i++) {
            cq[i + 1] = cq[i] + lq[i];
            ck[i + 1] = ck[i] + lk[i];
        }
        try (Arena arena = Arena.ofConfined()) {
            int h = 4, hkv = 2, d = 64;
            Tensor q = random(arena, 41, cq[lq.length], h, d);
            Tensor k = random(arena, 42, ck[lk.length], hkv, d);
            Tensor v = random(arena, 43, ck[lk.length], hkv, d);
            AttentionOptions o = AttentionOptions.builder().causal(causal)
                    .varlen(Tensor.fromInts(arena, cq, cq.length), Tensor.fromInts(arena, ck, ck.length)).build();
            check(arena, q, k, v, o, unfused, "varlen");
        }
    }

    @ParameterizedTest(name = "extreme logits causal={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void extremeLogits(boolean causal) {
        // Integer inputs in [-50, 50] with scale 1: every logit is an exact fp32 integer, |s| up to ~1e4+,
        // so the reference and the kernel see the same scores and the softmax must not overflow.
        int b = 1, n = 65, h = 2, d = 64;
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = integers(arena, 71, b, n, h, d);
            Tensor k = integers(arena, 72, b, n, h, d);
            Tensor v = random(arena, 73, b, n, h, d);
            AttentionOptions o = AttentionOptions.builder().causal(causal).scale(1f).build();
            Tensor refLse = poisoned(arena, DType.F64, b, h, n);
            Attention.forwardReference(ctx, q, k, v, o, poisoned(arena, DType.F64, b, n, h, d), refLse);
            double maxAbs = 0;
            for (double x : refLse.toDoubleArray()) maxAbs = Math.max(maxAbs, Math.abs(x));
            assertTrue(maxAbs > 5e3, "logits should be extreme, max |lse| = " + maxAbs);
            check(arena, q, k, v, o, false, "extreme");
            check(arena, q, k, v, o, true, "extreme unfused");
        }
    }

    private static Tensor integers(Arena arena, long seed, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < t.elementCount(); i++) {
            t.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, rnd.nextInt(-50, 51));
        }
        return t;
    }

    @Test
    void stridedViewsOfFusedQkvAndPaddedOut() {
        // One fused buffer [B, N, H + 2 Hkv, D]: q, k, v are strided views into it; out rows are padded.
        int b = 2, n = 37, h = 4, hkv = 2, d = 48, pad = 3;
        long row = (long) (h + 2 * hkv) * d;
        float sentinel = 12345f;
        try (Arena arena = Arena.ofConfined()) {
            Tensor qkv = random(arena, 91, b, n, h + 2 * hkv, d);
            MemorySegment s = qkv.segment();
            long[] qStrides = {n * row, row, d, 1};
            Tensor q = Tensor.wrap(s, DType.F32, new long[] {b, n, h, d}, qStrides);
            Tensor k = Tensor.wrap(s.asSlice(4L * h * d), DType.F32, new long[] {b, n, hkv, d}, qStrides);
            Tensor v = Tensor.wrap(s.asSlice(4L * (h + hkv) * d), DType.F32, new long[] {b, n, hkv, d}, qStrides);
            assertTrue(!q.isContiguous() && !k.isContiguous() && !v.isContiguous());

            Tensor outBuf = Tensor.allocate(arena, DType.F32, (long) b * n * h * (d + pad)).fill(sentinel);
            Tensor out = Tensor.wrap(outBuf.segment(), DType.F32, new long[] {b, n, h, d},
                    new long[] {(long) n * h * (d + pad), (long) h * (d + pad), d + pad, 1});
            out.fill(Float.NaN);
            Tensor lse = poisoned(arena, DType.F32, b, h, n);
            AttentionOptions o = AttentionOptions.builder().causal(true).build();
            Attention.forward(ctx, q, k, v, o, out, lse);

            // Reference on contiguous copies.
            Tensor qc = Tensor.fromFloats(arena, q.toFloatArray(), q.shape());
            Tensor kc = Tensor.fromFloats(arena, k.toFloatArray(), k.shape());
            Tensor vc = Tensor.fromFloats(arena, v.toFloatArray(), v.shape());
            Tensor refOut = poisoned(arena, DType.F64, q.shape());
            Tensor refLse = poisoned(arena, DType.F64, b, h, n);
            Attention.forwardReference(ctx, qc, kc, vc, o, refOut, refLse);
            assertOutClose("strided out", out, refOut);
            assertLseClose("strided lse", lse, refLse);
            // Padding between rows is untouched.
            float[] all = outBuf.toFloatArray();
            for (int i = 0; i < all.length; i++) {
                if (i % (d + pad) >= d) assertEquals(sentinel, all[i], "padding element " + i + " was written");
            }
        }
    }

    @Test
    void convenienceFormsAndCallerWorkspace() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = random(arena, 11, 2, 29, 4, 40);
            Tensor k = random(arena, 12, 2, 31, 2, 40);
            Tensor v = random(arena, 13, 2, 31, 2, 40);
            AttentionOptions o = AttentionOptions.builder().causal(true).scale(0.3f).build();
            Tensor refOut = poisoned(arena, DType.F64, q.shape());
            Tensor refLse = poisoned(arena, DType.F64, 2, 4, 29);
            Attention.forwardReference(ctx, q, k, v, o, refOut, refLse);

            assertOutClose("forward(q,k,v,o)", Attention.forward(q, k, v, o), refOut);
            assertOutClose("forward(arena,...)", Attention.forward(arena, q, k, v, o), refOut);
            AttentionResult r = Attention.forwardWithLse(arena, q, k, v, o);
            assertOutClose("forwardWithLse out", r.out(), refOut);
            assertLseClose("forwardWithLse lse", r.lse(), refLse);

            long bytes = Attention.workspaceBytes(ctx, q, k, v, o);
            assertTrue(bytes >= 0);
            MemorySegment ws = bytes == 0 ? null : arena.allocate(bytes, 64);
            Tensor out = poisoned(arena, DType.F32, q.shape());
            Attention.forward(ctx, q, k, v, o, out, null, ws);
            assertOutClose("caller workspace", out, refOut);

            long unfusedBytes = Baselines.attentionUnfusedWorkspaceBytes(ctx, q, k, v, o);
            assertTrue(unfusedBytes >= 4L * 29 * 31, "unfused needs an [Nq, Nk] matrix, says " + unfusedBytes);
            Tensor out2 = poisoned(arena, DType.F32, q.shape());
            Baselines.attentionUnfused(ctx, q, k, v, o, out2, null, arena.allocate(unfusedBytes, 64));
            assertOutClose("unfused caller workspace", out2, refOut);
        }
    }

    @Test
    void f64InputsToTheReferenceAgreeWithF32Inputs() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = random(arena, 21, 1, 13, 2, 24);
            Tensor k = random(arena, 22, 1, 13, 2, 24);
            Tensor v = random(arena, 23, 1, 13, 2, 24);
            Tensor q64 = Tensor.allocate(arena, DType.F64, q.shape());
            float[] qf = q.toFloatArray();
            for (int i = 0; i < qf.length; i++) q64.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, i, qf[i]);
            Tensor a = poisoned(arena, DType.F64, q.shape());
            Tensor bOut = poisoned(arena, DType.F64, q.shape());
            Attention.forwardReference(ctx, q, k, v, null, a, null);
            Attention.forwardReference(ctx, q64, k, v, null, bOut, null);
            assertOutClose("reference f64 q", bOut, a);
        }
    }
}
