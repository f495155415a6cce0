package dev.panamax;

import static dev.panamax.MoeTestSupport.D;
import static dev.panamax.MoeTestSupport.E;
import static dev.panamax.MoeTestSupport.K;
import static dev.panamax.MoeTestSupport.T;
import static dev.panamax.MoeTestSupport.assertBitsEqual;
import static dev.panamax.MoeTestSupport.expect;
import static dev.panamax.MoeTestSupport.f64;
import static dev.panamax.MoeTestSupport.poisonedInts;
import static dev.panamax.MoeTestSupport.poisonedOutputs;
import static dev.panamax.SelectiveScanTest.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.MoeTestSupport.Layer;
import java.lang.foreign.Arena;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * {@link MoE} through the Java API: the fused layer against the library's float64 reference (gated and ungated,
 * every activation, biases, capacity dropping, noise, sigmoid scoring, given logits, T = 1, transposed weights and
 * a column-major x as strided views), the stages one by one against the fused call bit for bit (and permute's
 * outputs against the permutation rebuilt here), thread-count independence, the caller's workspace, the allocating
 * form, an empty batch and allocation-free steady state. Every output is poisoned first and every element checked.
 * The router against its closed form: {@link MoeRouterTest}; the checks before and by the downcall:
 * {@link MoeValidationTest}.
 */
class MoETest {
    // ---- the fused layer against the float64 reference ------------------------------------------------

