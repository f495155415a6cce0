package dev.panamax.bench.cli;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.bench.npy.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code panamax run attention} end to end through .npy files, against the float64 reference. */
class RunAttentionCommandTest {
    private static final double TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    @Test
    void denseCausalGqaWithLse() throws IOException {
        // Odd sizes on purpose: N=17 queries over 29 keys, 6 query heads on 2 kv heads, D=24.
        check(2, 17, 29, 6, 2, 24, true, 0f, null);
    }

    @Test
    void denseNonCausalWithScale() throws IOException {
        check(1, 64, 64, 4, 4, 32, false, 0.3f, null);
    }

    @Test
    void packedVarlen() throws IOException {
        check(0, 0, 0, 4, 1, 16, true, 0f, new int[] {0, 5, 6, 40, 57});
    }

    @Test
    void emptyPackedBatch() throws IOException {
        // total_q = total_k = 0: .npy files of shape (0, 4, 16) in, (0, 4, 16) and (4, 0) out.
        check(0, 0, 0, 4, 2, 16, false, 0f, new int[] {0, 0, 0});
    }

    @Test
    void denseWithoutQueries() throws IOException {
        check(2, 0, 9, 2, 1, 8, true, 0f, null);
    }

    /** batch 0 with cu != null means packed varlen with the given cu_seqlens (same for q and k). */
    private void check(int batch, int nq, int nk, int heads, int kvHeads, int headDim, boolean causal, float scale,
                       int[] cu) throws IOException {
        boolean varlen = cu != null;
        long[] qShape = varlen ? new long[] {cu[cu.length - 1], heads, headDim} : new long[] {batch, nq, heads, headDim};
        long[] kShape = varlen ? new long[] {cu[cu.length - 1], kvHeads, headDim} : new long[] {batch, nk, kvHeads, headDim};
        long[] lseShape = varlen ? new long[] {heads, qShape[0]} : new long[] {batch, heads, nq};
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, qShape), 11, 2);
            Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, kShape), 12);
            Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, kShape), 13);
            write("q.npy", q);
            write("k.npy", k);
            write("v.npy", v);
            List<String> args = new ArrayList<>(List.of("run", "attention", "--q", p("q.npy"), "--k", p("k.npy"),
                    "--v", p("v.npy"), "--out", p("out.npy"), "--lse", p("lse.npy"), "--threads", "2"));
            if (causal) {
                args.add("--causal");
            }
            if (scale != 0) {
                args.addAll(List.of("--scale", Float.toString(scale)));
            }
            AttentionOptions.Builder options = AttentionOptions.builder().causal(causal).scale(scale);
            if (varlen) {
                Npy.write(dir.resolve("cu.npy"), cu, cu.length);
                args.addAll(List.of("--cu-seqlens-q", p("cu.npy"), "--cu-seqlens-k", p("cu.npy")));
                Tensor cuT = Tensor.fromInts(arena, cu, cu.length);
                options.varlen(cuT, cuT);
            }

            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.err().isEmpty(), r.toString());
            assertTrue(r.out().startsWith("attention: "), r.toString());

            Tensor refOut = Tensor.allocate(arena, DType.F64, qShape);
            Tensor refLse = Tensor.allocate(arena, DType.F64, lseShape);
            Attention.forwardReference(ctx, q, k, v, options.build(), refOut, refLse);
            assertClose("out", Npy.readFloats(dir.resolve("out.npy")), refOut);
            assertClose("lse", Npy.readFloats(dir.resolve("lse.npy")), refLse);
        }
    }

    private static void assertClose(String what, float[] got, Tensor ref) {
        double[] expected = new double[got.length];
        assertEquals(ref.elementCount(), got.length, what + " element count");
        double maxDiff = 0;
        for (int i = 0; i < got.length; i++) {
            expected[i] = ref.segment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i);
            double diff = Math.abs(got[i] - expected[i]);
            assertTrue(diff <= TOLERANCE, what + "[" + i + "] = " + got[i] + ", reference " + expected[i]);
            maxDiff = Math.max(maxDiff, diff);
        }
        assertTrue(maxDiff <= TOLERANCE);
    }

    private void write(String name, Tensor t) throws IOException {
        Npy.write(dir.resolve(name), DType.F32, t.shape(), t.segment());
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }
}
