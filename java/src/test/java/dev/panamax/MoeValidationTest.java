package dev.panamax;

import static dev.panamax.MoeTestSupport.D;
import static dev.panamax.MoeTestSupport.E;
import static dev.panamax.MoeTestSupport.H;
import static dev.panamax.MoeTestSupport.K;
import static dev.panamax.MoeTestSupport.T;
import static dev.panamax.MoeTestSupport.expect;
import static dev.panamax.MoeTestSupport.f64;
import static dev.panamax.MoeTestSupport.poisonedInts;
import static dev.panamax.SelectiveScanTest.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.MoeTestSupport.Layer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

/**
 * The checks around {@link MoE}'s downcalls: options and records refusing bad fields, the Java checks naming the
 * argument before any downcall (ranks, shapes, dtypes, presence, writability, aliasing, for the layer and each
 * stage), and what only the library can check (non-finite logits, indices, rows and offsets out of range, a weight
 * view that is no GEMM operand) refused with INVALID_ARGUMENT and a message naming it.
 */
class MoeValidationTest {
    @Test
    void optionsAndRecordsNameTheField() {
        expect("topK", () -> MoeRouterOptions.builder().build());
        expect("topK", () -> MoeRouterOptions.defaults(0));
        expect("topK", () -> MoeRouterOptions.defaults(MoE.MAX_EXPERTS + 1));
        expect("scoring", () -> MoeRouterOptions.builder().topK(1).scoring(null).build());
        expect("capacityFactor", () -> MoeRouterOptions.builder().topK(1).capacityFactor(-0.5).build());
        expect("capacityFactor", () -> MoeRouterOptions.builder().topK(1).capacityFactor(Double.POSITIVE_INFINITY).build());
        expect("noiseStd", () -> MoeRouterOptions.builder().topK(1).noiseStd(Double.NaN).build());
        expect("noiseStd", () -> MoeRouterOptions.builder().topK(1).noiseStd(-1).build());
        MoeRouterOptions o = MoeRouterOptions.builder().topK(3).scoring(MoeScoring.SIGMOID).renormalize(true)
                .capacityFactor(1.25).noiseStd(0.5).noiseSeed(-1).build();
        assertEquals(o, o.toBuilder().build());
        assertEquals(o.hashCode(), o.toBuilder().build().hashCode());
        assertFalse(o.equals(o.toBuilder().noiseSeed(1).build()));
        assertTrue(o.toString().contains("noiseSeed=18446744073709551615"), o.toString());
        MoeRouterOptions d = MoeRouterOptions.defaults(2);
        assertEquals(MoeScoring.SOFTMAX, d.scoring());
        assertFalse(d.renormalize());
        assertEquals(0.0, d.capacityFactor());
        assertEquals(0.0, d.noiseStd());
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, DType.F32, 1, 1, 1);
            expect("w1", () -> new ExpertWeights(null, t));
            expect("w2", () -> new ExpertWeights(t, null, t));
            expect("b3", () -> new ExpertWeights(t, t, null, null, null, t));
            assertTrue(new ExpertWeights(t, t, t).gated());
            assertFalse(new ExpertWeights(t, t).gated());
        }
    }

    @Test
    void javaChecksNameTheArgument() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            Layer in = Layer.of(arena, T, 900);
            MoeRouterOptions o = MoeRouterOptions.defaults(K);
            ExpertWeights w = in.weights(true, true);
            Tensor out = Tensor.allocate(arena, DType.F32, T, D);
            RouterOutputs r = RouterOutputs.allocate(arena, T, K, E);
            // Inputs: rank, shape, dtype, presence.
            expect("x", () -> MoE.forward(ctx, Tensor.allocate(arena, DType.F32, T, D, 1), in.gate, null, o, w, null, out, r));
            expect("x", () -> MoE.forward(ctx, poisonedInts(arena, DType.I32, T, D), in.gate, null, o, w, null, out, r));
            expect("x", () -> MoE.forward(ctx, f64(arena, in.x), in.gate, null, o, w, null, out, r));
            expect("gateWeight", () -> MoE.forward(ctx, in.x, Tensor.allocate(arena, DType.F32, D + 1, E), null, o, w, null,
                    out, r));
            expect("gateWeight", () -> MoE.forward(ctx, in.x, Tensor.allocate(arena, DType.F32, D, MoE.MAX_EXPERTS + 1),
                    null, o, w, null, out, r));
            expect("logits", () -> MoE.forward(ctx, in.x, null, null, o, w, null, out, r));
            expect("logits", () -> MoE.forward(ctx, in.x, in.gate, Tensor.allocate(arena, DType.F32, T, E + 1), o, w, null,
                    out, r));
            expect("x", () -> MoE.forward(ctx, in.x, null, Tensor.allocate(arena, DType.F32, T + 1, E), o, w, null, out, r));
            expect("x", () -> MoE.forward(ctx, null, null, Tensor.allocate(arena, DType.F32, T, E), o, w, null, out, r));
            expect("topK", () -> MoE.forward(ctx, in.x, in.gate, null, MoeRouterOptions.defaults((int) E + 1), w, null, out,
                    null));
            expect("options", () -> MoE.forward(ctx, in.x, in.gate, null, null, w, null, out, r));
            expect("weights", () -> MoE.forward(ctx, in.x, in.gate, null, o, null, null, out, r));
            expect("w1", () -> MoE.forward(ctx, in.x, in.gate, null, o, new ExpertWeights(Tensor.allocate(arena, DType.F32,
                    E, D + 1, H), in.w2), null, out, r));
            expect("w1", () -> MoE.forward(ctx, in.x, in.gate, null, o, new ExpertWeights(Tensor.allocate(arena, DType.F32,
                    E, D, 0), Tensor.allocate(arena, DType.F32, E, 0, D)), null, out, r));
            expect("w2", () -> MoE.forward(ctx, in.x, in.gate, null, o, new ExpertWeights(in.w1, Tensor.allocate(arena,
                    DType.F32, E, H + 1, D)), null, out, r));
            expect("w3", () -> MoE.forward(ctx, in.x, in.gate, null, o, new ExpertWeights(in.w1, in.w2, in.w2), null, out,
                    r));
            expect("b1", () -> MoE.forward(ctx, in.x, in.gate, null, o, new ExpertWeights(in.w1, in.w2, null, in.b2, null,
                    null), null, out, r));
            expect("b2", () -> MoE.forward(ctx, in.x, in.gate, null, o, new ExpertWeights(in.w1, in.w2, null, null, in.b1,
                    null), null, out, r));
            expect("b3", () -> MoE.forward(ctx, in.x, in.gate, null, o, new ExpertWeights(in.w1, in.w2, in.w3, null, null,
                    in.b2), null, out, r));
            // Outputs: shape, dtype, writability, aliasing.
            expect("out", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, Tensor.allocate(arena, DType.F32, T, D + 1),
                    r));
            expect("out", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, Tensor.allocate(arena, DType.F64, T, D),
                    r));
            expect("indices", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, out,
                    new RouterOutputs(Tensor.allocate(arena, DType.F32, T, K), null)));
            expect("indices", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, out,
                    new RouterOutputs(Tensor.allocate(arena, DType.I32, T, K + 1), null)));
            expect("weights", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, out,
                    new RouterOutputs(null, Tensor.allocate(arena, DType.I32, T, K))));
            expect("counts", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, out,
                    new RouterOutputs(null, null, Tensor.allocate(arena, DType.I32, E + 1), null, null, null)));
            expect("dropped", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, out,
                    new RouterOutputs(null, null, null, Tensor.allocate(arena, DType.I32, T, K), null, null)));
            expect("auxLoss", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, out,
                    new RouterOutputs(null, null, null, null, Tensor.allocate(arena, DType.F32, 2), null)));
            expect("zLoss", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, out,
                    new RouterOutputs(null, null, null, null, null, Tensor.allocate(arena, DType.I32, 1))));
            expect("out: is a read-only segment", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null,
                    Tensor.wrap(out.segment().asReadOnly(), DType.F32, T, D), r));
            expect("indices: is a read-only segment", () -> MoE.route(ctx, in.x, in.gate, null, o,
                    new RouterOutputs(Tensor.wrap(r.indices().segment().asReadOnly(), DType.I32, T, K), r.weights())));
            expect("logits: is a read-only segment", () -> MoE.route(ctx, in.x, in.gate,
                    Tensor.wrap(Tensor.allocate(arena, DType.F32, T, E).segment().asReadOnly(), DType.F32, T, E), o, r));
            expect("out: overlaps x", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, in.x, r));
            Tensor inW1 = Tensor.wrap(in.w1.segment(), DType.F32, T, K);
            expect("weights: overlaps w1", () -> MoE.forward(ctx, in.x, in.gate, null, o, w, null, out,
                    new RouterOutputs(null, inW1)));
            Tensor weightsOverIndices = Tensor.wrap(r.indices().segment(), DType.F32, T, K);
            expect("weights: overlaps indices", () -> MoE.route(ctx, in.x, in.gate, null, o,
                    new RouterOutputs(r.indices(), weightsOverIndices)));
            expect("logits: overlaps x", () -> MoE.route(ctx, in.x, in.gate, Tensor.wrap(in.x.segment(), DType.F32, T, E), o,
                    r));
            expect("indices: overlaps logits", () -> MoE.route(ctx, null, null, in.x, MoeRouterOptions.defaults(K),
                    new RouterOutputs(Tensor.wrap(in.x.segment(), DType.I32, T, K), r.weights())));
            expect("ctx", () -> MoE.forward(null, in.x, in.gate, null, o, w, null, out, r));
            expect("arena", () -> MoE.forward((Arena) null, in.x, in.gate, null, o, w, null));
            // Route: indices and weights required.
            expect("outputs", () -> MoE.route(ctx, in.x, in.gate, null, o, null));
            expect("indices", () -> MoE.route(ctx, in.x, in.gate, null, o, new RouterOutputs(null, r.weights())));
            expect("weights", () -> MoE.route(ctx, in.x, in.gate, null, o, new RouterOutputs(r.indices(), null)));

            // Permute.
            Tensor xs = Tensor.allocate(arena, DType.F32, T * K, D), off = Tensor.allocate(arena, DType.I32, E + 1);
            Tensor rows = Tensor.allocate(arena, DType.I32, T, K);
            expect("indices", () -> MoE.permute(ctx, in.x, r.weights(), null, E, xs, off, rows));
            expect("indices", () -> MoE.permute(ctx, in.x, Tensor.allocate(arena, DType.I32, T + 1, K), null, E, xs, off,
                    rows));
            expect("indices", () -> MoE.permute(ctx, in.x, Tensor.allocate(arena, DType.I32, T, E + 1), null, E,
                    Tensor.allocate(arena, DType.F32, T * (E + 1), D), off, Tensor.allocate(arena, DType.I32, T, E + 1)));
            expect("experts", () -> MoE.permute(ctx, in.x, r.indices(), null, 0, xs, off, rows));
            expect("experts", () -> MoE.permute(ctx, in.x, r.indices(), null, MoE.MAX_EXPERTS + 1, xs, off, rows));
            expect("dropped", () -> MoE.permute(ctx, in.x, r.indices(), r.indices(), E, xs, off, rows));
            expect("xSorted", () -> MoE.permute(ctx, in.x, r.indices(), null, E, Tensor.allocate(arena, DType.F32, T, D), off,
                    rows));
            expect("offsets", () -> MoE.permute(ctx, in.x, r.indices(), null, E, xs, Tensor.allocate(arena, DType.I32, E),
                    rows));
            expect("rows", () -> MoE.permute(ctx, in.x, r.indices(), null, E, xs, off, Tensor.allocate(arena, DType.F32, T,
                    K)));
            expect("xSorted: overlaps x", () -> MoE.permute(ctx, Tensor.wrap(in.w1.segment(), DType.F32, T, D),
                    r.indices(), null, E, Tensor.wrap(in.w1.segment().asSlice(64), DType.F32, T * K, D), off, rows));
            MemorySegment ints = arena.allocate(4 * (T * K + E + 1), 64);
            expect("rows: overlaps offsets", () -> MoE.permute(ctx, in.x, r.indices(), null, E, xs,
                    Tensor.wrap(ints, DType.I32, E + 1), Tensor.wrap(ints.asSlice(12), DType.I32, T, K)));
            expect("rows: is a read-only segment", () -> MoE.permute(ctx, in.x, r.indices(), null, E, xs, off,
                    Tensor.wrap(rows.segment().asReadOnly(), DType.I32, T, K)));

            // Experts.
            Tensor ys = Tensor.allocate(arena, DType.F32, T * K, D);
            expect("xSorted", () -> MoE.experts(ctx, Tensor.allocate(arena, DType.F32, T * K), off, w, null, ys));
            expect("w1", () -> MoE.experts(ctx, xs, off, new ExpertWeights(Tensor.allocate(arena, DType.F32, E, D + 1, H),
                    in.w2), null, ys));
            expect("offsets", () -> MoE.experts(ctx, xs, Tensor.allocate(arena, DType.I32, E), w, null, ys));
            expect("offsets", () -> MoE.experts(ctx, xs, Tensor.allocate(arena, DType.I64, E + 1), w, null, ys));
            expect("ySorted", () -> MoE.experts(ctx, xs, off, w, null, Tensor.allocate(arena, DType.F32, T * K + 1, D)));
            expect("ySorted: overlaps xSorted", () -> MoE.experts(ctx, xs, off, w, null, xs));
            expect("ySorted: overlaps w2", () -> MoE.experts(ctx, xs, off, w, null,
                    Tensor.wrap(in.w2.segment(), DType.F32, T * K, D)));
            expect("weights", () -> MoE.experts(ctx, xs, off, null, null, ys));

            // Combine.
            expect("rows", () -> MoE.combine(ctx, ys, r.weights(), r.weights(), out));
            expect("weights", () -> MoE.combine(ctx, ys, rows, Tensor.allocate(arena, DType.F32, T, K + 1), out));
            expect("out", () -> MoE.combine(ctx, ys, rows, r.weights(), Tensor.allocate(arena, DType.F32, T + 1, D)));
            expect("out: overlaps ySorted", () -> MoE.combine(ctx, ys, rows, r.weights(), Tensor.wrap(ys.segment(),
                    DType.F32, T, D)));
            expect("ySorted", () -> MoE.combine(ctx, Tensor.allocate(arena, DType.F32, T * K), rows, r.weights(), out));
        }
    }

    @Test
    void libraryRefusesWhatOnlyItCanCheck() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Layer in = Layer.of(arena, T, 1000);
            MoeRouterOptions o = MoeRouterOptions.defaults(K);
            ExpertWeights w = in.weights(true, true);
            RouterOutputs r = RouterOutputs.allocate(arena, T, K, E);
            Tensor out = Tensor.allocate(arena, DType.F32, T, D);
            Tensor logits = uniform(arena, 1001, -1, 1, T, E);
            logits.setFloat(Float.NaN, 7, 3);
            refused("token 7", () -> MoE.route(ctx, null, null, logits, o, r));
            refused("token 7", () -> MoE.forward(ctx, in.x, null, logits, o, w, null, out, r));
            logits.setFloat(Float.POSITIVE_INFINITY, 4, 0);
            refused("token 4", () -> MoE.forward(ctx, in.x, null, logits, o, w, null, out, null));
            refused("token 4", () -> MoE.forwardReference(ctx, in.x, null, logits, o, w, null,
                    Tensor.allocate(arena, DType.F64, T, D), null));
            Tensor xInf = uniform(arena, 1002, -1, 1, T, D);
            xInf.setFloat(Float.NEGATIVE_INFINITY, 11, 5);
            refused("token 11", () -> MoE.forward(ctx, xInf, in.gate, null, o, w, null, out, null));

            Tensor xs = Tensor.allocate(arena, DType.F32, T * K, D), off = Tensor.allocate(arena, DType.I32, E + 1);
            Tensor rows = Tensor.allocate(arena, DType.I32, T, K);
            int[] idx = new int[(int) (T * K)];
            idx[9] = (int) E;
            refused("indices", () -> MoE.permute(ctx, in.x, Tensor.fromInts(arena, idx, T, K), null, E, xs, off, rows));
            idx[9] = -1;
            refused("indices", () -> MoE.permute(ctx, in.x, Tensor.fromInts(arena, idx, T, K), null, E, xs, off, rows));

            int[] badRows = new int[(int) (T * K)];
            badRows[3] = (int) (T * K);
            Tensor ys = Tensor.allocate(arena, DType.F32, T * K, D);
            refused("rows", () -> MoE.combine(ctx, ys, Tensor.fromInts(arena, badRows, T, K), r.weights(), out));
            refused("offsets", () -> MoE.experts(ctx, xs, Tensor.fromInts(arena, new int[] {0, 3, 2, 4, 4, 4}, E + 1), w,
                    null, ys));
            refused("offsets", () -> MoE.experts(ctx, xs, Tensor.fromInts(arena, new int[] {0, 0, 0, 0, 0, (int) (T * K + 1)},
                    E + 1), w, null, ys));
            // A weight view with no unit stride on its last two dims: not a GEMM operand.
            Tensor wide = Tensor.allocate(arena, DType.F32, E, D, 2 * H);
            Tensor strided = Tensor.wrap(wide.segment(), DType.F32, new long[] {E, D, H}, new long[] {2 * D * H, 2 * H, 2});
            refused("w1", () -> MoE.forward(ctx, in.x, in.gate, null, o, new ExpertWeights(strided, in.w2), null, out, null));
        }
    }

    private static void refused(String messagePart, Runnable r) {
        PanamaxException e = assertThrows(PanamaxException.class, r::run);
        assertEquals(Status.INVALID_ARGUMENT, e.status(), e.toString());
        assertTrue(e.getMessage().contains(messagePart), "message '" + e.getMessage() + "' should mention " + messagePart);
    }
}
