package dev.panamax;

import static dev.panamax.SelectiveScanTest.uniform;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

/**
 * {@link S4dKernel} against the S4D formula evaluated here in float64 complex arithmetic (every power by its
 * own exp), on S4D-like parameters (Re A < 0), for a kernel long enough that float powers would drift; the
 * allocating form, the native reference and the checks.
 */
class S4dKernelTest {
    private static final long CH = 5, NH = 7, LK = 3000;

    /** A with Re in [-0.5, -0.01] and Im in [0, 8] (S4D-Lin-like), B and C in [-1, 1]², logDt in [ln 1e-3, ln 1e-1]. */
    static Tensor[] params(Arena arena, long seed) {
        Tensor a = uniform(arena, seed, -0.5, -0.01, CH, NH, 2);
        Tensor im = uniform(arena, seed + 1, 0, 8, CH, NH);
        for (long c = 0; c < CH; c++) {
            for (long n = 0; n < NH; n++) a.setFloat(im.getFloat(c, n), c, n, 1);
        }
        return new Tensor[] {a, uniform(arena, seed + 2, -1, 1, CH, NH, 2), uniform(arena, seed + 3, -1, 1, CH, NH, 2),
                uniform(arena, seed + 4, Math.log(1e-3), Math.log(1e-1), CH)};
    }

    /** K[c, l] = 2·Re(sum_n C·B̄·exp(l·dt·A)), B̄ = (exp(dt·A) - 1)/A·B, in float64. */
    static double[] reference(Tensor[] p, long lk) {
        double[] k = new double[(int) (CH * lk)];
        for (long c = 0; c < CH; c++) {
            double dt = Math.exp(p[3].getFloat(c));
            for (long n = 0; n < NH; n++) {
                double ar = p[0].getFloat(c, n, 0), ai = p[0].getFloat(c, n, 1);
                double br = p[1].getFloat(c, n, 0), bi = p[1].getFloat(c, n, 1);
                double cr = p[2].getFloat(c, n, 0), ci = p[2].getFloat(c, n, 1);
                // e = exp(dt·A) - 1; (e / A)·B; then times C.
                double mag = Math.exp(dt * ar), er = mag * Math.cos(dt * ai) - 1, ei = mag * Math.sin(dt * ai);
                double den = ar * ar + ai * ai, qr = (er * ar + ei * ai) / den, qi = (ei * ar - er * ai) / den;
                double bbr = qr * br - qi * bi, bbi = qr * bi + qi * br;
                double wr = cr * bbr - ci * bbi, wi = cr * bbi + ci * bbr;
                for (long l = 0; l < lk; l++) {
                    double m = Math.exp(l * dt * ar), pr = m * Math.cos(l * dt * ai), pi = m * Math.sin(l * dt * ai);
                    k[(int) (c * lk + l)] += 2 * (wr * pr - wi * pi);
                }
            }
        }
        return k;
    }

    @Test
    void longKernelMatchesTheFormula() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor[] p = params(arena, 1);
            double[] want = reference(p, LK);
            Tensor out = TestSupport.poisoned(arena, DType.F32, CH, LK);
            S4dKernel.compute(ctx, p[0], p[1], p[2], p[3], out);
            FftConvTest.assertClose("K", out.toDoubleArray(), want);
            Tensor ref = TestSupport.poisoned(arena, DType.F64, CH, LK);
            S4dKernel.computeReference(ctx, p[0], p[1], p[2], p[3], ref);
            FftConvTest.assertClose("reference K", ref.toDoubleArray(), want);
            Tensor alloc = S4dKernel.compute(arena, p[0], p[1], p[2], p[3], 10);
            double[] head = new double[(int) (CH * 10)];
            for (long c = 0; c < CH; c++) System.arraycopy(reference(p, 10), (int) (c * 10), head, (int) (c * 10), 10);
            FftConvTest.assertClose("allocating K", alloc.toDoubleArray(), head);
        }
    }

    @Test
    void javaChecksNameTheArgument() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            Tensor[] p = params(arena, 11);
            Tensor out = Tensor.allocate(arena, DType.F32, CH, 16);
            expect("A", () -> S4dKernel.compute(ctx, Tensor.allocate(arena, DType.F32, CH, NH, 3), p[1], p[2], p[3], out));
            expect("B", () -> S4dKernel.compute(ctx, p[0], Tensor.allocate(arena, DType.F32, CH, NH + 1, 2), p[2], p[3],
                    out));
            expect("C", () -> S4dKernel.compute(ctx, p[0], p[1], Tensor.allocate(arena, DType.F32, CH, NH), p[3], out));
            expect("logDt", () -> S4dKernel.compute(ctx, p[0], p[1], p[2], Tensor.allocate(arena, DType.F32, CH + 1),
                    out));
            expect("out", () -> S4dKernel.compute(ctx, p[0], p[1], p[2], p[3], Tensor.allocate(arena, DType.F32, 2, 16)));
            expect("length", () -> S4dKernel.compute(arena, p[0], p[1], p[2], p[3], -1));
        }
    }

    private static void expect(String name, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(name + ":"), "message '" + e.getMessage() + "' should name " + name);
    }
}
