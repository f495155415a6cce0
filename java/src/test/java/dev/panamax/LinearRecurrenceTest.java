package dev.panamax;

import static dev.panamax.LinearAttentionTest.REF_TOL;
import static dev.panamax.LinearAttentionTest.TOL;
import static dev.panamax.LinearAttentionTest.assertClose;
import static dev.panamax.LinearAttentionTest.f32;
import static dev.panamax.LinearAttentionTest.f64;
import static dev.panamax.LinearAttentionTest.token;
import static dev.panamax.SelectiveScanTest.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * {@link LinearRecurrence} against the library's float64 reference ({@link LinearRecurrence#runReference}) on
 * F64 copies of the inputs, the reference itself against the recurrence written here: every rule with several
 * chunks (N not a multiple of them), a decay per head and per key dim, decays of exactly 0 and 1, grouped heads,
 * odd shapes (N = 1, 17, 1013; head dims 5 and 7), strided views, incoming states, steps chained token by token
 * (in place and not) against the chunked run, and the allocating form. Outputs are poisoned (NaN) before each
 * call. Tolerances as in {@link LinearAttentionTest}: {@code TOL = 1e-4} for the kernel against the float64
 * reference, {@code REF_TOL = 1e-9} for the reference against the recurrence here, each relative to
 * {@code |want| + rms(want)}.
 */
class LinearRecurrenceTest {
    private static final long B = 2, N = 37, H = 4, HKV = 2, DK = 8, DV = 6;

    /** q in [-1, 1); k rows of unit norm for the delta rules (the form DeltaNet keeps stable); v in [-1, 1). */
    record Inputs(Tensor q, Tensor k, Tensor v, Tensor decay, Tensor decayPerKey, Tensor beta, Tensor s0) {
        static Inputs of(Arena arena, long seed, long b, long n, long h, long hkv, long dk, long dv) {
            Tensor k = uniform(arena, seed + 1, -1, 1, b, n, hkv, dk);
            MemorySegment ks = k.segment();
            for (long i = 0; i < b * n * hkv; i++) {
                double sq = 0;
                for (long d = 0; d < dk; d++) sq += Math.pow(ks.getAtIndex(ValueLayout.JAVA_FLOAT, i * dk + d), 2);
                float inv = (float) (1 / Math.sqrt(sq));
                for (long d = i * dk; d < (i + 1) * dk; d++) {
                    ks.setAtIndex(ValueLayout.JAVA_FLOAT, d, ks.getAtIndex(ValueLayout.JAVA_FLOAT, d) * inv);
                }
            }
            return new Inputs(uniform(arena, seed, -1, 1, b, n, h, dk), k, uniform(arena, seed + 2, -1, 1, b, n, hkv, dv),
                    uniform(arena, seed + 3, 0.3, 1, b, n, hkv), uniform(arena, seed + 4, 0.3, 1, b, n, hkv, dk),
                    uniform(arena, seed + 5, 0, 1, b, n, hkv), uniform(arena, seed + 6, -1, 1, b, hkv, dk, dv));
        }

        /** The options a rule needs: its decay (per key dim when asked: GATED) and beta, and the state. */
        LinearRecurrenceOptions.Builder options(LinearRule rule, boolean perKey) {
            return LinearRecurrenceOptions.builder().decay(rule.gated() ? perKey ? decayPerKey : decay : null)
                    .beta(rule.delta() ? beta : null).stateIn(s0);
        }
    }

