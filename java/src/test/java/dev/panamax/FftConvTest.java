package dev.panamax;

import static dev.panamax.SelectiveScanTest.uniform;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

/**
 * {@link FftConv} against a float64 direct convolution written here (never the library's): every method,
 * kernels shorter and longer than L, with and without D, the channel-major strided view, the allocating
 * form, the native reference, and the checks Java makes before the downcall.
 */
class FftConvTest {
    private static final long B = 2, L = 37, C = 19;

    /** out[b, t, c] = sum_j k[c, j]·u[b, t - j, c] + D[c]·u[b, t, c], in float64. */
    static double[] reference(Tensor u, Tensor k, Tensor d) {
        long b = u.shape(0), l = u.shape(1), c = u.shape(2), lk = k.shape(1);
        double[] y = new double[(int) (b * l * c)];
        for (long bb = 0; bb < b; bb++) {
            for (long t = 0; t < l; t++) {
                for (long ch = 0; ch < c; ch++) {
                    double acc = d == null ? 0 : (double) d.getFloat(ch) * u.getFloat(bb, t, ch);
                    for (long j = 0; j <= Math.min(t, lk - 1); j++) acc += (double) k.getFloat(ch, j) * u.getFloat(bb, t - j, ch);
                    y[(int) ((bb * l + t) * c + ch)] = acc;
                }
            }
        }
        return y;
    }

    /**
     * Within 1e-5 of the output's RMS: the FFT's rounding is about log2(n)·2^-24 of that scale (n = 128 here),
     * spread over every element; the direct sum is far closer. A wrong lag or channel is off by O(RMS).
     */
    static void assertClose(String what, double[] got, double[] want) {
        double rms = 0;
        for (double w : want) rms += w * w;
        rms = Math.sqrt(rms / Math.max(1, want.length));
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(got[i] - want[i]) <= 1e-5 * rms + 1e-6 * Math.abs(want[i]),
                    what + "[" + i + "]: got " + got[i] + ", want " + want[i]);
        }
    }

    @Test
    void everyMethodMatchesTheDirectSum() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor u = uniform(arena, 1, -1, 1, B, L, C), d = uniform(arena, 2, -1, 1, C);
            for (long lk : new long[] {1, 5, 37, 50}) {
                Tensor k = uniform(arena, 3 + lk, -1, 1, C, lk);
                for (Tensor skip : new Tensor[] {null, d}) {
                    double[] want = reference(u, k, skip);
                    for (FftConvMethod m : FftConvMethod.values()) {
                        Tensor out = TestSupport.poisoned(arena, DType.F32, B, L, C);
                        FftConv.run(ctx, u, k, skip, m, out);
                        assertClose(m + " Lk " + lk + (skip == null ? "" : " with D"), out.toDoubleArray(), want);
                    }
                    Tensor ref = TestSupport.poisoned(arena, DType.F64, B, L, C);
                    FftConv.runReference(ctx, u, k, skip, ref);
                    assertClose("reference Lk " + lk, ref.toDoubleArray(), want);
                }
            }
        }
    }

    @Test
    void allocatingFormAndChannelMajorView() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = uniform(arena, 11, -1, 1, B, L, C), k = uniform(arena, 12, -1, 1, C, 80);
            double[] want = reference(u, k, null);
            assertClose("allocating", FftConv.run(arena, u, k, null, FftConvMethod.FFT).toDoubleArray(), want);
            Tensor uT = Tensor.allocate(arena, DType.F32, B, C, L);
            for (long b = 0; b < B; b++) {
                for (long t = 0; t < L; t++) {
                    for (long c = 0; c < C; c++) uT.setFloat(u.getFloat(b, t, c), b, c, t);
                }
            }
            Tensor view = Tensor.wrap(uT.segment(), DType.F32, new long[] {B, L, C}, new long[] {C * L, 1, L});
            assertClose("channel-major", FftConv.run(arena, view, k, null, null).toDoubleArray(), want);
        }
    }

    @Test
    void callersWorkspace() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor u = uniform(arena, 31, -1, 1, B, L, C), k = uniform(arena, 32, -1, 1, C, 70);
            double[] want = reference(u, k, null);
            long bytes = FftConv.workspaceBytes(ctx, u, k, null, FftConvMethod.FFT);
            assertTrue(bytes > 0, "the FFT path needs a workspace");
            Tensor out = TestSupport.poisoned(arena, DType.F32, B, L, C);
            FftConv.run(ctx, u, k, null, FftConvMethod.FFT, out, arena.allocate(bytes, 64));
            assertClose("caller's workspace", out.toDoubleArray(), want);
            PanamaxException e = assertThrows(PanamaxException.class,
                    () -> FftConv.run(ctx, u, k, null, FftConvMethod.FFT, out, arena.allocate(bytes - 64, 64)));
            assertTrue(e.status() == Status.WORKSPACE_TOO_SMALL, e.toString());
            expect("workspace", () -> FftConv.run(ctx, u, k, null, FftConvMethod.FFT, out, u.segment()));
        }
    }

    @Test
    void javaChecksNameTheArgument() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            Tensor u = uniform(arena, 21, -1, 1, B, L, C), k = uniform(arena, 22, -1, 1, C, 4);
            Tensor out = Tensor.allocate(arena, DType.F32, B, L, C);
            expect("u", () -> FftConv.run(ctx, Tensor.allocate(arena, DType.F32, L, C), k, null, null, out));
            expect("kernel", () -> FftConv.run(ctx, u, Tensor.allocate(arena, DType.F32, C + 1, 4), null, null, out));
            expect("kernel", () -> FftConv.run(ctx, u, Tensor.allocate(arena, DType.F32, C, 0), null, null, out));
            expect("D", () -> FftConv.run(ctx, u, k, Tensor.allocate(arena, DType.F32, 3), null, out));
            expect("out", () -> FftConv.run(ctx, u, k, null, null, Tensor.allocate(arena, DType.F32, B, L, C + 1)));
            expect("out", () -> FftConv.run(ctx, u, k, null, null, u));
        }
    }

    private static void expect(String name, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(name + ":"), "message '" + e.getMessage() + "' should name " + name);
    }
}
