package dev.panamax;

import static dev.panamax.SelectiveScanTest.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/**
 * {@link LinearAttention} against the library's float64 reference ({@link LinearAttention#runReference}) on F64
 * copies of the inputs, the reference itself against the sums written here: every feature map causal and not,
 * normalised and not, FAVOR with {@link LinearAttention#favorRandomMatrix}, grouped heads, odd shapes (N = 1, 17,
 * 1013; head dims 5 and 7), strided views, incoming and outgoing states, steps chained token by token (in place
 * and not) against the chunked run, the allocating form, and the random matrix itself. Outputs are poisoned
 * (NaN) before each call, so an element left unwritten fails the comparison.
 *
 * <p>Tolerances: the kernel (F32) against the float64 reference, every element within
 * {@code TOL·(|want| + rms(want))} with {@code TOL = 1e-4}; the float64 reference against the sums here within
 * {@code REF_TOL·(|want| + rms(want))} with {@code REF_TOL = 1e-9}.
 */
class LinearAttentionTest {
    /** Kernel (F32) against the float64 reference, per element, relative to |want| + rms(want). */
    static final double TOL = 1e-4;
    /** The library's float64 reference against the float64 sums written here. */
    static final double REF_TOL = 1e-9;

    private static final long B = 2, N = 37, H = 4, HKV = 2, DK = 12, DV = 10, M = 20;

    // ---- shared helpers (LinearRecurrenceTest uses them too) -----------------------------------------

    /** A contiguous F64 copy of {@code t} (null stays null). */
    static Tensor f64(Arena arena, Tensor t) {
        if (t == null) return null;
        Tensor c = Tensor.allocate(arena, DType.F64, t.shape());
        double[] d = t.toDoubleArray();
        MemorySegment.copy(d, 0, c.segment(), ValueLayout.JAVA_DOUBLE, 0, d.length);
        return c;
    }

    /** A contiguous F32 copy of {@code t}. */
    static Tensor f32(Arena arena, Tensor t) {
        Tensor c = Tensor.allocate(arena, DType.F32, t.shape());
        float[] f = t.toFloatArray();
        MemorySegment.copy(f, 0, c.segment(), ValueLayout.JAVA_FLOAT, 0, f.length);
        return c;
    }

    /** Token {@code tok} of a {@code [B, N, ...]} tensor as a {@code [B, ...]} view (no copy). */
    static Tensor token(Tensor t, long tok) {
        int r = t.rank();
        long[] shape = new long[r - 1], strides = new long[r - 1];
        shape[0] = t.shape(0);
        strides[0] = t.stride(0);
        for (int i = 2; i < r; i++) {
            shape[i - 1] = t.shape(i);
            strides[i - 1] = t.stride(i);
        }
        MemorySegment s = t.segment().asSlice(tok * t.stride(1) * t.dtype().byteSize());
        return Tensor.wrap(s, t.dtype(), shape, strides);
    }

    /** Every element finite (poison overwritten) and within {@code tol·(|want| + rms(want))}. */
    static void assertClose(String what, Tensor got, double[] want, double tol) {
        double[] g = got.toDoubleArray();
        assertEquals(want.length, g.length, what + ": element count");
        double rms = 0;
        for (double w : want) {
            assertTrue(Double.isFinite(w), what + ": the expected values are not finite");
            rms += w * w;
        }
        rms = Math.sqrt(rms / Math.max(1, want.length));
        for (int i = 0; i < want.length; i++) {
            if (!Double.isFinite(g[i])) fail(what + "[" + i + "] is " + g[i] + " (not written, or not finite)");
            double bound = tol * (Math.abs(want[i]) + rms);
            if (!(Math.abs(g[i] - want[i]) <= bound)) {
                fail(what + "[" + i + "]: got " + g[i] + ", want " + want[i] + " (tolerance " + bound + ")");
            }
        }
    }

    static void assertClose(String what, Tensor got, Tensor want, double tol) {
        assertClose(what, got, want.toDoubleArray(), tol);
    }

    // ---- the float64 sums, written here ----------------------------------------------------------------