    /** {out [B, N, H, Dv], state [B, Hkv, Dk, Dv]}: the recurrence in float64, token by token. */
    static double[][] recurrence(LinearRule rule, Tensor q, Tensor k, Tensor v, LinearRecurrenceOptions o) {
        int b = (int) q.shape(0), n = (int) q.shape(1), h = (int) q.shape(2), dk = (int) q.shape(3);
        int hkv = (int) k.shape(2), dv = (int) v.shape(3), group = h / hkv;
        double[] qa = q.toDoubleArray(), ka = k.toDoubleArray(), va = v.toDoubleArray();
        double[] decay = o.decay() == null ? null : o.decay().toDoubleArray();
        boolean perKey = o.decay() != null && o.decay().rank() == 4;
        double[] beta = o.beta() == null ? null : o.beta().toDoubleArray();
        double[] s0 = o.stateIn() == null ? null : o.stateIn().toDoubleArray();
        double[] out = new double[b * n * h * dv], state = new double[b * hkv * dk * dv];
        for (int bi = 0; bi < b; bi++) {
            for (int g = 0; g < hkv; g++) {
                double[] s = new double[dk * dv];
                int sOff = (bi * hkv + g) * dk * dv;
                if (s0 != null) System.arraycopy(s0, sOff, s, 0, s.length);
                for (int t = 0; t < n; t++) {
                    int tok = (bi * n + t) * hkv + g, kOff = tok * dk, vOff = tok * dv;
                    if (rule.gated()) {
                        for (int r = 0; r < dk; r++) {
                            double gr = perKey ? decay[tok * dk + r] : decay[tok];
                            for (int d = 0; d < dv; d++) s[r * dv + d] *= gr;
                        }
                    }
                    for (int d = 0; d < dv; d++) {
                        double u = va[vOff + d], w = 1;
                        if (rule.delta()) {
                            for (int r = 0; r < dk; r++) u -= s[r * dv + d] * ka[kOff + r];
                            w = beta[tok];
                        }
                        for (int r = 0; r < dk; r++) s[r * dv + d] += w * ka[kOff + r] * u;
                    }
                    for (int hh = g * group; hh < (g + 1) * group; hh++) {
                        int qOff = ((bi * n + t) * h + hh) * dk;
                        for (int d = 0; d < dv; d++) {
                            double acc = 0;
                            for (int r = 0; r < dk; r++) acc += s[r * dv + d] * qa[qOff + r];
                            out[((bi * n + t) * h + hh) * dv + d] = acc;
                        }
                    }
                }
                System.arraycopy(s, 0, state, sOff, s.length);
            }
        }
        return new double[][] {out, state};
    }

    /**
     * The kernel into poisoned F32 outputs, the native reference on F64 copies into poisoned F64 outputs; the
     * reference against {@link #recurrence}, the kernel against the reference. Returns the kernel's outputs.
     */
    static LinearRecurrence.Result check(String what, Arena arena, Context ctx, LinearRule rule, Tensor q, Tensor k,
                                         Tensor v, LinearRecurrenceOptions o) {
        long[] outShape = {q.shape(0), q.shape(1), q.shape(2), v.shape(3)};
        long[] stateShape = {q.shape(0), k.shape(2), q.shape(3), v.shape(3)};
        Tensor out = TestSupport.poisoned(arena, DType.F32, outShape);
        Tensor state = TestSupport.poisoned(arena, DType.F32, stateShape);
        LinearRecurrence.run(ctx, rule, q, k, v, o, out, state);

        Tensor rOut = TestSupport.poisoned(arena, DType.F64, outShape);
        Tensor rState = TestSupport.poisoned(arena, DType.F64, stateShape);
        LinearRecurrenceOptions o64 = o.toBuilder().decay(f64(arena, o.decay())).beta(f64(arena, o.beta()))
                .stateIn(f64(arena, o.stateIn())).build();
        LinearRecurrence.runReference(ctx, rule, f64(arena, q), f64(arena, k), f64(arena, v), o64, rOut, rState);

        double[][] want = recurrence(rule, q, k, v, o);
        assertClose(what + ": reference out", rOut, want[0], REF_TOL);
        assertClose(what + ": reference state", rState, want[1], REF_TOL);
        assertClose(what + ": out", out, rOut, TOL);
        assertClose(what + ": state", state, rState, TOL);
        return new LinearRecurrence.Result(out, state);
    }

