package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link CausalConv1d} against a float64 convolution written here (never the library's), through the Java
 * API: widths 1..4 and 8, bias, SiLU, an initial and a final state, packed varlen with an empty and a short
 * sequence, the step form rolling its state in place, the channel-major view, the allocating form, the
 * native reference, and the checks Java makes before the downcall.
 */
class CausalConv1dTest {
    private static final long B = 2, L = 23, C = 37;

    /** {out, final state} of sequence rows [r0, r0 + len) of x viewed as [rows, C], sequence b's state in. */
    static double[][] reference(Tensor x2d, long r0, long len, Tensor weight, Tensor bias, boolean silu,
                                Tensor stateIn, long b) {
        long w = weight.shape(1);
        double[] out = new double[(int) (len * C)], state = new double[(int) (C * (w - 1))];
        for (long c = 0; c < C; c++) {
            for (long t = 0; t < len; t++) {
                double acc = bias == null ? 0 : bias.getFloat(c);
                for (long k = 0; k < w; k++) {
                    acc += weight.getFloat(c, k) * input(x2d, r0, t - w + 1 + k, c, stateIn, b, w);
                }
                out[(int) (t * C + c)] = silu ? acc / (1 + Math.exp(-acc)) : acc;
            }
            for (long k = 0; k < w - 1; k++) state[(int) (c * (w - 1) + k)] = input(x2d, r0, len - (w - 1) + k, c, stateIn, b, w);
        }
        return new double[][] {out, state};
    }

    /** Input at sequence position p (negative: from the state, oldest first). */
    private static double input(Tensor x2d, long r0, long p, long c, Tensor stateIn, long b, long w) {
        if (p >= 0) return x2d.getFloat(r0 + p, c);
        return stateIn == null ? 0 : stateIn.getFloat(b, c, w - 1 + p);
    }

    /** fp32 sums of at most 9 terms of size <= 1: within 1e-5 (observed about 1e-7). */
    static void assertClose(String what, float[] got, double[] want, int offset) {
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(got[offset + i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])),
                    what + "[" + i + "]: got " + got[offset + i] + ", want " + want[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 8})
    void denseWithEveryOptionMatchesTheConvolution(int w) {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor x = TestSupport.random(arena, w, B, L, C);
            Tensor weight = TestSupport.random(arena, w + 1, C, w);
            Tensor bias = TestSupport.random(arena, w + 2, C);
            Tensor s0 = TestSupport.random(arena, w + 3, B, C, w - 1);
            Tensor out = TestSupport.poisoned(arena, DType.F32, B, L, C);
            Tensor s1 = TestSupport.poisoned(arena, DType.F32, B, C, w - 1);
            CausalConv1dOptions o = CausalConv1dOptions.builder().bias(bias).silu(true).stateIn(s0).build();
            CausalConv1d.run(ctx, x, weight, o, out, s1);
            Tensor x2d = Tensor.wrap(x.segment(), DType.F32, B * L, C);
            float[] got = out.toFloatArray(), state = s1.toFloatArray();
            for (long b = 0; b < B; b++) {
                double[][] want = reference(x2d, b * L, L, weight, bias, true, s0, b);
                assertClose("out b" + b, got, want[0], (int) (b * L * C));
                assertClose("state b" + b, state, want[1], (int) (b * C * (w - 1)));
            }
            Tensor ref = TestSupport.poisoned(arena, DType.F64, B, L, C);
            CausalConv1d.runReference(ctx, x, weight, o, ref, null);
            double[] r = ref.toDoubleArray();
            for (int i = 0; i < r.length; i++) assertEquals(r[i], got[i], 1e-5 * (1 + Math.abs(r[i])));
        }
    }

    @Test
    void varlenStartsEachSequenceFromItsOwnState() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            long w = 4, total = 20;
            Tensor x = TestSupport.random(arena, 1, total, C);
            Tensor weight = TestSupport.random(arena, 2, C, w);
            Tensor s0 = TestSupport.random(arena, 3, 3, C, w - 1);
            Tensor cu = Tensor.fromInts(arena, new int[] {0, 2, 2, 20}, 4);   // lengths 2 (< W - 1), 0, 18
            Tensor out = TestSupport.poisoned(arena, DType.F32, total, C);
            Tensor s1 = TestSupport.poisoned(arena, DType.F32, 3, C, w - 1);
            CausalConv1d.run(ctx, x, weight, CausalConv1dOptions.builder().stateIn(s0).cuSeqlens(cu).build(), out, s1);
            long[][] seqs = {{0, 2}, {2, 0}, {2, 18}};
            for (int b = 0; b < 3; b++) {
                double[][] want = reference(x, seqs[b][0], seqs[b][1], weight, null, false, s0, b);
                assertClose("out seq " + b, out.toFloatArray(), want[0], (int) (seqs[b][0] * C));
                assertClose("state seq " + b, s1.toFloatArray(), want[1], (int) (b * C * (w - 1)));
            }
        }
    }

    @Test
    void stepsRollTheStateInPlace() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            long w = 4;
            Tensor x = TestSupport.random(arena, 11, B, L, C);
            Tensor weight = TestSupport.random(arena, 12, C, w);
            Tensor bias = TestSupport.random(arena, 13, C);
            CausalConv1d.Result full = CausalConv1d.run(arena, x, weight,
                    CausalConv1dOptions.builder().bias(bias).silu(true).build());
            Tensor state = Tensor.allocate(arena, DType.F32, B, C, w - 1);   // zeros, like no stateIn
            Tensor y = Tensor.allocate(arena, DType.F32, B, C);
            CausalConv1dOptions o = CausalConv1dOptions.builder().bias(bias).silu(true).stateIn(state).build();
            for (long t = 0; t < L; t++) {
                Tensor xt = Tensor.wrap(x.segment().asSlice(t * C * 4), DType.F32, new long[] {B, C}, new long[] {L * C, 1});
                CausalConv1d.step(ctx, xt, weight, o, y, state);
                for (long b = 0; b < B; b++) {
                    for (long c = 0; c < C; c++) {
                        float want = full.out().getFloat(b, t, c);
                        assertEquals(want, y.getFloat(b, c), 1e-5f * (1 + Math.abs(want)), "t " + t);
                    }
                }
            }
            float[] fin = full.state().toFloatArray(), rolled = state.toFloatArray();
            for (int i = 0; i < fin.length; i++) assertEquals(fin[i], rolled[i], "state " + i);   // inputs, copied
        }
    }

    @Test
    void channelMajorViewIsReadInPlace() {
        try (Arena arena = Arena.ofConfined()) {
            long w = 3;
            Tensor xT = TestSupport.random(arena, 21, B, C, L);   // [B, C, L] memory
            Tensor x = Tensor.wrap(xT.segment(), DType.F32, new long[] {B, L, C}, new long[] {C * L, 1, L});
            Tensor dense = Tensor.allocate(arena, DType.F32, B, L, C);
            for (long b = 0; b < B; b++) {
                for (long t = 0; t < L; t++) {
                    for (long c = 0; c < C; c++) dense.setFloat(xT.getFloat(b, c, t), b, t, c);
                }
            }
            Tensor weight = TestSupport.random(arena, 22, C, w);
            float[] strided = CausalConv1d.run(arena, x, weight, null).out().toFloatArray();
            float[] plain = CausalConv1d.run(arena, dense, weight, null).out().toFloatArray();
            for (int i = 0; i < plain.length; i++) assertEquals(plain[i], strided[i], 1e-6f * (1 + Math.abs(plain[i])));
        }
    }

    @Test
    void javaChecksNameTheArgument() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            Tensor x = TestSupport.random(arena, 31, B, L, C);
            Tensor weight = TestSupport.random(arena, 32, C, 4);
            Tensor out = Tensor.allocate(arena, DType.F32, B, L, C);
            CausalConv1dOptions o = CausalConv1dOptions.defaults();
            expect("x", () -> CausalConv1d.run(ctx, Tensor.allocate(arena, DType.F32, L, C), weight, o, out, null));
            expect("weight", () -> CausalConv1d.run(ctx, x, Tensor.allocate(arena, DType.F32, C, 9), o, out, null));
            expect("weight", () -> CausalConv1d.run(ctx, x, Tensor.allocate(arena, DType.F32, C + 1, 4), o, out, null));
            expect("bias", () -> CausalConv1d.run(ctx, x, weight,
                    CausalConv1dOptions.builder().bias(Tensor.allocate(arena, DType.F32, 3)).build(), out, null));
            expect("stateIn", () -> CausalConv1d.run(ctx, x, weight,
                    CausalConv1dOptions.builder().stateIn(Tensor.allocate(arena, DType.F32, B, C, 4)).build(), out, null));
            expect("out", () -> CausalConv1d.run(ctx, x, weight, o, x, null));
            expect("stateOut", () -> CausalConv1d.run(ctx, x, weight, o, out, Tensor.allocate(arena, DType.F32, B, C, 2)));
            expect("cuSeqlens", () -> CausalConv1dOptions.builder().cuSeqlens(Tensor.allocate(arena, DType.I32, 1)).build());
        }
    }

    private static void expect(String name, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(name + ":"), "message '" + e.getMessage() + "' should name " + name);
    }
}