    /** φ of the row at {@code off} of {@code x} ({@code dk} values): F values. */
    static double[] phi(FeatureMap map, double[] x, int off, int dk, double[] w, int m) {
        if (map == FeatureMap.FAVOR) {
            double scale = Math.pow(dk, -0.25), sq = 0;
            for (int c = 0; c < dk; c++) sq += x[off + c] * scale * x[off + c] * scale;
            double[] f = new double[m];
            for (int r = 0; r < m; r++) {
                double dot = 0;
                for (int c = 0; c < dk; c++) dot += w[r * dk + c] * x[off + c] * scale;
                f[r] = Math.exp(dot - sq / 2) / Math.sqrt(m);
            }
            return f;
        }
        double[] f = new double[dk];
        for (int c = 0; c < dk; c++) {
            double e = x[off + c];
            f[c] = switch (map) {
                case ELU1 -> e > 0 ? e + 1 : Math.exp(e);
                case RELU -> Math.max(e, 0);
                default -> e;
            };
        }
        return f;
    }

    /** {out [B, N, H, Dv], state [B, Hkv, F, Dv], norm [B, Hkv, F]} in float64, token by token. */
    static double[][] sums(Tensor q, Tensor k, Tensor v, LinearAttentionOptions o) {
        int b = (int) q.shape(0), n = (int) q.shape(1), h = (int) q.shape(2), dk = (int) q.shape(3);
        int hkv = (int) k.shape(2), dv = (int) v.shape(3);
        double[] qa = q.toDoubleArray(), ka = k.toDoubleArray(), va = v.toDoubleArray();
        double[] w = o.randomMatrix() == null ? null : o.randomMatrix().toDoubleArray();
        int f = w == null ? dk : (int) o.randomMatrix().shape(0);
        double[] s0 = o.stateIn() == null ? null : o.stateIn().toDoubleArray();
        double[] z0 = o.normIn() == null ? null : o.normIn().toDoubleArray();
        double[] out = new double[b * n * h * dv], state = new double[b * hkv * f * dv], norm = new double[b * hkv * f];
        int group = h / hkv;
        for (int bi = 0; bi < b; bi++) {
            for (int g = 0; g < hkv; g++) {
                int sOff = (bi * hkv + g) * f * dv, zOff = (bi * hkv + g) * f;
                double[] s = new double[f * dv], z = new double[f];
                if (s0 != null) System.arraycopy(s0, sOff, s, 0, s.length);
                if (z0 != null) System.arraycopy(z0, zOff, z, 0, f);
                if (!o.causal()) {
                    for (int j = 0; j < n; j++) addKey(o, ka, va, w, bi, j, g, n, hkv, dk, dv, f, s, z);
                }
                for (int i = 0; i < n; i++) {
                    if (o.causal()) addKey(o, ka, va, w, bi, i, g, n, hkv, dk, dv, f, s, z);
                    for (int hh = g * group; hh < (g + 1) * group; hh++) {
                        double[] pq = phi(o.featureMap(), qa, ((bi * n + i) * h + hh) * dk, dk, w, f);
                        double den = o.eps();
                        for (int r = 0; r < f; r++) den += pq[r] * z[r];
                        for (int d = 0; d < dv; d++) {
                            double num = 0;
                            for (int r = 0; r < f; r++) num += pq[r] * s[r * dv + d];
                            out[((bi * n + i) * h + hh) * dv + d] = o.normalize() ? num / den : num;
                        }
                    }
                }
                System.arraycopy(s, 0, state, sOff, s.length);
                System.arraycopy(z, 0, norm, zOff, f);
            }
        }
        return new double[][] {out, state, norm};
    }

    private static void addKey(LinearAttentionOptions o, double[] ka, double[] va, double[] w, int bi, int j, int g,
                               int n, int hkv, int dk, int dv, int f, double[] s, double[] z) {
        double[] pk = phi(o.featureMap(), ka, ((bi * n + j) * hkv + g) * dk, dk, w, f);
        int vOff = ((bi * n + j) * hkv + g) * dv;
        for (int r = 0; r < f; r++) {
            z[r] += pk[r];
            for (int d = 0; d < dv; d++) s[r * dv + d] += pk[r] * va[vOff + d];
        }
    }

    // ---- the harness -------------------------------------------------------------------------------------

