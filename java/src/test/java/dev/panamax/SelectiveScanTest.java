package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * {@link SelectiveScan} against a float64 recurrence written here (never the library's), through the Java
 * API: every option, dense, packed varlen with an empty sequence, forced chunks, the channel-major strided
 * view, the step form in place token by token (bit for bit against the full scan), the allocating form, the
 * native reference, and the checks Java makes before the downcall.
 */
class SelectiveScanTest {
    private static final long B = 2, L = 29, DM = 24, NS = 16, G = 2;

    /** Uniform values in [lo, hi). */
    static Tensor uniform(Arena arena, long seed, double lo, double hi, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < t.elementCount(); i++) {
            t.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) (lo + (hi - lo) * r.nextDouble()));
        }
        return t;
    }

    /** Inputs of one dense problem, dt in Mamba's range. */
    record Inputs(Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c, Tensor d, Tensor z, Tensor bias, Tensor s0) {
        static Inputs of(Arena arena, long batch, long len, long seed) {
            return new Inputs(uniform(arena, seed, -1, 1, batch, len, DM), uniform(arena, seed + 1, -4, -1, batch, len, DM),
                    uniform(arena, seed + 2, -8, -0.5, DM, NS), uniform(arena, seed + 3, -1, 1, batch, len, G, NS),
                    uniform(arena, seed + 4, -1, 1, batch, len, G, NS), uniform(arena, seed + 5, -1, 1, DM),
                    uniform(arena, seed + 6, -3, 3, batch, len, DM), uniform(arena, seed + 7, -0.5, 0.5, DM),
                    uniform(arena, seed + 8, -1, 1, batch, DM, NS));
        }

        SelectiveScanOptions.Builder options() {
            return SelectiveScanOptions.builder().d(d).z(z).deltaBias(bias).deltaSoftplus(true).stateIn(s0);
        }
    }

    /** The recurrence in float64 over dense [batch, len, ...] inputs; returns {y, final state}. */
    static double[][] reference(Inputs in, long batch, long len) {
        double[] y = new double[(int) (batch * len * DM)], s = new double[(int) (batch * DM * NS)];
        long cpg = DM / G;
        for (long b = 0; b < batch; b++) {
            for (long d = 0; d < DM; d++) {
                double[] st = new double[(int) NS];
                for (long n = 0; n < NS; n++) st[(int) n] = in.s0.getFloat(b, d, n);
                for (long t = 0; t < len; t++) {
                    double dt = in.delta.getFloat(b, t, d) + in.bias.getFloat(d);
                    dt = Math.log1p(Math.exp(dt));
                    double u = in.u.getFloat(b, t, d), acc = 0;
                    for (long n = 0; n < NS; n++) {
                        long g = d / cpg;
                        st[(int) n] = Math.exp(dt * in.a.getFloat(d, n)) * st[(int) n] + dt * in.b.getFloat(b, t, g, n) * u;
                        acc += in.c.getFloat(b, t, g, n) * st[(int) n];
                    }
                    acc += in.d.getFloat(d) * u;
                    double z = in.z.getFloat(b, t, d);
                    y[(int) ((b * len + t) * DM + d)] = acc * z / (1 + Math.exp(-z));
                }
                for (long n = 0; n < NS; n++) s[(int) ((b * DM + d) * NS + n)] = st[(int) n];
            }
        }
        return new double[][] {y, s};
    }

    /** Every element written and within 1e-4 of |want| + the RMS (y sums Ns terms of either sign). */
    static void assertClose(String what, double[] got, double[] want) {
        double rms = 0;
        for (double w : want) rms += w * w;
        rms = Math.sqrt(rms / Math.max(1, want.length));
        for (int i = 0; i < want.length; i++) {
            double tol = 1e-4 * (Math.abs(want[i]) + rms);
            assertTrue(Math.abs(got[i] - want[i]) <= tol, what + "[" + i + "]: got " + got[i] + ", want " + want[i]);
        }
    }

    @Test
    void denseWithEveryOptionMatchesTheRecurrence() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, B, L, 1);
            double[][] want = reference(in, B, L);
            for (long chunk : new long[] {0, 1, 7}) {
                Tensor out = TestSupport.poisoned(arena, DType.F32, B, L, DM);
                Tensor state = TestSupport.poisoned(arena, DType.F32, B, DM, NS);
                SelectiveScan.run(ctx, in.u, in.delta, in.a, in.b, in.c, in.options().chunk(chunk).build(), out, state);
                assertClose("out (chunk " + chunk + ")", out.toDoubleArray(), want[0]);
                assertClose("state (chunk " + chunk + ")", state.toDoubleArray(), want[1]);
            }
            Tensor out = TestSupport.poisoned(arena, DType.F64, B, L, DM);
            Tensor state = TestSupport.poisoned(arena, DType.F64, B, DM, NS);
            SelectiveScan.runReference(ctx, in.u, in.delta, in.a, in.b, in.c, in.options().build(), out, state);
            assertClose("reference out", out.toDoubleArray(), want[0]);
        }
    }

    @Test
    void allocatingFormAndChannelMajorView() {
        try (Arena arena = Arena.ofConfined()) {
            Inputs in = Inputs.of(arena, B, L, 11);
            double[][] want = reference(in, B, L);
            SelectiveScan.Result r = SelectiveScan.run(arena, in.u, in.delta, in.a, in.b, in.c, in.options().build());
            assertClose("out", r.out().toDoubleArray(), want[0]);
            assertClose("state", r.state().toDoubleArray(), want[1]);
            // u and delta as channel-major [B, Dm, L] memory viewed as [B, L, Dm].
            Tensor uT = Tensor.allocate(arena, DType.F32, B, DM, L), dT = Tensor.allocate(arena, DType.F32, B, DM, L);
            for (long b = 0; b < B; b++) {
                for (long t = 0; t < L; t++) {
                    for (long d = 0; d < DM; d++) {
                        uT.setFloat(in.u.getFloat(b, t, d), b, d, t);
                        dT.setFloat(in.delta.getFloat(b, t, d), b, d, t);
                    }
                }
            }
            long[] shape = {B, L, DM}, strides = {DM * L, 1, L};
            Tensor u = Tensor.wrap(uT.segment(), DType.F32, shape, strides);
            Tensor delta = Tensor.wrap(dT.segment(), DType.F32, shape, strides);
            SelectiveScan.Result v = SelectiveScan.run(arena, u, delta, in.a, in.b, in.c, in.options().build());
            assertClose("channel-major out", v.out().toDoubleArray(), want[0]);
        }
    }

    @Test
    void varlenEqualsSeparateSequences() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, 1, L, 21);
            // Two sequences packed: rows 0..9 and 10..28, with an empty one between.
            Tensor cu = Tensor.fromInts(arena, new int[] {0, 10, 10, (int) L}, 4);
            Tensor u = Tensor.wrap(in.u.segment(), DType.F32, L, DM);
            Tensor delta = Tensor.wrap(in.delta.segment(), DType.F32, L, DM);
            Tensor z = Tensor.wrap(in.z.segment(), DType.F32, L, DM);
            Tensor b = Tensor.wrap(in.b.segment(), DType.F32, L, G, NS);
            Tensor c = Tensor.wrap(in.c.segment(), DType.F32, L, G, NS);
            Tensor out = TestSupport.poisoned(arena, DType.F32, L, DM);
            Tensor state = TestSupport.poisoned(arena, DType.F32, 3, DM, NS);
            SelectiveScanOptions o = SelectiveScanOptions.builder().d(in.d).z(z).deltaBias(in.bias).deltaSoftplus(true)
                    .cuSeqlens(cu).chunk(4).build();
            SelectiveScan.run(ctx, u, delta, in.a, b, c, o, out, state);
            float[] got = out.toFloatArray();
            // Each sequence alone (a zero initial state), dense.
            int[][] ranges = {{0, 10}, {10, (int) L}};
            for (int[] rg : ranges) {
                long len = rg[1] - rg[0];
                Tensor one = SelectiveScan.run(arena, slice(arena, in.u, rg), slice(arena, in.delta, rg), in.a,
                        slice(arena, in.b, rg), slice(arena, in.c, rg), SelectiveScanOptions.builder().d(in.d)
                                .z(slice(arena, in.z, rg)).deltaBias(in.bias).deltaSoftplus(true).build()).out();
                float[] want = one.toFloatArray();
                float[] part = java.util.Arrays.copyOfRange(got, (int) (rg[0] * DM), (int) ((rg[0] + len) * DM));
                assertClose("varlen rows " + rg[0] + ".." + rg[1], toDouble(part), toDouble(want));
            }
            // The empty sequence's final state is its (zero) initial state.
            for (long d = 0; d < DM; d++) assertEquals(0f, state.getFloat(1, d, 0));
        }
    }

    @Test
    void stepsInPlaceEqualTheFullScanBitForBit() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, B, L, 31);
            Tensor out = Tensor.allocate(arena, DType.F32, B, L, DM);
            Tensor fin = Tensor.allocate(arena, DType.F32, B, DM, NS);
            SelectiveScan.run(ctx, in.u, in.delta, in.a, in.b, in.c, in.options().build(), out, fin);
            Tensor state = Tensor.allocate(arena, DType.F32, B, DM, NS);
            state.segment().copyFrom(in.s0.segment());
            Tensor y = Tensor.allocate(arena, DType.F32, B, DM);
            SelectiveScanOptions.Builder o = in.options().stateIn(state);
            for (long t = 0; t < L; t++) {
                SelectiveScan.step(ctx, token(in.u, t), token(in.delta, t), in.a, tokenBc(in.b, t), tokenBc(in.c, t),
                        o.z(token(in.z, t)).build(), y, state);
                for (long b = 0; b < B; b++) {
                    for (long d = 0; d < DM; d++) {
                        assertEquals(Float.floatToRawIntBits(out.getFloat(b, t, d)), Float.floatToRawIntBits(y.getFloat(b, d)),
                                "t " + t + " b " + b + " d " + d);
                    }
                }
            }
            assertArrayEquals(fin.toFloatArray(), state.toFloatArray());
        }
    }

    @Test
    void javaChecksNameTheArgument() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            Inputs in = Inputs.of(arena, B, L, 41);
            Tensor out = Tensor.allocate(arena, DType.F32, B, L, DM);
            SelectiveScanOptions o = in.options().build();
            expect("u", () -> SelectiveScan.run(ctx, Tensor.allocate(arena, DType.F32, B, DM), in.delta, in.a, in.b,
                    in.c, o, out, null));
            expect("A", () -> SelectiveScan.run(ctx, in.u, in.delta, Tensor.allocate(arena, DType.F32, DM, 300), in.b,
                    in.c, o, out, null));
            expect("B", () -> SelectiveScan.run(ctx, in.u, in.delta, in.a, Tensor.allocate(arena, DType.F32, B, L, 5, NS),
                    in.c, o, out, null));
            expect("C", () -> SelectiveScan.run(ctx, in.u, in.delta, in.a, in.b,
                    Tensor.allocate(arena, DType.F32, B, L, 1, NS), o, out, null));
            expect("D", () -> SelectiveScan.run(ctx, in.u, in.delta, in.a, in.b, in.c,
                    o.toBuilder().d(Tensor.allocate(arena, DType.F32, 3)).build(), out, null));
            expect("stateIn", () -> SelectiveScan.run(ctx, in.u, in.delta, in.a, in.b, in.c,
                    o.toBuilder().stateIn(Tensor.allocate(arena, DType.F32, B, DM, 3)).build(), out, null));
            expect("out", () -> SelectiveScan.run(ctx, in.u, in.delta, in.a, in.b, in.c, o, in.u, null));
            expect("stateOut", () -> SelectiveScan.run(ctx, in.u, in.delta, in.a, in.b, in.c, o, out, in.s0));
            expect("chunk", () -> SelectiveScanOptions.builder().chunk(-1).build());
            expect("cuSeqlens", () -> SelectiveScanOptions.builder()
                    .cuSeqlens(Tensor.allocate(arena, DType.F32, 3)).build());
            Tensor closed;
            try (Arena other = Arena.ofConfined()) {
                closed = Tensor.allocate(other, DType.F32, B, L, DM);
            }
            Tensor gone = closed;
            expect("delta", () -> SelectiveScan.run(ctx, in.u, gone, in.a, in.b, in.c, o, out, null));
        }
    }

    private static void expect(String name, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(name + ":"), "message '" + e.getMessage() + "' should name " + name);
    }

    /** Rows rg[0] .. rg[1] - 1 of a [1, L, ...] tensor, copied into [1, len, ...]. */
    private static Tensor slice(Arena arena, Tensor t, int[] rg) {
        long row = t.elementCount() / t.shape(1);
        long[] shape = t.shape().clone();
        shape[1] = rg[1] - rg[0];
        Tensor s = Tensor.allocate(arena, DType.F32, shape);
        s.segment().copyFrom(t.segment().asSlice(rg[0] * row * 4, (rg[1] - rg[0]) * row * 4));
        return s;
    }

    /** Token t of [B, L, Dm] as a [B, Dm] view. */
    private static Tensor token(Tensor t, long tok) {
        return Tensor.wrap(t.segment().asSlice(tok * t.stride(1) * 4), DType.F32, new long[] {B, DM},
                new long[] {t.stride(0), t.stride(2)});
    }

    /** Token t of [B, L, G, Ns] as a [B, G, Ns] view. */
    private static Tensor tokenBc(Tensor t, long tok) {
        return Tensor.wrap(t.segment().asSlice(tok * t.stride(1) * 4), DType.F32, new long[] {B, G, NS},
                new long[] {t.stride(0), t.stride(2), t.stride(3)});
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