    @Test
    void everyRuleMatchesTheRecurrence() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, 1000, B, N, H, HKV, DK, DV);
            for (LinearRule rule : LinearRule.values()) {
                for (long chunk : new long[] {0, 1, 7, 16}) {
                    check(rule + " chunk " + chunk, arena, ctx, rule, in.q, in.k, in.v,
                            in.options(rule, false).chunk(chunk).build());
                }
                check(rule + " from a zero state", arena, ctx, rule, in.q, in.k, in.v,
                        in.options(rule, false).stateIn(null).build());
            }
        }
    }

    @Test
    void decayPerKeyDim() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, 1100, B, N, H, HKV, DK, DV);
            for (long chunk : new long[] {0, 1, 7, 16, LinearRecurrenceOptions.MAX_CHUNK}) {
                check("GATED per key, chunk " + chunk, arena, ctx, LinearRule.GATED, in.q, in.k, in.v,
                        in.options(LinearRule.GATED, true).chunk(chunk).build());
            }
        }
    }

    @Test
    void decaysOfExactlyZeroAndOne() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, 1200, B, N, H, HKV, DK, DV);
            // Every third decay 0 (the state forgets everything), every third 1 (nothing), the rest small.
            for (Tensor d : new Tensor[] {in.decay, in.decayPerKey}) {
                for (long i = 0; i < d.elementCount(); i++) {
                    float x = i % 3 == 0 ? 0f : i % 3 == 1 ? 1f : 0.05f;
                    d.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, x);
                }
            }
            for (long chunk : new long[] {0, 7}) {
                check("GATED per head, edge decays, chunk " + chunk, arena, ctx, LinearRule.GATED, in.q, in.k, in.v,
                        in.options(LinearRule.GATED, false).chunk(chunk).build());
                check("GATED per key, edge decays, chunk " + chunk, arena, ctx, LinearRule.GATED, in.q, in.k, in.v,
                        in.options(LinearRule.GATED, true).chunk(chunk).build());
                check("GATED_DELTA, edge decays, chunk " + chunk, arena, ctx, LinearRule.GATED_DELTA, in.q, in.k,
                        in.v, in.options(LinearRule.GATED_DELTA, false).chunk(chunk).build());
            }
        }
    }

    @Test
    void groupedHeadsAndOddShapes() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            long[][] shapes = { // B, N, H, Hkv, Dk, Dv
                {1, 1, 3, 1, 5, 7}, {3, 17, 6, 3, 5, 7}, {1, 1013, 2, 1, 12, 10}, {2, 17, 4, 4, 1, 1}};
            long seed = 1300;
            for (long[] s : shapes) {
                Inputs in = Inputs.of(arena, seed += 10, s[0], s[1], s[2], s[3], s[4], s[5]);
                for (LinearRule rule : LinearRule.values()) {
                    check(rule + " shape " + Arrays.toString(s), arena, ctx, rule, in.q, in.k, in.v,
                            in.options(rule, false).build());
                }
                check("GATED per key, shape " + Arrays.toString(s), arena, ctx, LinearRule.GATED, in.q, in.k, in.v,
                        in.options(LinearRule.GATED, true).build());
            }
        }
    }

    @Test
    void emptySequencePassesTheStateThrough() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, 1400, B, 0, H, HKV, DK, DV);
            for (LinearRule rule : LinearRule.values()) {
                LinearRecurrence.Result r = check(rule + " N = 0", arena, ctx, rule, in.q, in.k, in.v,
                        in.options(rule, false).build());
                assertEquals(0, r.out().elementCount());
                assertArrayEquals(in.s0.toFloatArray(), r.state().toFloatArray(), rule + ": state passed through");
            }
        }
    }

    @Test
    void stridedViews() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, 1500, B, N, H, HKV, DK, DV);
            // q, k, v, decay and beta as views of one interleaved [B, N, row] buffer (a fused projection).
            long row = H * DK + HKV * DK + HKV * DV + 2 * HKV;
            Tensor fused = Tensor.allocate(arena, DType.F32, B, N, row);
            long[] at = {0, H * DK, H * DK + HKV * DK, H * DK + HKV * DK + HKV * DV, H * DK + HKV * DK + HKV * DV + HKV};
            Tensor q = view(fused, at[0], new long[] {B, N, H, DK}, row);
            Tensor k = view(fused, at[1], new long[] {B, N, HKV, DK}, row);
            Tensor v = view(fused, at[2], new long[] {B, N, HKV, DV}, row);
            Tensor decay = view(fused, at[3], new long[] {B, N, HKV}, row);
            Tensor beta = view(fused, at[4], new long[] {B, N, HKV}, row);
            copy(in.q, q);
            copy(in.k, k);
            copy(in.v, v);
            copy(in.decay, decay);
            copy(in.beta, beta);
            for (LinearRule rule : LinearRule.values()) {
                LinearRecurrenceOptions o = LinearRecurrenceOptions.builder().decay(rule.gated() ? decay : null)
                        .beta(rule.delta() ? beta : null).stateIn(in.s0).chunk(8).build();
                LinearRecurrence.Result r = check(rule + " strided", arena, ctx, rule, q, k, v, o);
                assertClose(rule + " strided = dense", r.out(), recurrence(rule, in.q, in.k, in.v,
                        in.options(rule, false).build())[0], TOL);
            }
        }
    }

    private static Tensor view(Tensor fused, long offset, long[] shape, long row) {
        long[] strides = new long[shape.length];
        strides[0] = fused.stride(0);
        strides[1] = row;
        long inner = 1;
        for (int i = shape.length - 1; i >= 2; i--) {
            strides[i] = inner;
            inner *= shape[i];
        }
        return Tensor.wrap(fused.segment().asSlice(offset * 4), DType.F32, shape, strides);
    }

    private static void copy(Tensor from, Tensor to) {
        float[] f = from.toFloatArray();
        long[] idx = new long[to.rank()];
        for (int i = 0; i < f.length; i++) {
            long rest = i;
            for (int d = to.rank() - 1; d >= 0; d--) {
                idx[d] = rest % to.shape(d);
                rest /= to.shape(d);
            }
            to.setFloat(f[i], idx);
        }
    }

    @Test
    void stepsChainedEqualTheChunkedRun() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = Inputs.of(arena, 1600, B, N, H, HKV, DK, DV);
            for (LinearRule rule : LinearRule.values()) {
                for (boolean perKey : rule == LinearRule.GATED ? new boolean[] {false, true} : new boolean[] {false}) {
                    String what = rule + (perKey ? " per key" : "");
                    LinearRecurrenceOptions run = in.options(rule, perKey).chunk(8).build();
                    LinearRecurrence.Result r = check(what + " run", arena, ctx, rule, in.q, in.k, in.v, run);

                    // In place, each token's out written into its row of a [B, N, H, Dv] tensor.
                    Tensor state = f32(arena, in.s0);
                    Tensor out = TestSupport.poisoned(arena, DType.F32, B, N, H, DV);
                    for (long t = 0; t < N; t++) {
                        LinearRecurrenceOptions step = stepOptions(run, t, state);
                        LinearRecurrence.step(ctx, rule, token(in.q, t), token(in.k, t), token(in.v, t), step,
                                token(out, t), state);
                    }
                    assertClose(what + " steps in place: out", out, r.out(), TOL);
                    assertClose(what + " steps in place: state", state, r.state(), TOL);

                    // Not in place: two buffers in turn.
                    Tensor[] states = {f32(arena, in.s0), Tensor.allocate(arena, DType.F32, B, HKV, DK, DV)};
                    Tensor out2 = TestSupport.poisoned(arena, DType.F32, B, N, H, DV);
                    for (int t = 0; t < N; t++) {
                        Tensor sOut = states[1 - t % 2].fill(Float.NaN);
                        LinearRecurrence.step(ctx, rule, token(in.q, t), token(in.k, t), token(in.v, t),
                                stepOptions(run, t, states[t % 2]), token(out2, t), sOut);
                    }
                    assertClose(what + " steps: out", out2, r.out(), TOL);
                    assertClose(what + " steps: state", states[(int) (N % 2)], r.state(), TOL);
                }
            }
        }
    }

    /** Token t's decay and beta, the given state, chunk 0. */
    private static LinearRecurrenceOptions stepOptions(LinearRecurrenceOptions run, long t, Tensor state) {
        return run.toBuilder().chunk(0).stateIn(state).decay(run.decay() == null ? null : token(run.decay(), t))
                .beta(run.beta() == null ? null : token(run.beta(), t)).build();
    }

    @Test
    void allocatingForm() {
        try (Arena arena = Arena.ofConfined()) {
            Inputs in = Inputs.of(arena, 1700, B, N, H, HKV, DK, DV);
            for (LinearRule rule : LinearRule.values()) {
                LinearRecurrenceOptions o = in.options(rule, false).build();
                LinearRecurrence.Result r = LinearRecurrence.run(arena, rule, in.q, in.k, in.v, o);
                assertArrayEquals(new long[] {B, N, H, DV}, r.out().shape());
                assertArrayEquals(new long[] {B, HKV, DK, DV}, r.state().shape());
                double[][] want = recurrence(rule, in.q, in.k, in.v, o);
                assertClose(rule + " out", r.out(), want[0], TOL);
                assertClose(rule + " state", r.state(), want[1], TOL);
            }
            LinearRecurrence.Result d = LinearRecurrence.run(arena, LinearRule.LINEAR, in.q, in.k, in.v, null);
            assertClose("LINEAR defaults", d.out(), recurrence(LinearRule.LINEAR, in.q, in.k, in.v,
                    LinearRecurrenceOptions.defaults())[0], TOL);
        }
    }
}
