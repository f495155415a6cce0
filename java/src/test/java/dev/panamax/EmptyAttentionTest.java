package dev.panamax;

import static dev.panamax.TestSupport.poisoned;
import static dev.panamax.TestSupport.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.baseline.Baselines;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

/** Zero-length dimensions: an empty KV cache (Nk = 0), no queries (Nq = 0, total_q = 0), no batch (B = 0). */
class EmptyAttentionTest {
    @Test
    void noKeysGivesZeroOutputAndMinusInfinityLse() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            for (boolean causal : new boolean[] {false, true}) {
                Tensor q = random(arena, 1, 2, 5, 4, 24);
                Tensor k = Tensor.allocate(arena, DType.F32, 2, 0, 2, 24);
                Tensor v = Tensor.allocate(arena, DType.F32, 2, 0, 2, 24);
                AttentionOptions o = AttentionOptions.builder().causal(causal).build();
                Tensor out = poisoned(arena, DType.F32, q.shape());
                Tensor lse = poisoned(arena, DType.F32, 2, 4, 5);
                Attention.forward(ctx, q, k, v, o, out, lse);
                for (float x : out.toFloatArray()) assertEquals(0f, x, "out with no keys, causal=" + causal);
                for (float x : lse.toFloatArray()) assertEquals(Float.NEGATIVE_INFINITY, x, "lse with no keys");
                Tensor ref = poisoned(arena, DType.F64, q.shape());
                Attention.forwardReference(ctx, q, k, v, o, ref, null);
                for (double x : ref.toDoubleArray()) assertEquals(0.0, x, "reference out with no keys");
                Tensor base = poisoned(arena, DType.F32, q.shape());
                Baselines.attentionUnfused(ctx, q, k, v, o, base, null);
                for (float x : base.toFloatArray()) assertEquals(0f, x, "unfused out with no keys");
            }
        }
    }

    @Test
    void noQueriesWritesNothing() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor q = Tensor.allocate(arena, DType.F32, 2, 0, 4, 24);
            Tensor k = random(arena, 2, 2, 7, 2, 24);
            Tensor v = random(arena, 3, 2, 7, 2, 24);
            Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
            Tensor lse = Tensor.allocate(arena, DType.F32, Attention.lseShape(q, null));
            Attention.forward(ctx, q, k, v, AttentionOptions.builder().causal(true).build(), out, lse);
            assertEquals(0, out.elementCount());
            assertEquals(0, lse.elementCount());
            AttentionResult r = Attention.forwardWithLse(arena, q, k, v, null);
            assertEquals(0, r.out().elementCount());
            // No batch at all.
            Tensor q0 = Tensor.allocate(arena, DType.F32, 0, 3, 4, 24);
            Tensor k0 = Tensor.allocate(arena, DType.F32, 0, 3, 2, 24);
            Attention.forward(ctx, q0, k0, k0, null, Tensor.allocate(arena, DType.F32, q0.shape()), null);
            assertEquals(0, Attention.forward(arena, q0, k0, k0, null).elementCount());
        }
    }

    @Test
    void packedBatchWithNoQueriesAndEmptySequences() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            // total_q = 0: two sequences without queries.
            Tensor q = Tensor.allocate(arena, DType.F32, 0, 4, 16);
            Tensor k = random(arena, 4, 9, 2, 16);
            AttentionOptions o = AttentionOptions.builder()
                    .varlen(Tensor.fromInts(arena, new int[] {0, 0, 0}, 3), Tensor.fromInts(arena, new int[] {0, 4, 9}, 3))
                    .build();
            Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
            Attention.forward(ctx, q, k, k, o, out, Tensor.allocate(arena, DType.F32, 4, 0));
            // total_k = 0: every row sees no key.
            Tensor q2 = random(arena, 5, 6, 4, 16);
            Tensor k2 = Tensor.allocate(arena, DType.F32, 0, 2, 16);
            AttentionOptions o2 = AttentionOptions.builder()
                    .varlen(Tensor.fromInts(arena, new int[] {0, 2, 6}, 3), Tensor.fromInts(arena, new int[] {0, 0, 0}, 3))
                    .build();
            Tensor out2 = poisoned(arena, DType.F32, q2.shape());
            Tensor lse2 = poisoned(arena, DType.F32, 4, 6);
            Attention.forward(ctx, q2, k2, k2, o2, out2, lse2);
            for (float x : out2.toFloatArray()) assertEquals(0f, x);
            for (float x : lse2.toFloatArray()) assertEquals(Float.NEGATIVE_INFINITY, x);
        }
    }

    @Test
    void emptyTensorsNeedNoMemory() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, DType.F32, 3, 0, 5);
            assertEquals(0, t.elementCount());
            assertEquals(0, t.segment().byteSize());
            assertEquals(0, t.toFloatArray().length);
            assertTrue(t.isContiguous());
            Tensor w = Tensor.wrap(MemorySegment.ofAddress(0).reinterpret(0), DType.F32, 0, 4);
            assertEquals(0, w.elementCount());
            assertEquals(0, Tensor.fromFloats(arena, new float[0], 2, 0).elementCount());
            assertEquals(0, Tensor.fromInts(arena, new int[0], 0).toIntArray().length);
            assertEquals(0, Tensor.wrap(arena.allocate(8, 8), DType.F32, new long[] {0, 100}, new long[] {100, 1})
                    .toDoubleArray().length);
            assertEquals(t, t.fill(1f));
        }
    }
}
