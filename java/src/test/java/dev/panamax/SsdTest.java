package dev.panamax;

import static dev.panamax.SelectiveScanTest.assertClose;
import static dev.panamax.SelectiveScanTest.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * {@link Ssd} (Mamba-2) against a float64 recurrence written here (never the library's), through the Java API:
 * every option with several chunks (L not a multiple of them), packed varlen with an empty sequence against
 * separate calls, the head-major strided view, the step form in place token by token, the allocating form,
 * the native reference, and the checks Java makes before the downcall.
 */
class SsdTest {
    private static final long B = 2, L = 29, H = 4, P = 6, N = 10, G = 2;

    record Inputs(Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, Tensor d, Tensor bias, Tensor s0) {
        static Inputs of(Arena arena, long batch, long len, long seed) {
            return new Inputs(uniform(arena, seed, -1, 1, batch, len, H, P), uniform(arena, seed + 1, -4, -1, batch, len, H),
                    uniform(arena, seed + 2, -4, -0.5, H), uniform(arena, seed + 3, -1, 1, batch, len, G, N),
                    uniform(arena, seed + 4, -1, 1, batch, len, G, N), uniform(arena, seed + 5, -1, 1, H),
                    uniform(arena, seed + 6, -0.5, 0.5, H), uniform(arena, seed + 7, -1, 1, batch, H, P, N));
        }

        SsdOptions.Builder options() {
            return SsdOptions.builder().d(d).dtBias(bias).dtSoftplus(true).stateIn(s0);
        }
    }

    /** The recurrence in float64 over dense [batch, len, ...] inputs; returns {y, final state}. */
    static double[][] reference(Inputs in, long batch, long len, boolean withState) {
        double[] y = new double[(int) (batch * len * H * P)], s = new double[(int) (batch * H * P * N)];
        for (long b = 0; b < batch; b++) {
            for (long h = 0; h < H; h++) {
                long g = h / (H / G);
                double[] st = new double[(int) (P * N)];
                for (int i = 0; i < st.length; i++) st[i] = withState ? in.s0.getFloat(b, h, i / N, i % N) : 0;
                for (long t = 0; t < len; t++) {
                    double dt = Math.log1p(Math.exp(in.dt.getFloat(b, t, h) + in.bias.getFloat(h)));
                    double decay = Math.exp(dt * in.a.getFloat(h));
                    for (long i = 0; i < P; i++) {
                        double xv = in.x.getFloat(b, t, h, i), acc = in.d.getFloat(h) * xv;
                        for (long n = 0; n < N; n++) {
                            int k = (int) (i * N + n);
                            st[k] = decay * st[k] + dt * xv * in.b.getFloat(b, t, g, n);
                            acc += st[k] * in.c.getFloat(b, t, g, n);
                        }
                        y[(int) (((b * len + t) * H + h) * P + i)] = acc;
                    }
                }
                System.arraycopy(st, 0, s, (int) ((b * H + h) * P * N), st.length);
            }
        }
        return new double[][] {y, s};
    }

    @Test
    void denseWithEveryOptionMatchesTheRecurrence() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, B, L, 1);
            double[][] want = reference(in, B, L, true);
            for (long chunk : new long[] {0, 1, 7, 29}) {
                Tensor out = TestSupport.poisoned(arena, DType.F32, B, L, H, P);
                Tensor state = TestSupport.poisoned(arena, DType.F32, B, H, P, N);
                Ssd.run(ctx, in.x, in.dt, in.a, in.b, in.c, in.options().chunk(chunk).build(), out, state);
                assertClose("out (chunk " + chunk + ")", out.toDoubleArray(), want[0]);
                assertClose("state (chunk " + chunk + ")", state.toDoubleArray(), want[1]);
            }
            Tensor out = TestSupport.poisoned(arena, DType.F64, B, L, H, P);
            Tensor state = TestSupport.poisoned(arena, DType.F64, B, H, P, N);
            Ssd.runReference(ctx, in.x, in.dt, in.a, in.b, in.c, in.options().build(), out, state);
            assertClose("reference out", out.toDoubleArray(), want[0]);
            assertClose("reference state", state.toDoubleArray(), want[1]);
        }
    }

    @Test
    void allocatingFormAndHeadMajorView() {
        try (Arena arena = Arena.ofConfined()) {
            Inputs in = Inputs.of(arena, B, L, 11);
            double[][] want = reference(in, B, L, true);
            Ssd.Result r = Ssd.run(arena, in.x, in.dt, in.a, in.b, in.c, in.options().chunk(8).build());
            assertClose("out", r.out().toDoubleArray(), want[0]);
            assertClose("state", r.state().toDoubleArray(), want[1]);
            // x as head-major [B, H, P, L] memory viewed as [B, L, H, P].
            Tensor xT = Tensor.allocate(arena, DType.F32, B, H, P, L);
            for (long b = 0; b < B; b++) {
                for (long t = 0; t < L; t++) {
                    for (long h = 0; h < H; h++) {
                        for (long i = 0; i < P; i++) xT.setFloat(in.x.getFloat(b, t, h, i), b, h, i, t);
                    }
                }
            }
            Tensor x = Tensor.wrap(xT.segment(), DType.F32, new long[] {B, L, H, P}, new long[] {H * P * L, 1, P * L, L});
            Ssd.Result v = Ssd.run(arena, x, in.dt, in.a, in.b, in.c, in.options().chunk(8).build());
            assertClose("head-major out", v.out().toDoubleArray(), want[0]);
        }
    }

    @Test
    void varlenEqualsSeparateSequences() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, 1, L, 21);
            Tensor cu = Tensor.fromInts(arena, new int[] {0, 10, 10, (int) L}, 4);
            Tensor x = Tensor.wrap(in.x.segment(), DType.F32, L, H, P);
            Tensor dt = Tensor.wrap(in.dt.segment(), DType.F32, L, H);
            Tensor b = Tensor.wrap(in.b.segment(), DType.F32, L, G, N);
            Tensor c = Tensor.wrap(in.c.segment(), DType.F32, L, G, N);
            Tensor out = TestSupport.poisoned(arena, DType.F32, L, H, P);
            Tensor state = TestSupport.poisoned(arena, DType.F32, 3, H, P, N);
            SsdOptions o = SsdOptions.builder().d(in.d).dtBias(in.bias).dtSoftplus(true).cuSeqlens(cu).chunk(4).build();
            Ssd.run(ctx, x, dt, in.a, b, c, o, out, state);
            float[] got = out.toFloatArray();
            for (int[] rg : new int[][] {{0, 10}, {10, (int) L}}) {
                SsdOptions alone = SsdOptions.builder().d(in.d).dtBias(in.bias).dtSoftplus(true).chunk(3).build();
                Tensor one = Ssd.run(arena, slice(arena, in.x, rg), slice(arena, in.dt, rg), in.a, slice(arena, in.b, rg),
                        slice(arena, in.c, rg), alone).out();
                float[] part = Arrays.copyOfRange(got, (int) (rg[0] * H * P), (int) (rg[1] * H * P));
                assertClose("varlen rows " + rg[0] + ".." + rg[1], toDouble(part), toDouble(one.toFloatArray()));
            }
            for (long h = 0; h < H; h++) assertEquals(0f, state.getFloat(1, h, 0, 0), "empty sequence's state");
        }
    }

    @Test
    void stepsInPlaceFollowTheRecurrence() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, B, L, 31);
            double[][] want = reference(in, B, L, true);
            Tensor state = Tensor.allocate(arena, DType.F32, B, H, P, N);
            state.segment().copyFrom(in.s0.segment());
            Tensor y = Tensor.allocate(arena, DType.F32, B, H, P);
            SsdOptions o = in.options().stateIn(state).build();
            double[] got = new double[want[0].length];
            for (long t = 0; t < L; t++) {
                Ssd.step(ctx, token(in.x, t, H, P), token(in.dt, t, H, 0), in.a, token(in.b, t, G, N),
                        token(in.c, t, G, N), o, y, state);
                for (long b = 0; b < B; b++) {
                    for (long k = 0; k < H * P; k++) got[(int) ((b * L + t) * H * P + k)] = y.getFloat(b, k / P, k % P);
                }
            }
            assertClose("step outputs", got, want[0]);
            assertClose("step state", state.toDoubleArray(), want[1]);
        }
    }

    @Test
    void javaChecksNameTheArgument() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            Inputs in = Inputs.of(arena, B, L, 41);
            Tensor out = Tensor.allocate(arena, DType.F32, B, L, H, P);
            SsdOptions o = in.options().build();
            expect("x", () -> Ssd.run(ctx, Tensor.allocate(arena, DType.F32, B, L, H), in.dt, in.a, in.b, in.c, o, out,
                    null));
            expect("dt", () -> Ssd.run(ctx, in.x, Tensor.allocate(arena, DType.F32, B, L, 3), in.a, in.b, in.c, o, out,
                    null));
            expect("A", () -> Ssd.run(ctx, in.x, in.dt, Tensor.allocate(arena, DType.F32, H, 2), in.b, in.c, o, out,
                    null));
            expect("B", () -> Ssd.run(ctx, in.x, in.dt, in.a, Tensor.allocate(arena, DType.F32, B, L, 3, N), in.c, o,
                    out, null));
            expect("C", () -> Ssd.run(ctx, in.x, in.dt, in.a, in.b, Tensor.allocate(arena, DType.F32, B, L, G, N + 1), o,
                    out, null));
            long big = SsdOptions.MAX_STATE + 1;
            expect("B", () -> Ssd.run(ctx, in.x, in.dt, in.a, Tensor.allocate(arena, DType.F32, B, L, G, big),
                    Tensor.allocate(arena, DType.F32, B, L, G, big), o, out, null));
            expect("D", () -> Ssd.run(ctx, in.x, in.dt, in.a, in.b, in.c,
                    o.toBuilder().d(Tensor.allocate(arena, DType.F32, 3)).build(), out, null));
            expect("stateIn", () -> Ssd.run(ctx, in.x, in.dt, in.a, in.b, in.c,
                    o.toBuilder().stateIn(Tensor.allocate(arena, DType.F32, B, H, P, 3)).build(), out, null));
            expect("out", () -> Ssd.run(ctx, in.x, in.dt, in.a, in.b, in.c, o, in.x, null));
            expect("stateOut", () -> Ssd.run(ctx, in.x, in.dt, in.a, in.b, in.c, o, out, in.s0));
            expect("chunk", () -> SsdOptions.builder().chunk(SsdOptions.MAX_CHUNK + 1).build());
            expect("chunk", () -> Ssd.step(ctx, in.x, in.dt, in.a, in.b, in.c, o.toBuilder().chunk(4).build(), out,
                    null));
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

    /** Token t of a dense [B, L, d2(, d3)] tensor as a [B, d2(, d3)] view (d3 = 0: rank 3 input). */
    private static Tensor token(Tensor t, long tok, long d2, long d3) {
        java.lang.foreign.MemorySegment s = t.segment().asSlice(tok * t.stride(1) * 4);
        if (d3 == 0) return Tensor.wrap(s, DType.F32, new long[] {B, d2}, new long[] {t.stride(0), t.stride(2)});
        return Tensor.wrap(s, DType.F32, new long[] {B, d2, d3}, new long[] {t.stride(0), t.stride(2), t.stride(3)});
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