    @Test
    void fusedMatchesTheReferenceForEveryVariant() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            for (long tokens : new long[] {T, 1}) {
                Layer in = Layer.of(arena, tokens, 100 + tokens);
                for (boolean gated : new boolean[] {false, true}) {
                    for (MoeActivation act : MoeActivation.values()) {
                        MoeRouterOptions o = MoeRouterOptions.defaults(K);
                        checkAgainstReference(arena, ctx, in, in.gate, null, o, in.weights(gated, gated), act,
                                "T " + tokens + (gated ? " gated " : " ") + act);
                    }
                }
                // Capacity dropping some assignments, renormalised weights, noise, sigmoid scores.
                MoeRouterOptions drop = MoeRouterOptions.builder().topK(K).renormalize(true).capacityFactor(0.6)
                        .noiseStd(0.3).noiseSeed(-7).build();
                RouterOutputs r = checkAgainstReference(arena, ctx, in, in.gate, null, drop, in.weights(true, true),
                        MoeActivation.SILU, "T " + tokens + " capacity 0.6 with noise");
                if (tokens == T) {
                    int dropped = 0;
                    for (byte b : r.dropped().toByteArray()) dropped += b;
                    assertTrue(dropped > 0 && dropped < T * K, "capacity 0.6 drops some assignments: " + dropped);
                }
                MoeRouterOptions sigmoid = MoeRouterOptions.builder().topK(3).scoring(MoeScoring.SIGMOID).build();
                checkAgainstReference(arena, ctx, in, in.gate, null, sigmoid, in.weights(false, true),
                        MoeActivation.GELU, "T " + tokens + " sigmoid k 3");
                // The logits given instead of the gate.
                Tensor logits = uniform(arena, 7 + tokens, -3, 3, tokens, E);
                checkAgainstReference(arena, ctx, in, null, logits, drop, in.weights(true, false),
                        MoeActivation.GELU_TANH, "T " + tokens + " given logits");
            }
        }
    }

    /**
     * Runs the fused layer and the reference (F64 outputs) on the same inputs, every output poisoned, and compares
     * every element: out, the computed logits, indices, dropped, counts exactly, weights and the losses closely.
     * Returns the fused call's router outputs.
     */
    private static RouterOutputs checkAgainstReference(Arena arena, Context ctx, Layer in, Tensor gate, Tensor logits,
                                                       MoeRouterOptions o, ExpertWeights w, MoeActivation act,
                                                       String what) {
        long t = in.tokens();
        int k = o.topK();
        Tensor out = TestSupport.poisoned(arena, DType.F32, t, D);
        Tensor logitsOut = gate == null ? logits : TestSupport.poisoned(arena, DType.F32, t, E);
        RouterOutputs got = poisonedOutputs(arena, t, k, E, DType.F32);
        MoE.forward(ctx, in.x, gate, logitsOut, o, w, act, out, got);

        Tensor refOut = TestSupport.poisoned(arena, DType.F64, t, D);
        Tensor refLogits = gate == null ? logits : TestSupport.poisoned(arena, DType.F64, t, E);
        RouterOutputs ref = poisonedOutputs(arena, t, k, E, DType.F64);
        MoE.forwardReference(ctx, in.x, gate, refLogits, o, w, act, refOut, ref);

        requireNoNearTies(refLogits, o, what);
        if (gate != null) TestSupport.assertOutClose(what + ": logits", logitsOut, refLogits);
        assertArrayEquals(ref.indices().toIntArray(), got.indices().toIntArray(), what + ": indices");
        assertArrayEquals(ref.dropped().toByteArray(), got.dropped().toByteArray(), what + ": dropped");
        assertArrayEquals(ref.counts().toIntArray(), got.counts().toIntArray(), what + ": counts");
        for (int v : got.indices().toIntArray()) assertTrue(v >= 0 && v < E, what + ": index " + v);
        for (byte v : got.dropped().toByteArray()) assertTrue(v == 0 || v == 1, what + ": dropped " + v);
        assertEquals(t * k, Arrays.stream(got.counts().toIntArray()).sum(), what + ": counts sum to T·k");
        double[] gw = got.weights().toDoubleArray(), rw = ref.weights().toDoubleArray();
        for (int i = 0; i < gw.length; i++) {
            assertEquals(rw[i], gw[i], 1e-6, what + ": weights[" + i + "]");
        }
        assertEquals(ref.auxLoss().getDouble(0), got.auxLoss().getDouble(0), 1e-5 * ref.auxLoss().getDouble(0),
                what + ": auxLoss");
        assertEquals(ref.zLoss().getDouble(0), got.zLoss().getDouble(0), 1e-5 * ref.zLoss().getDouble(0),
                what + ": zLoss");
        TestSupport.assertOutClose(what + ": out", out, refOut);
        return got;
    }

    /**
     * The routing of fresh random inputs is only comparable between float and float64 if no two of a token's top
     * k + 1 logits (after noise) are within rounding of each other; these seeds have none (a failure here means a
     * seed to change, not a library bug). Exact ties are fine: both break them by index.
     */
    private static void requireNoNearTies(Tensor logits, MoeRouterOptions o, String what) {
        if (o.noiseStd() > 0) return;   // the noise is added inside the library: the indices comparison covers it
        long t = logits.shape(0), e = logits.shape(1);
        for (long i = 0; i < t; i++) {
            double[] row = new double[(int) e];
            for (long j = 0; j < e; j++) row[(int) j] = logits.getDouble(i, j);
            Arrays.sort(row);
            for (int j = (int) e - 1; j > Math.max(0, (int) e - 1 - o.topK()); j--) {
                double gap = row[j] - row[j - 1];
                assertTrue(gap == 0 || gap > 1e-4, what + ": token " + i + " has a near-tie (gap " + gap
                        + "): choose another seed");
            }
        }
    }

    @Test
    void transposedWeightsAndColumnMajorXAsStridedViews() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Layer in = Layer.of(arena, T, 300);
            MoeRouterOptions o = MoeRouterOptions.builder().topK(K).capacityFactor(0.8).build();
            ExpertWeights dense = in.weights(true, true);
            // Hugging Face layouts: w1, w3 stored [E, h, d], w2 stored [E, d, h], viewed transposed.
            ExpertWeights views = new ExpertWeights(transposedView(arena, in.w1), transposedView(arena, in.w2),
                    transposedView(arena, in.w3), in.b1, in.b2, in.b3);
            // x stored [d, T], viewed as [T, d] with strides (1, T).
            Tensor xT = Tensor.allocate(arena, DType.F32, D, T);
            for (long i = 0; i < T; i++) {
                for (long j = 0; j < D; j++) xT.setFloat(in.x.getFloat(i, j), j, i);
            }
            Tensor xView = Tensor.wrap(xT.segment(), DType.F32, new long[] {T, D}, new long[] {1, T});
            Tensor want = TestSupport.poisoned(arena, DType.F32, T, D);
            MoE.forward(ctx, in.x, in.gate, null, o, dense, MoeActivation.SILU, want, null);
            for (boolean viewX : new boolean[] {false, true}) {
                Tensor x = viewX ? xView : in.x;
                Tensor out = TestSupport.poisoned(arena, DType.F32, T, D);
                MoE.forward(ctx, x, in.gate, null, o, views, MoeActivation.SILU, out, null);
                Tensor ref = TestSupport.poisoned(arena, DType.F64, T, D);
                MoE.forwardReference(ctx, x, in.gate, null, o, views, MoeActivation.SILU, ref, null);
                String what = viewX ? "column-major x, transposed weights" : "transposed weights";
                TestSupport.assertOutClose(what + " against the reference", out, ref);
                TestSupport.assertOutClose(what + " against row-major weights", out, want);
            }
        }
    }

    /** {@code w} [E, a, b] copied into [E, b, a] memory and viewed back as [E, a, b] (strides (a·b, 1, a)). */
    private static Tensor transposedView(Arena arena, Tensor w) {
        long e = w.shape(0), a = w.shape(1), b = w.shape(2);
        Tensor mem = Tensor.allocate(arena, DType.F32, e, b, a);
        for (long i = 0; i < e; i++) {
            for (long p = 0; p < a; p++) {
                for (long q = 0; q < b; q++) mem.setFloat(w.getFloat(i, p, q), i, q, p);
            }
        }
        return Tensor.wrap(mem.segment(), DType.F32, new long[] {e, a, b}, new long[] {a * b, 1, a});
    }

    @Test
    void f64ReferenceInputsGiveTheF32InputsResult() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            Layer in = Layer.of(arena, T, 400);
            MoeRouterOptions o = MoeRouterOptions.builder().topK(K).capacityFactor(0.7).build();
            Tensor a = TestSupport.poisoned(arena, DType.F64, T, D), b = TestSupport.poisoned(arena, DType.F64, T, D);
            MoE.forwardReference(ctx, in.x, in.gate, null, o, in.weights(true, true), MoeActivation.RELU, a, null);
            ExpertWeights w64 = new ExpertWeights(f64(arena, in.w1), f64(arena, in.w2), f64(arena, in.w3),
                    f64(arena, in.b1), f64(arena, in.b2), f64(arena, in.b3));
            MoE.forwardReference(ctx, f64(arena, in.x), f64(arena, in.gate), null, o, w64, MoeActivation.RELU, b, null);
            assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), "F64 copies of F32 inputs: the same doubles");
        }
    }

    // ---- stage by stage -------------------------------------------------------------------------------

    @Test
    void stagesOneByOneGiveTheFusedBitsOnAnyThreadCount() {
        try (Arena arena = Arena.ofConfined(); Context one = Context.create(1); Context two = Context.create(2)) {
            Layer in = Layer.of(arena, T, 500);
            MoeRouterOptions o = MoeRouterOptions.builder().topK(K).renormalize(true).capacityFactor(0.6).noiseStd(0.1)
                    .noiseSeed(42).build();
            ExpertWeights w = in.weights(true, true);
            Tensor fused = TestSupport.poisoned(arena, DType.F32, T, D);
            Tensor fusedLogits = TestSupport.poisoned(arena, DType.F32, T, E);
            RouterOutputs fr = poisonedOutputs(arena, T, K, E, DType.F32);
            MoE.forward(two, in.x, in.gate, fusedLogits, o, w, MoeActivation.GELU, fused, fr);

            for (Context ctx : new Context[] {one, two}) {
                String what = ctx.numThreads() + " thread(s)";
                Tensor logits = TestSupport.poisoned(arena, DType.F32, T, E);
                RouterOutputs r = poisonedOutputs(arena, T, K, E, DType.F32);
                MoE.route(ctx, in.x, in.gate, logits, o, r);
                assertBitsEqual(fusedLogits, logits, what + ": logits");
                assertArrayEquals(fr.indices().toIntArray(), r.indices().toIntArray(), what + ": indices");
                assertBitsEqual(fr.weights(), r.weights(), what + ": weights");
                assertArrayEquals(fr.counts().toIntArray(), r.counts().toIntArray(), what + ": counts");
                assertArrayEquals(fr.dropped().toByteArray(), r.dropped().toByteArray(), what + ": dropped");
                assertBitsEqual(fr.auxLoss(), r.auxLoss(), what + ": auxLoss");
                assertBitsEqual(fr.zLoss(), r.zLoss(), what + ": zLoss");

                Tensor xSorted = TestSupport.poisoned(arena, DType.F32, T * K, D);
                Tensor offsets = poisonedInts(arena, DType.I32, E + 1);
                Tensor rows = poisonedInts(arena, DType.I32, T, K);
                MoE.permute(ctx, in.x, r.indices(), r.dropped(), E, xSorted, offsets, rows);
                checkPermutation(in.x, r.indices(), r.dropped(), xSorted, offsets, rows);

                Tensor ySorted = TestSupport.poisoned(arena, DType.F32, T * K, D);
                MoE.experts(ctx, xSorted, offsets, w, MoeActivation.GELU, ySorted);
                int kept = offsets.toIntArray()[(int) E];
                float[] ys = ySorted.toFloatArray();
                for (int i = 0; i < ys.length; i++) {
                    assertEquals(i < kept * D, !Float.isNaN(ys[i]), what + ": ySorted[" + i + "] written iff below row "
                            + kept);
                }

                Tensor out = TestSupport.poisoned(arena, DType.F32, T, D);
                MoE.combine(ctx, ySorted, rows, r.weights(), out);
                assertBitsEqual(fused, out, what + ": combine's out against the fused layer");
            }
        }
    }

    /**
     * Permute's outputs against the permutation rebuilt here: offsets the prefix sums of the kept counts, rows
     * stable by token, each written row a copy of its token's x row, the rows past offsets[E] untouched.
     */
    private static void checkPermutation(Tensor x, Tensor indices, Tensor dropped, Tensor xSorted, Tensor offsets,
                                         Tensor rows) {
        int[] idx = indices.toIntArray(), off = offsets.toIntArray(), row = rows.toIntArray();
        byte[] drop = dropped == null ? new byte[idx.length] : dropped.toByteArray();
        int[] next = new int[(int) E + 1];
        for (int i = 0; i < idx.length; i++) {
            if (drop[i] == 0) next[idx[i] + 1]++;
        }
        for (int e = 0; e < E; e++) next[e + 1] += next[e];
        assertArrayEquals(next, off, "offsets");
        for (int i = 0; i < idx.length; i++) {
            assertEquals(drop[i] != 0 ? -1 : next[idx[i]]++, row[i], "rows[" + i + "]");
        }
        for (long r = 0; r < xSorted.shape(0); r++) {
            for (long j = 0; j < D; j++) {
                float v = xSorted.getFloat(r, j);
                if (r >= off[(int) E]) {
                    assertTrue(Float.isNaN(v), "xSorted row " + r + " (past offsets[E]) left as it was");
                }
            }
        }
        for (int i = 0; i < row.length; i++) {
            if (row[i] < 0) continue;
            for (long j = 0; j < D; j++) {
                assertEquals(Float.floatToRawIntBits(x.getFloat(i / K, j)),
                        Float.floatToRawIntBits(xSorted.getFloat(row[i], j)), "xSorted row " + row[i]);
            }
        }
    }

    @Test
    void permuteWithoutDroppedKeepsEveryAssignment() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor x = uniform(arena, 600, -1, 1, 7, D);
            Tensor indices = Tensor.fromInts(arena, new int[] {4, 0, 0, 4, 2, 3, 4, 1, 0, 2, 1, 3, 4, 0}, 7, K);
            Tensor xSorted = TestSupport.poisoned(arena, DType.F32, 7 * K, D);
            Tensor offsets = poisonedInts(arena, DType.I32, E + 1), rows = poisonedInts(arena, DType.I32, 7, K);
            MoE.permute(ctx, x, indices, null, E, xSorted, offsets, rows);
            checkPermutation(x, indices, null, xSorted, offsets, rows);
            assertEquals(7 * K, offsets.toIntArray()[(int) E]);
        }
    }

    // ---- other forms ------------------------------------------------------------------------------------

    @Test
    void callersWorkspaceAllocatingFormAndEmptyBatch() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Layer in = Layer.of(arena, T, 800);
            MoeRouterOptions o = MoeRouterOptions.builder().topK(K).capacityFactor(1).build();
            ExpertWeights w = in.weights(true, false);
            Tensor pooled = TestSupport.poisoned(arena, DType.F32, T, D);
            MoE.forward(ctx, in.x, in.gate, null, o, w, null, pooled, null);

            Tensor out = TestSupport.poisoned(arena, DType.F32, T, D);
            long bytes = MoE.workspaceBytes(ctx, in.x, in.gate, null, o, w, null, out);
            assertTrue(bytes >= 2 * T * K * D * 4, "the workspace holds xSorted and ySorted: " + bytes);
            MoE.forward(ctx, in.x, in.gate, null, o, w, null, out, null, arena.allocate(bytes, 64));
            assertBitsEqual(pooled, out, "caller's workspace");
            PanamaxException e = assertThrows(PanamaxException.class,
                    () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, out, null, arena.allocate(bytes - 64, 64)));
            assertEquals(Status.WORKSPACE_TOO_SMALL, e.status(), e.toString());
            expect("workspace", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, out, null, in.w1.segment()));
            expect("workspace", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, out, null,
                    arena.allocate(bytes, 64).asReadOnly()));

            assertBitsEqual(pooled, MoE.forward(arena, in.x, in.gate, null, o, w, MoeActivation.SILU), "allocating form");

            Tensor x0 = Tensor.allocate(arena, DType.F32, 0, D), out0 = Tensor.allocate(arena, DType.F32, 0, D);
            RouterOutputs r0 = poisonedOutputs(arena, 0, K, E, DType.F32);
            MoE.forward(ctx, x0, in.gate, null, o, w, null, out0, r0);
            assertEquals(0f, r0.auxLoss().getFloat(0), "auxLoss of T = 0");
            assertEquals(0f, r0.zLoss().getFloat(0), "zLoss of T = 0");
            assertArrayEquals(new int[(int) E], r0.counts().toIntArray(), "counts of T = 0");
        }
    }

    @Test
    void steadyStateCallsAllocateNothing() throws Throwable {
        MethodHandle allocated = allocationCounter();
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            long t = 5, d = 8, h = 4, e = 3;
            Tensor x = TestSupport.random(arena, 1, t, d), gate = TestSupport.random(arena, 2, d, e);
            ExpertWeights w = new ExpertWeights(TestSupport.random(arena, 3, e, d, h), TestSupport.random(arena, 4, e, h, d),
                    TestSupport.random(arena, 5, e, d, h), TestSupport.random(arena, 6, e, h), null, null);
            MoeRouterOptions o = MoeRouterOptions.builder().topK(2).capacityFactor(1).build();
            Tensor out = Tensor.allocate(arena, DType.F32, t, d), logits = Tensor.allocate(arena, DType.F32, t, e);
            RouterOutputs r = RouterOutputs.allocate(arena, t, 2, e);
            Tensor xSorted = Tensor.allocate(arena, DType.F32, t * 2, d), ySorted = Tensor.allocate(arena, DType.F32, t * 2, d);
            Tensor offsets = Tensor.allocate(arena, DType.I32, e + 1), rows = Tensor.allocate(arena, DType.I32, t, 2);
            Tensor out2 = Tensor.allocate(arena, DType.F32, t, d);
            Runnable calls = () -> {
                MoE.forward(ctx, x, gate, logits, o, w, MoeActivation.SILU, out, r);
                MoE.route(ctx, x, gate, null, o, r);
                MoE.permute(ctx, x, r.indices(), r.dropped(), e, xSorted, offsets, rows);
                MoE.experts(ctx, xSorted, offsets, w, MoeActivation.SILU, ySorted);
                MoE.combine(ctx, ySorted, rows, r.weights(), out2);
            };
            for (int i = 0; i < 20_000; i++) calls.run();
            // The best of three windows: a call that allocates (>= 16 bytes x 20,000 calls a window) shows in every
            // window, while a one-off of the JDK (a late JIT transition rematerialising objects, some tens of KiB
            // once, seen under load) lands in one at most.
            long[] bytes = new long[3];
            for (int window = 0; window < bytes.length; window++) {
                long before = (long) allocated.invokeExact();
                for (int i = 0; i < 4_000; i++) calls.run();
                bytes[window] = (long) allocated.invokeExact() - before;
            }
            assertTrue(Arrays.stream(bytes).min().orElseThrow() < 1024, "MoE hot paths allocated "
                    + Arrays.toString(bytes) + " bytes in three windows of " + 5 * 4_000 + " calls");
            assertBitsEqual(out, out2, "stages against the fused layer");
        }
    }

    /** As AllocationTest does: the JDK's per-thread allocation counter, reached reflectively. */
    private static MethodHandle allocationCounter() throws Exception {
        Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
        Object bean = factory.getMethod("getThreadMXBean").invoke(null);
        Class<?> sunBean = Class.forName("com.sun.management.ThreadMXBean");
        MethodHandle mh = MethodHandles.publicLookup()
                .findVirtual(sunBean, "getCurrentThreadAllocatedBytes", MethodType.methodType(long.class));
        return mh.bindTo(bean);
    }
}