    /**
     * Runs the kernel into poisoned F32 outputs and the native reference on F64 copies into poisoned F64
     * outputs; checks the reference against {@link #sums} and the kernel against the reference (out, state,
     * norm). Returns the kernel's outputs.
     */
    static LinearAttention.Result check(String what, Arena arena, Context ctx, Tensor q, Tensor k, Tensor v,
                                        LinearAttentionOptions o) {
        long f = o.randomMatrix() == null ? q.shape(3) : o.randomMatrix().shape(0);
        long[] outShape = {q.shape(0), q.shape(1), q.shape(2), v.shape(3)};
        long[] stateShape = {q.shape(0), k.shape(2), f, v.shape(3)}, normShape = {q.shape(0), k.shape(2), f};
        Tensor out = TestSupport.poisoned(arena, DType.F32, outShape);
        Tensor state = TestSupport.poisoned(arena, DType.F32, stateShape);
        Tensor norm = TestSupport.poisoned(arena, DType.F32, normShape);
        LinearAttention.run(ctx, q, k, v, o, out, state, norm);

        Tensor rOut = TestSupport.poisoned(arena, DType.F64, outShape);
        Tensor rState = TestSupport.poisoned(arena, DType.F64, stateShape);
        Tensor rNorm = TestSupport.poisoned(arena, DType.F64, normShape);
        LinearAttentionOptions o64 = o.toBuilder().randomMatrix(f64(arena, o.randomMatrix()))
                .stateIn(f64(arena, o.stateIn())).normIn(f64(arena, o.normIn())).build();
        LinearAttention.runReference(ctx, f64(arena, q), f64(arena, k), f64(arena, v), o64, rOut, rState, rNorm);

        double[][] want = sums(q, k, v, o);
        assertClose(what + ": reference out", rOut, want[0], REF_TOL);
        assertClose(what + ": reference state", rState, want[1], REF_TOL);
        assertClose(what + ": reference norm", rNorm, want[2], REF_TOL);
        assertClose(what + ": out", out, rOut, TOL);
        assertClose(what + ": state", state, rState, TOL);
        assertClose(what + ": norm", norm, rNorm, TOL);
        return new LinearAttention.Result(out, state, norm);
    }

    /** q, k in [lo, 1); v in [-1, 1). */
    record Inputs(Tensor q, Tensor k, Tensor v) {
        static Inputs of(Arena arena, long seed, double lo, long b, long n, long h, long hkv, long dk, long dv) {
            return new Inputs(uniform(arena, seed, lo, 1, b, n, h, dk), uniform(arena, seed + 1, lo, 1, b, n, hkv, dk),
                    uniform(arena, seed + 2, -1, 1, b, n, hkv, dv));
        }
    }

    /** The options of a map: FAVOR gets an M-row random matrix of seed 7. */
    private static LinearAttentionOptions.Builder options(Arena arena, FeatureMap map, long dk) {
        LinearAttentionOptions.Builder o = LinearAttentionOptions.builder().featureMap(map);
        if (map == FeatureMap.FAVOR) o.randomMatrix(LinearAttention.favorRandomMatrix(arena, M, dk, 7));
        return o;
    }

    /** IDENTITY normalised divides by a sum of signed terms: positive inputs keep it away from 0. */
    private static double low(FeatureMap map, boolean normalize) {
        return map == FeatureMap.IDENTITY && normalize ? 0.05 : -1;
    }

    // ---- tests ---------------------------------------------------------------------------------------------

