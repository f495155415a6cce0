package dev.panamax;

import static dev.panamax.SelectiveScanTest.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The checks of {@link LinearAttention}, {@link LinearRecurrence} and their options: every one Java makes throws
 * {@link IllegalArgumentException} whose message starts with the argument's name, before any native call; the
 * values only the library checks (decay outside [0, 1], a non-finite beta) come back as {@link PanamaxException}.
 */
class LinearValidationTest {
    private static final long B = 2, N = 5, H = 4, HKV = 2, DK = 6, DV = 3;

    private Arena arena;
    private Context ctx;
    private Tensor q, k, v, out, state, norm, decay, beta;
    private Tensor q1, k1, v1, out1, decay1, beta1;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        ctx = Context.create(1);
        q = uniform(arena, 1, -1, 1, B, N, H, DK);
        k = uniform(arena, 2, -1, 1, B, N, HKV, DK);
        v = uniform(arena, 3, -1, 1, B, N, HKV, DV);
        out = Tensor.allocate(arena, DType.F32, B, N, H, DV);
        state = Tensor.allocate(arena, DType.F32, B, HKV, DK, DV);
        norm = Tensor.allocate(arena, DType.F32, B, HKV, DK);
        decay = uniform(arena, 4, 0.5, 1, B, N, HKV);
        beta = uniform(arena, 5, 0, 1, B, N, HKV);
        q1 = uniform(arena, 6, -1, 1, B, H, DK);
        k1 = uniform(arena, 7, -1, 1, B, HKV, DK);
        v1 = uniform(arena, 8, -1, 1, B, HKV, DV);
        out1 = Tensor.allocate(arena, DType.F32, B, H, DV);
        decay1 = uniform(arena, 9, 0.5, 1, B, HKV);
        beta1 = uniform(arena, 10, 0, 1, B, HKV);
    }

    @AfterEach
    void tearDown() {
        ctx.close();
        arena.close();
    }

    private static void expect(String name, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(name + ":"), "message '" + e.getMessage() + "' should name " + name);
    }

    private Tensor f32(long... shape) {
        return Tensor.allocate(arena, DType.F32, shape);
    }

    // ---- linear attention ------------------------------------------------------------------------------

    @Test
    void attentionOptions() {
        expect("featureMap", () -> LinearAttentionOptions.builder().featureMap(null).build());
        expect("eps", () -> LinearAttentionOptions.builder().eps(-1e-9).build());
        expect("eps", () -> LinearAttentionOptions.builder().eps(Double.NaN).build());
        expect("eps", () -> LinearAttentionOptions.builder().eps(Double.POSITIVE_INFINITY).build());
        expect("chunk", () -> LinearAttentionOptions.builder().chunk(-1).build());
        expect("chunk", () -> LinearAttentionOptions.builder().chunk(LinearAttentionOptions.MAX_CHUNK + 1).build());
        expect("randomMatrix", () -> LinearAttentionOptions.builder().featureMap(FeatureMap.FAVOR).build());
        expect("randomMatrix", () -> LinearAttentionOptions.builder().randomMatrix(f32(8, DK)).build());
        LinearAttentionOptions d = LinearAttentionOptions.defaults();
        assertEquals(FeatureMap.ELU1, d.featureMap());
        assertTrue(!d.causal() && d.normalize() && d.chunk() == 0 && d.randomMatrix() == null);
        assertEquals(LinearAttentionOptions.DEFAULT_EPS, d.eps());
        assertEquals(1e-6, LinearAttentionOptions.DEFAULT_EPS);
        assertEquals(64, LinearAttentionOptions.DEFAULT_CHUNK);
        assertEquals(256, LinearAttentionOptions.MAX_CHUNK);
        assertEquals(1024, LinearAttentionOptions.MAX_FEATURES);
        assertEquals(1024, LinearAttentionOptions.MAX_HEAD_DIM);
        LinearAttentionOptions o = LinearAttentionOptions.builder().causal(true).eps(0).chunk(3).build();
        assertEquals(o, o.toBuilder().build());
        assertEquals(o.hashCode(), o.toBuilder().build().hashCode());
    }

    @Test
    void attentionInputs() {
        expect("ctx", () -> LinearAttention.run(null, q, k, v, null, out, null, null));
        expect("arena", () -> LinearAttention.run(null, q, k, v, null));
        expect("q", () -> LinearAttention.run(ctx, null, k, v, null, out, null, null));
        expect("q", () -> LinearAttention.run(ctx, f32(B, N, H), k, v, null, out, null, null));
        expect("q", () -> LinearAttention.run(ctx, Tensor.allocate(arena, DType.F64, B, N, H, DK), k, v, null, out,
                null, null));
        long big = LinearAttentionOptions.MAX_FEATURES + 1;
        expect("q", () -> LinearAttention.run(ctx, f32(B, N, H, big), f32(B, N, HKV, big), v, null, out, null,
                null));
        expect("k", () -> LinearAttention.run(ctx, q, null, v, null, out, null, null));
        expect("k", () -> LinearAttention.run(ctx, q, f32(B, N + 1, HKV, DK), v, null, out, null, null));
        expect("k", () -> LinearAttention.run(ctx, q, f32(B, N, 3, DK), f32(B, N, 3, DV), null, out, null, null));
        expect("k", () -> LinearAttention.run(ctx, q, f32(B, N, HKV, DK + 1), v, null, out, null, null));
        expect("v", () -> LinearAttention.run(ctx, q, k, f32(B, N, 1, DV), null, out, null, null));
        expect("v", () -> LinearAttention.run(ctx, q, k, f32(B, N, HKV, LinearAttentionOptions.MAX_HEAD_DIM + 1),
                null, f32(B, N, H, LinearAttentionOptions.MAX_HEAD_DIM + 1), null, null));
        expect("v", () -> LinearAttention.run(ctx, q, k, f32(B, N, HKV, 0), null, f32(B, N, H, 0), null, null));
        expect("stateIn", () -> LinearAttention.run(ctx, q, k, v,
                LinearAttentionOptions.builder().stateIn(f32(B, HKV, DK, DV + 1)).build(), out, null, null));
        expect("normIn", () -> LinearAttention.run(ctx, q, k, v,
                LinearAttentionOptions.builder().normIn(f32(B, HKV, DK, 1)).build(), out, null, null));
        // FAVOR: randomMatrix [m, Dk], and F = m in the state shapes.
        Tensor w = LinearAttention.favorRandomMatrix(arena, 9, DK, 1);
        LinearAttentionOptions favor = LinearAttentionOptions.builder().featureMap(FeatureMap.FAVOR).randomMatrix(w)
                .build();
        expect("randomMatrix", () -> LinearAttention.run(ctx, q, k, v, favor.toBuilder().randomMatrix(f32(9, DK + 1))
                .build(), out, null, null));
        expect("randomMatrix", () -> LinearAttention.run(ctx, q, k, v, favor.toBuilder().randomMatrix(f32(9))
                .build(), out, null, null));
        expect("randomMatrix", () -> LinearAttention.run(ctx, q, k, v, favor.toBuilder()
                .randomMatrix(f32(LinearAttentionOptions.MAX_FEATURES + 1, DK)).build(), out, null, null));
        expect("stateIn", () -> LinearAttention.run(ctx, q, k, v, favor.toBuilder().stateIn(state).build(), out,
                null, null));
        expect("stateOut", () -> LinearAttention.run(ctx, q, k, v, favor, out, state, null));
        expect("normOut", () -> LinearAttention.run(ctx, q, k, v, favor, out, null, norm));
        // Closed arena, heap memory.
        Arena closed = Arena.ofConfined();
        Tensor gone = Tensor.allocate(closed, DType.F32, B, N, H, DK);
        closed.close();
        expect("q", () -> LinearAttention.run(ctx, gone, k, v, null, out, null, null));
        Tensor heap = Tensor.wrap(MemorySegment.ofArray(new float[(int) (B * N * HKV * DV)]), DType.F32, B, N, HKV, DV);
        expect("v", () -> LinearAttention.run(ctx, q, k, heap, null, out, null, null));
    }

    @Test
    void attentionOutputs() {
        expect("out", () -> LinearAttention.run(ctx, q, k, v, null, null, null, null));
        expect("out", () -> LinearAttention.run(ctx, q, k, v, null, f32(B, N, H, DV + 1), null, null));
        expect("out", () -> LinearAttention.run(ctx, q, k, v, null, Tensor.wrap(out.segment().asReadOnly(),
                DType.F32, out.shape()), null, null));
        expect("out", () -> LinearAttention.run(ctx, q, k, v, null, Tensor.wrap(out.segment(), DType.F32,
                new long[] {B, N, H, DV}, new long[] {N * H * DV, H * DV, 0, 1}), null, null));
        expect("stateOut", () -> LinearAttention.run(ctx, q, k, v, null, out, f32(B, HKV, DK, DV, 1), null));
        expect("stateOut", () -> LinearAttention.run(ctx, q, k, v, null, out, Tensor.wrap(state.segment()
                .asReadOnly(), DType.F32, state.shape()), null));
        expect("normOut", () -> LinearAttention.run(ctx, q, k, v, null, out, null, f32(B, HKV)));
        expect("normOut", () -> LinearAttention.run(ctx, q, k, v, null, out, null, Tensor.wrap(norm.segment()
                .asReadOnly(), DType.F32, norm.shape())));
        // Overlaps.
        Tensor outOverQ = Tensor.wrap(q.segment(), DType.F32, B, N, H, DV);
        expect("out", () -> LinearAttention.run(ctx, q, k, v, null, outOverQ, null, null));
        expect("stateOut", () -> LinearAttention.run(ctx, q, k, v, null, out, Tensor.wrap(k.segment(), DType.F32,
                state.shape()), null));
        expect("normOut", () -> LinearAttention.run(ctx, q, k, v, null, out, null, Tensor.wrap(v.segment(),
                DType.F32, norm.shape())));
        expect("stateOut", () -> LinearAttention.run(ctx, q, k, v, null, out, Tensor.wrap(out.segment(),
                DType.F32, state.shape()), null));
        expect("normOut", () -> LinearAttention.run(ctx, q, k, v, null, out, state, Tensor.wrap(state.segment(),
                DType.F32, norm.shape())));
        Tensor w = LinearAttention.favorRandomMatrix(arena, DK, DK, 1);
        LinearAttentionOptions favor = LinearAttentionOptions.builder().featureMap(FeatureMap.FAVOR).randomMatrix(w)
                .build();
        expect("normOut", () -> LinearAttention.run(ctx, q, k, v, favor, out, null, Tensor.wrap(w.segment(),
                DType.F32, norm.shape())));
        // A run never works in place: stateOut = stateIn is refused outside the step.
        LinearAttentionOptions withState = LinearAttentionOptions.builder().stateIn(state).normIn(norm).build();
        expect("stateOut", () -> LinearAttention.run(ctx, q, k, v, withState, out, state, null));
        expect("normOut", () -> LinearAttention.run(ctx, q, k, v, withState, out, null, norm));
        expect("out", () -> LinearAttention.run(ctx, q, k, v, withState, Tensor.wrap(state.segment(), DType.F32,
                B, N, H, 1), null, null));
    }

    @Test
    void attentionStep() {
        Tensor s = f32(B, HKV, DK, DV), z = f32(B, HKV, DK);
        LinearAttentionOptions inPlace = LinearAttentionOptions.builder().stateIn(s).normIn(z).build();
        expect("q", () -> LinearAttention.step(ctx, q, k, v, inPlace, out, s, z));
        expect("k", () -> LinearAttention.step(ctx, q1, f32(B + 1, HKV, DK), v1, inPlace, out1, s, z));
        expect("v", () -> LinearAttention.step(ctx, q1, k1, f32(B, 1, DV), inPlace, out1, s, z));
        expect("out", () -> LinearAttention.step(ctx, q1, k1, v1, inPlace, out, s, z));
        expect("chunk", () -> LinearAttention.step(ctx, q1, k1, v1, inPlace.toBuilder().chunk(4).build(), out1, s,
                z));
        expect("stateOut", () -> LinearAttention.step(ctx, q1, k1, v1, inPlace, out1, null, z));
        expect("normOut", () -> LinearAttention.step(ctx, q1, k1, v1, inPlace, out1, s, null));
        // In place means the same view: a shifted or re-strided view of stateIn is an overlap.
        MemorySegment sBig = arena.allocate(4 * (s.elementCount() + 1), 64);
        Tensor sIn = Tensor.wrap(sBig, DType.F32, s.shape());
        Tensor sShifted = Tensor.wrap(sBig.asSlice(4), DType.F32, s.shape());
        expect("stateOut", () -> LinearAttention.step(ctx, q1, k1, v1, inPlace.toBuilder().stateIn(sIn).build(), out1,
                sShifted, z));
        MemorySegment zBig = arena.allocate(4 * (z.elementCount() + 1), 64);
        Tensor zIn = Tensor.wrap(zBig, DType.F32, z.shape());
        expect("normOut", () -> LinearAttention.step(ctx, q1, k1, v1, inPlace.toBuilder().normIn(zIn).build(), out1,
                s, Tensor.wrap(zBig.asSlice(4), DType.F32, z.shape())));
        expect("out", () -> LinearAttention.step(ctx, q1, k1, v1, inPlace, Tensor.wrap(s.segment(), DType.F32,
                out1.shape()), f32(B, HKV, DK, DV), z));
    }

    @Test
    void favorRandomMatrixArguments() {
        long max = LinearAttentionOptions.MAX_FEATURES;
        expect("arena", () -> LinearAttention.favorRandomMatrix(null, 4, 4, 0));
        expect("m", () -> LinearAttention.favorRandomMatrix(arena, 0, 4, 0));
        expect("m", () -> LinearAttention.favorRandomMatrix(arena, max + 1, 4, 0));
        expect("dk", () -> LinearAttention.favorRandomMatrix(arena, 4, 0, 0));
        expect("dk", () -> LinearAttention.favorRandomMatrix(arena, 4, max + 1, 0));
        expect("ctx", () -> LinearAttention.favorRandomMatrix(null, 0, f32(4, 4)));
        expect("out", () -> LinearAttention.favorRandomMatrix(ctx, 0, null));
        expect("out", () -> LinearAttention.favorRandomMatrix(ctx, 0, f32(16)));
        expect("out", () -> LinearAttention.favorRandomMatrix(ctx, 0, Tensor.allocate(arena, DType.I32, 4, 4)));
        expect("out", () -> LinearAttention.favorRandomMatrix(ctx, 0, f32(4, max + 1)));
        expect("out", () -> LinearAttention.favorRandomMatrix(ctx, 0, f32(0, 4)));
        expect("out", () -> LinearAttention.favorRandomMatrix(ctx, 0, Tensor.wrap(f32(4, 4).segment().asReadOnly(),
                DType.F32, 4, 4)));
        expect("out", () -> LinearAttention.favorRandomMatrix(ctx, 0, Tensor.wrap(f32(4, 4).segment(), DType.F32,
                new long[] {4, 4}, new long[] {1, 1})));
    }

    @Test
    void enumNames() {
        expect("featureMap", () -> FeatureMap.fromName("softmax"));
        expect("featureMap", () -> FeatureMap.fromName(null));
        expect("rule", () -> LinearRule.fromName("gated-delta"));
        expect("rule", () -> LinearRule.fromName(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureMap.fromName("x"));
        assertTrue(e.getMessage().contains("elu1, relu, identity, favor"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LinearRule.fromName("x"));
        assertTrue(e.getMessage().contains("linear, gated, delta, gated_delta"), e.getMessage());
    }

    // ---- linear recurrences ----------------------------------------------------------------------------

    @Test
    void recurrenceOptionsAndRuleTensors() {
        expect("chunk", () -> LinearRecurrenceOptions.builder().chunk(-1).build());
        expect("chunk", () -> LinearRecurrenceOptions.builder().chunk(LinearRecurrenceOptions.MAX_CHUNK + 1).build());
        LinearRecurrenceOptions gated = LinearRecurrenceOptions.builder().decay(decay).build();
        LinearRecurrenceOptions withBeta = LinearRecurrenceOptions.builder().beta(beta).build();
        LinearRecurrenceOptions both = LinearRecurrenceOptions.builder().decay(decay).beta(beta).build();
        expect("rule", () -> LinearRecurrence.run(ctx, null, q, k, v, null, out, null));
        expect("arena", () -> LinearRecurrence.run(null, LinearRule.LINEAR, q, k, v, null));
        expect("ctx", () -> LinearRecurrence.run(null, LinearRule.LINEAR, q, k, v, null, out, null));
        expect("decay", () -> LinearRecurrence.run(ctx, LinearRule.GATED, q, k, v, null, out, null));
        expect("decay", () -> LinearRecurrence.run(ctx, LinearRule.GATED_DELTA, q, k, v, withBeta, out, null));
        expect("decay", () -> LinearRecurrence.run(ctx, LinearRule.LINEAR, q, k, v, gated, out, null));
        expect("decay", () -> LinearRecurrence.run(ctx, LinearRule.DELTA, q, k, v, both, out, null));
        expect("beta", () -> LinearRecurrence.run(ctx, LinearRule.DELTA, q, k, v, null, out, null));
        expect("beta", () -> LinearRecurrence.run(ctx, LinearRule.GATED_DELTA, q, k, v, gated, out, null));
        expect("beta", () -> LinearRecurrence.run(ctx, LinearRule.GATED, q, k, v, both, out, null));
        expect("beta", () -> LinearRecurrence.run(ctx, LinearRule.LINEAR, q, k, v, withBeta, out, null));
        // Shapes: a per-key decay is GATED's only.
        expect("decay", () -> LinearRecurrence.run(ctx, LinearRule.GATED, q, k, v,
                gated.toBuilder().decay(f32(B, N, HKV + 1)).build(), out, null));
        expect("decay", () -> LinearRecurrence.run(ctx, LinearRule.GATED, q, k, v,
                gated.toBuilder().decay(f32(B, N, HKV, DK + 1)).build(), out, null));
        expect("decay", () -> LinearRecurrence.run(ctx, LinearRule.GATED, q, k, v,
                gated.toBuilder().decay(f32(B, N)).build(), out, null));
        expect("decay", () -> LinearRecurrence.run(ctx, LinearRule.GATED_DELTA, q, k, v,
                both.toBuilder().decay(f32(B, N, HKV, DK)).build(), out, null));
        expect("decay", () -> LinearRecurrence.run(ctx, LinearRule.GATED, q, k, v,
                gated.toBuilder().decay(Tensor.allocate(arena, DType.F64, B, N, HKV)).build(), out, null));
        expect("beta", () -> LinearRecurrence.run(ctx, LinearRule.DELTA, q, k, v,
                withBeta.toBuilder().beta(f32(B, N, HKV, 1)).build(), out, null));
        expect("beta", () -> LinearRecurrence.run(ctx, LinearRule.DELTA, q, k, v,
                withBeta.toBuilder().beta(f32(B, N - 1, HKV)).build(), out, null));
        expect("stateIn", () -> LinearRecurrence.run(ctx, LinearRule.LINEAR, q, k, v,
                LinearRecurrenceOptions.builder().stateIn(f32(B, HKV, DV, DK)).build(), out, null));
    }

    @Test
    void recurrenceShapesAndOutputs() {
        expect("q", () -> LinearRecurrence.run(ctx, LinearRule.LINEAR, f32(B, N, H), k, v, null, out, null));
        expect("k", () -> LinearRecurrence.run(ctx, LinearRule.LINEAR, q, f32(B, N, 3, DK), v, null, out, null));
        expect("v", () -> LinearRecurrence.run(ctx, LinearRule.LINEAR, q, k, f32(B, N, HKV, 0), null,
                f32(B, N, H, 0), null));
        expect("out", () -> LinearRecurrence.run(ctx, LinearRule.LINEAR, q, k, v, null, f32(B, N, HKV, DV), null));
        expect("out", () -> LinearRecurrence.run(ctx, LinearRule.LINEAR, q, k, v, null, Tensor.wrap(out.segment()
                .asReadOnly(), DType.F32, out.shape()), null));
        expect("stateOut", () -> LinearRecurrence.run(ctx, LinearRule.LINEAR, q, k, v, null, out,
                f32(B, HKV, DV, DK)));
        LinearRecurrenceOptions both = LinearRecurrenceOptions.builder().decay(decay).beta(beta).stateIn(state)
                .build();
        expect("out", () -> LinearRecurrence.run(ctx, LinearRule.GATED_DELTA, q, k, v, both,
                Tensor.wrap(decay.segment(), DType.F32, new long[] {B, N, H, DV}, new long[] {0, 0, 0, 0}), null));
        expect("out", () -> LinearRecurrence.run(ctx, LinearRule.GATED_DELTA, q, k, v, both, f32(B, N, H, DV + 1),
                null));
        Tensor outOverDecay = Tensor.wrap(arena.allocate(4 * out.elementCount(), 64), DType.F32, out.shape());
        LinearRecurrenceOptions decayInOut = LinearRecurrenceOptions.builder()
                .decay(Tensor.wrap(outOverDecay.segment(), DType.F32, B, N, HKV)).build();
        expect("out", () -> LinearRecurrence.run(ctx, LinearRule.GATED, q, k, v, decayInOut, outOverDecay, null));
        Tensor stateOverBeta = f32(B, HKV, DK, DV);
        LinearRecurrenceOptions betaInState = LinearRecurrenceOptions.builder()
                .beta(Tensor.wrap(stateOverBeta.segment(), DType.F32, B, N, HKV)).build();
        expect("stateOut", () -> LinearRecurrence.run(ctx, LinearRule.DELTA, q, k, v, betaInState, out,
                stateOverBeta));
        expect("stateOut", () -> LinearRecurrence.run(ctx, LinearRule.GATED_DELTA, q, k, v, both, out, state));
        expect("out", () -> LinearRecurrence.run(ctx, LinearRule.GATED_DELTA, q, k, v, both, Tensor.wrap(
                state.segment(), DType.F32, B, N, H, 1), null));
    }

    @Test
    void recurrenceStep() {
        Tensor s = f32(B, HKV, DK, DV);
        LinearRecurrenceOptions o = LinearRecurrenceOptions.builder().decay(decay1).beta(beta1).stateIn(s).build();
        expect("q", () -> LinearRecurrence.step(ctx, LinearRule.GATED_DELTA, q, k1, v1, o, out1, s));
        expect("chunk", () -> LinearRecurrence.step(ctx, LinearRule.GATED_DELTA, q1, k1, v1, o.toBuilder().chunk(2)
                .build(), out1, s));
        expect("stateOut", () -> LinearRecurrence.step(ctx, LinearRule.GATED_DELTA, q1, k1, v1, o, out1, null));
        expect("decay", () -> LinearRecurrence.step(ctx, LinearRule.GATED_DELTA, q1, k1, v1, o.toBuilder()
                .decay(decay).build(), out1, s));
        expect("decay", () -> LinearRecurrence.step(ctx, LinearRule.GATED_DELTA, q1, k1, v1, o.toBuilder()
                .decay(f32(B, HKV + 1)).build(), out1, s));
        expect("beta", () -> LinearRecurrence.step(ctx, LinearRule.GATED_DELTA, q1, k1, v1, o.toBuilder()
                .beta(beta).build(), out1, s));
        expect("out", () -> LinearRecurrence.step(ctx, LinearRule.GATED_DELTA, q1, k1, v1, o, out, s));
        MemorySegment sBig = arena.allocate(4 * (s.elementCount() + 1), 64);
        expect("stateOut", () -> LinearRecurrence.step(ctx, LinearRule.GATED_DELTA, q1, k1, v1,
                o.toBuilder().stateIn(Tensor.wrap(sBig, DType.F32, s.shape())).build(), out1,
                Tensor.wrap(sBig.asSlice(4), DType.F32, s.shape())));
    }

    // ---- what only the library checks -------------------------------------------------------------------

    @Test
    void decayOutsideZeroOneAndNonFiniteBetaAreTheLibrarys() {
        for (float bad : new float[] {-0.25f, 1.5f, Float.NaN}) {
            Tensor d = uniform(arena, 20, 0.5, 1, B, N, HKV);
            d.segment().setAtIndex(ValueLayout.JAVA_FLOAT, 7, bad);
            libraryRefuses("decay", () -> LinearRecurrence.run(ctx, LinearRule.GATED, q, k, v,
                    LinearRecurrenceOptions.builder().decay(d).build(), out, null));
            Tensor dk = uniform(arena, 21, 0.5, 1, B, N, HKV, DK);
            dk.segment().setAtIndex(ValueLayout.JAVA_FLOAT, 11, bad);
            libraryRefuses("decay", () -> LinearRecurrence.run(ctx, LinearRule.GATED, q, k, v,
                    LinearRecurrenceOptions.builder().decay(dk).build(), out, null));
            Tensor d1 = uniform(arena, 22, 0.5, 1, B, HKV);
            d1.segment().setAtIndex(ValueLayout.JAVA_FLOAT, 1, bad);
            libraryRefuses("decay", () -> LinearRecurrence.step(ctx, LinearRule.GATED_DELTA, q1, k1, v1,
                    LinearRecurrenceOptions.builder().decay(d1).beta(beta1).build(), out1, f32(B, HKV, DK, DV)));
            Tensor d64 = LinearAttentionTest.f64(arena, d);
            libraryRefuses("decay", () -> LinearRecurrence.runReference(ctx, LinearRule.GATED, q, k, v,
                    LinearRecurrenceOptions.builder().decay(d64).build(), f32(B, N, H, DV), null));
        }
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            Tensor b = uniform(arena, 23, 0, 1, B, N, HKV);
            b.segment().setAtIndex(ValueLayout.JAVA_FLOAT, 3, bad);
            libraryRefuses("beta", () -> LinearRecurrence.run(ctx, LinearRule.DELTA, q, k, v,
                    LinearRecurrenceOptions.builder().beta(b).build(), out, null));
        }
        // The boundaries are accepted.
        Tensor edges = uniform(arena, 24, 0.5, 1, B, N, HKV);
        edges.segment().setAtIndex(ValueLayout.JAVA_FLOAT, 0, 0f);
        edges.segment().setAtIndex(ValueLayout.JAVA_FLOAT, 1, 1f);
        LinearRecurrence.run(ctx, LinearRule.GATED, q, k, v, LinearRecurrenceOptions.builder().decay(edges).build(),
                out, null);
    }

    private static void libraryRefuses(String name, Executable call) {
        PanamaxException e = assertThrows(PanamaxException.class, call);
        assertEquals(Status.INVALID_ARGUMENT, e.status(), e.getMessage());
        assertTrue(e.getMessage().contains(name), "message '" + e.getMessage() + "' should name " + name);
    }
}