    @Test
    void everyFeatureMapCausalOrNotNormalisedOrNot() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            long seed = 100;
            for (FeatureMap map : FeatureMap.values()) {
                for (boolean normalize : new boolean[] {true, false}) {
                    Inputs in = Inputs.of(arena, seed += 10, low(map, normalize), B, N, H, HKV, DK, DV);
                    LinearAttentionOptions.Builder o = options(arena, map, DK).normalize(normalize);
                    check(map + " non-causal normalize=" + normalize, arena, ctx, in.q, in.k, in.v, o.build());
                    for (long chunk : new long[] {0, 1, 7}) {
                        check(map + " causal chunk " + chunk + " normalize=" + normalize, arena, ctx, in.q, in.k,
                                in.v, o.causal(true).chunk(chunk).build());
                    }
                }
            }
        }
    }

    @Test
    void statesComeInAndGoOut() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            for (FeatureMap map : new FeatureMap[] {FeatureMap.ELU1, FeatureMap.FAVOR}) {
                long f = map == FeatureMap.FAVOR ? M : DK;
                Inputs in = Inputs.of(arena, 200, -1, B, N, H, HKV, DK, DV);
                Tensor s0 = uniform(arena, 203, -1, 1, B, HKV, f, DV);
                Tensor z0 = uniform(arena, 204, 0.5, 2, B, HKV, f);
                for (boolean causal : new boolean[] {false, true}) {
                    LinearAttentionOptions o = options(arena, map, DK).causal(causal).chunk(5).stateIn(s0).normIn(z0)
                            .build();
                    check(map + " causal=" + causal + " with states", arena, ctx, in.q, in.k, in.v, o);
                    check(map + " causal=" + causal + " unnormalised with states", arena, ctx, in.q, in.k, in.v,
                            o.toBuilder().normalize(false).build());
                }
            }
        }
    }

    @Test
    void groupedHeadsAndOddShapes() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            long[][] shapes = { // B, N, H, Hkv, Dk, Dv
                {1, 1, 3, 1, 5, 7}, {3, 17, 6, 3, 5, 7}, {1, 1013, 2, 1, 12, 10}, {2, 17, 4, 4, 1, 1}};
            long seed = 300;
            for (long[] s : shapes) {
                Inputs in = Inputs.of(arena, seed += 10, -1, s[0], s[1], s[2], s[3], s[4], s[5]);
                String what = "shape " + java.util.Arrays.toString(s);
                check(what + " causal", arena, ctx, in.q, in.k, in.v,
                        LinearAttentionOptions.builder().causal(true).build());
                check(what + " non-causal FAVOR", arena, ctx, in.q, in.k, in.v,
                        options(arena, FeatureMap.FAVOR, s[4]).build());
            }
        }
    }

    @Test
    void emptySequencePassesTheStatesThrough() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, 400, -1, B, 0, H, HKV, DK, DV);
            Tensor s0 = uniform(arena, 403, -1, 1, B, HKV, DK, DV), z0 = uniform(arena, 404, 0.5, 2, B, HKV, DK);
            for (boolean causal : new boolean[] {false, true}) {
                LinearAttention.Result r = check("N = 0 causal=" + causal, arena, ctx, in.q, in.k, in.v,
                        LinearAttentionOptions.builder().causal(causal).stateIn(s0).normIn(z0).build());
                assertEquals(0, r.out().elementCount());
                assertArrayEquals(s0.toFloatArray(), r.state().toFloatArray(), "state passed through");
                assertArrayEquals(z0.toFloatArray(), r.norm().toFloatArray(), "norm passed through");
            }
        }
    }

    @Test
    void stridedViews() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, 500, -1, B, N, H, HKV, DK, DV);
            // k and v as head-major [B, Hkv, N, D] memory viewed as [B, N, Hkv, D]; q inside a wider buffer.
            Tensor kT = Tensor.allocate(arena, DType.F32, B, HKV, N, DK);
            Tensor vT = Tensor.allocate(arena, DType.F32, B, HKV, N, DV);
            Tensor qW = Tensor.allocate(arena, DType.F32, B, N, H, DK + 3);
            for (long b = 0; b < B; b++) {
                for (long t = 0; t < N; t++) {
                    for (long g = 0; g < HKV; g++) {
                        for (long d = 0; d < DK; d++) kT.setFloat(in.k.getFloat(b, t, g, d), b, g, t, d);
                        for (long d = 0; d < DV; d++) vT.setFloat(in.v.getFloat(b, t, g, d), b, g, t, d);
                    }
                    for (long h = 0; h < H; h++) {
                        for (long d = 0; d < DK; d++) qW.setFloat(in.q.getFloat(b, t, h, d), b, t, h, d);
                    }
                }
            }
            Tensor k = Tensor.wrap(kT.segment(), DType.F32, new long[] {B, N, HKV, DK},
                    new long[] {HKV * N * DK, DK, N * DK, 1});
            Tensor v = Tensor.wrap(vT.segment(), DType.F32, new long[] {B, N, HKV, DV},
                    new long[] {HKV * N * DV, DV, N * DV, 1});
            Tensor q = Tensor.wrap(qW.segment(), DType.F32, new long[] {B, N, H, DK},
                    new long[] {N * H * (DK + 3), H * (DK + 3), DK + 3, 1});
            // out transposed: [B, N, H, Dv] written into [B, H, N, Dv] memory.
            Tensor outMem = Tensor.allocate(arena, DType.F32, B, H, N, DV).fill(Float.NaN);
            Tensor out = Tensor.wrap(outMem.segment(), DType.F32, new long[] {B, N, H, DV},
                    new long[] {H * N * DV, DV, N * DV, 1});
            for (boolean causal : new boolean[] {false, true}) {
                LinearAttentionOptions o = LinearAttentionOptions.builder().causal(causal).chunk(8).build();
                check("strided causal=" + causal, arena, ctx, q, k, v, o);
                LinearAttention.run(ctx, q, k, v, o, out, null, null);
                assertClose("transposed out causal=" + causal, out, sums(in.q, in.k, in.v, o)[0], TOL);
            }
        }
    }

    @Test
    void stepsChainedEqualTheChunkedRun() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            for (FeatureMap map : FeatureMap.values()) {
                for (boolean normalize : new boolean[] {true, false}) {
                    long f = map == FeatureMap.FAVOR ? M : DK;
                    Inputs in = Inputs.of(arena, 600, low(map, normalize), B, N, H, HKV, DK, DV);
                    Tensor s0 = uniform(arena, 603, low(map, normalize), 1, B, HKV, f, DV);
                    Tensor z0 = uniform(arena, 604, 0.5, 2, B, HKV, f);
                    LinearAttentionOptions run = options(arena, map, DK).normalize(normalize).causal(true).chunk(8)
                            .stateIn(s0).normIn(z0).build();
                    String what = map + " normalize=" + normalize;
                    LinearAttention.Result r = check(what + " run", arena, ctx, in.q, in.k, in.v, run);

                    // In place: state and norm updated token by token; each token's out written into its row.
                    Tensor state = f32(arena, s0), norm = f32(arena, z0);
                    LinearAttentionOptions step = run.toBuilder().causal(false).chunk(0).stateIn(state).normIn(norm)
                            .build();   // a step is causal whatever the options say
                    Tensor out = TestSupport.poisoned(arena, DType.F32, B, N, H, DV);
                    for (long t = 0; t < N; t++) {
                        LinearAttention.step(ctx, token(in.q, t), token(in.k, t), token(in.v, t), step, token(out, t),
                                state, norm);
                    }
                    assertClose(what + " steps in place: out", out, r.out(), TOL);
                    assertClose(what + " steps in place: state", state, r.state(), TOL);
                    assertClose(what + " steps in place: norm", norm, r.norm(), TOL);

                    // Not in place: two buffers in turn.
                    Tensor[] states = {f32(arena, s0), Tensor.allocate(arena, DType.F32, B, HKV, f, DV)};
                    Tensor[] norms = {f32(arena, z0), Tensor.allocate(arena, DType.F32, B, HKV, f)};
                    Tensor out2 = TestSupport.poisoned(arena, DType.F32, B, N, H, DV);
                    for (int t = 0; t < N; t++) {
                        Tensor sIn = states[t % 2], sOut = states[1 - t % 2].fill(Float.NaN);
                        Tensor zIn = norms[t % 2], zOut = norms[1 - t % 2].fill(Float.NaN);
                        LinearAttention.step(ctx, token(in.q, t), token(in.k, t), token(in.v, t),
                                step.toBuilder().stateIn(sIn).normIn(zIn).build(), token(out2, t), sOut, zOut);
                    }
                    assertClose(what + " steps: out", out2, r.out(), TOL);
                    assertClose(what + " steps: state", states[(int) (N % 2)], r.state(), TOL);
                    assertClose(what + " steps: norm", norms[(int) (N % 2)], r.norm(), TOL);
                }
            }
        }
    }

    @Test
    void unnormalisedStepNeedsNoNorm() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            Inputs in = Inputs.of(arena, 700, -1, B, 1, H, HKV, DK, DV);
            Tensor s0 = uniform(arena, 703, -1, 1, B, HKV, DK, DV);
            LinearAttentionOptions o = LinearAttentionOptions.builder().featureMap(FeatureMap.IDENTITY)
                    .normalize(false).causal(true).stateIn(s0).build();
            LinearAttention.Result r = check("one token", arena, ctx, in.q, in.k, in.v, o);
            Tensor state = f32(arena, s0);
            Tensor out = TestSupport.poisoned(arena, DType.F32, B, H, DV);
            LinearAttention.step(ctx, token(in.q, 0), token(in.k, 0), token(in.v, 0), o.toBuilder().stateIn(state)
                    .build(), out, state, null);
            assertClose("step out", out, r.out().toDoubleArray(), TOL);
            assertClose("step state", state, r.state(), TOL);
        }
    }

    @Test
    void allocatingForm() {
        try (Arena arena = Arena.ofConfined()) {
            Inputs in = Inputs.of(arena, 800, -1, B, N, H, HKV, DK, DV);
            LinearAttentionOptions o = options(arena, FeatureMap.FAVOR, DK).causal(true).build();
            LinearAttention.Result r = LinearAttention.run(arena, in.q, in.k, in.v, o);
            assertArrayEquals(new long[] {B, N, H, DV}, r.out().shape());
            assertArrayEquals(new long[] {B, HKV, M, DV}, r.state().shape());
            assertArrayEquals(new long[] {B, HKV, M}, r.norm().shape());
            double[][] want = sums(in.q, in.k, in.v, o);
            assertClose("out", r.out(), want[0], TOL);
            assertClose("state", r.state(), want[1], TOL);
            assertClose("norm", r.norm(), want[2], TOL);
            LinearAttention.Result d = LinearAttention.run(arena, in.q, in.k, in.v, null);
            assertClose("defaults out", d.out(), sums(in.q, in.k, in.v, LinearAttentionOptions.defaults())[0], TOL);
        }
    }

    @Test
    void favorRandomMatrixIsSeededOrthogonalAndDtypeIndependent() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            long dk = 7, m = 2 * dk + 3;
            Tensor a = LinearAttention.favorRandomMatrix(arena, m, dk, 42);
            Tensor again = TestSupport.poisoned(arena, DType.F32, m, dk);
            LinearAttention.favorRandomMatrix(ctx, 42, again);
            assertArrayEquals(a.toFloatArray(), again.toFloatArray(), "same seed, same matrix");
            assertFalse(java.util.Arrays.equals(a.toFloatArray(),
                    LinearAttention.favorRandomMatrix(arena, m, dk, 43).toFloatArray()), "another seed, another matrix");
            Tensor d = TestSupport.poisoned(arena, DType.F64, m, dk);
            LinearAttention.favorRandomMatrix(ctx, 42, d);
            double[] w = d.toDoubleArray();
            assertClose("F32 is the F64 matrix rounded", a, w, 1e-6);
            // Rows of one block (dk rows each; the last keeps m mod dk) are orthogonal; none is zero.
            for (int r = 0; r < m; r++) {
                double nr = Math.sqrt(dot(w, r, r, (int) dk));
                assertTrue(nr > 0 && Double.isFinite(nr), "row " + r + " norm " + nr);
                for (int s = r + 1; s < m && s / dk == r / dk; s++) {
                    double cos = dot(w, r, s, (int) dk) / (nr * Math.sqrt(dot(w, s, s, (int) dk)));
                    assertTrue(Math.abs(cos) < 1e-9, "rows " + r + " and " + s + " not orthogonal: cos " + cos);
                }
            }
        }
    }

    private static double dot(double[] w, int r, int s, int dk) {
        double sum = 0;
        for (int c = 0; c < dk; c++) sum += w[r * dk + c] * w[s * dk + c];
        return sum;
    }

    @Test
    void namesOfTheEnums() {
        assertEquals(FeatureMap.ELU1, FeatureMap.fromName("elu1"));
        assertEquals(FeatureMap.FAVOR, FeatureMap.fromName("favor"));
        assertEquals(FeatureMap.IDENTITY, FeatureMap.fromName("Identity"));
        assertEquals(LinearRule.GATED_DELTA, LinearRule.fromName("gated_delta"));
        assertEquals(LinearRule.LINEAR, LinearRule.fromName("linear"));
        for (FeatureMap f : FeatureMap.values()) assertEquals(f, FeatureMap.fromName(f.name().toLowerCase()));
        for (LinearRule r : LinearRule.values()) assertEquals(r, LinearRule.fromName(r.name().toLowerCase()));
        assertEquals(0, FeatureMap.ELU1.code());
        assertEquals(3, FeatureMap.FAVOR.code());
        assertEquals(3, LinearRule.GATED_DELTA.code());
    }
}
