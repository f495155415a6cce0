package dev.panamax;

import static dev.panamax.TestSupport.random;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Outputs that are read-only, overlap another argument, or write an element twice are refused. */
class AliasingTest {
    private Arena arena;
    private Context ctx;
    private Tensor q, k, v, out, lse;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        ctx = Context.create(1);
        q = random(arena, 1, 1, 8, 4, 16);
        k = random(arena, 2, 1, 8, 2, 16);
        v = random(arena, 3, 1, 8, 2, 16);
        out = Tensor.allocate(arena, DType.F32, 1, 8, 4, 16);
        lse = Tensor.allocate(arena, DType.F32, 1, 4, 8);
    }

    @AfterEach
    void tearDown() {
        ctx.close();
        arena.close();
    }

    private static void assertRefused(String messageStart, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(messageStart), "expected \"" + messageStart + "...\", got: " + e.getMessage());
    }

    @Test
    void readOnlyOutputs() {
        Tensor roOut = Tensor.wrap(out.segment().asReadOnly(), DType.F32, out.shape());
        Tensor roLse = Tensor.wrap(lse.segment().asReadOnly(), DType.F32, lse.shape());
        assertRefused("out: is a read-only segment", () -> Attention.forward(ctx, q, k, v, null, roOut, null));
        assertRefused("lse: is a read-only segment", () -> Attention.forward(ctx, q, k, v, null, out, roLse));
        MemorySegment ws = arena.allocate(1 << 20, 64).asReadOnly();
        assertRefused("workspace: is a read-only segment", () -> Attention.forward(ctx, q, k, v, null, out, null, ws));
        // Inputs may be read-only.
        Tensor roQ = Tensor.wrap(q.segment().asReadOnly(), DType.F32, q.shape());
        Attention.forward(ctx, roQ, k, v, null, out, lse);
    }

    @Test
    void outputsOverlappingInputs() {
        assertRefused("out: overlaps q", () -> Attention.forward(ctx, q, k, v, null, q, null));
        // Self-attention with q = k = v: out overlaps all three; q is named first.
        Tensor sq = random(arena, 4, 1, 8, 2, 16);
        assertRefused("out: overlaps q", () -> Attention.forward(ctx, sq, sq, sq, null, sq, null));
        // A view that starts inside v's span.
        Tensor vTail = Tensor.wrap(v.segment().asSlice(4 * 16), DType.F32, new long[] {1, 8, 4, 16},
                new long[] {0, 0, 0, 1});
        assertRefused("out: ", () -> Attention.forward(ctx, q, k, v, null, vTail, null));
        Tensor bigV = random(arena, 5, 1, 16, 4, 16);
        Tensor outInV = Tensor.wrap(bigV.segment().asSlice(4L * 16 * 4 * 4), DType.F32, out.shape());
        Tensor kv = Tensor.wrap(bigV.segment(), DType.F32, new long[] {1, 8, 2, 16}, new long[] {1024, 64, 16, 1});
        assertRefused("out: overlaps k", () -> Attention.forward(ctx, q, kv, kv, null, outInV, null));
        Tensor lseInK = Tensor.wrap(k.segment(), DType.F32, lse.shape());
        assertRefused("lse: overlaps k", () -> Attention.forward(ctx, q, k, v, null, out, lseInK));
    }

    @Test
    void outputsOverlappingEachOtherOrTheWorkspace() {
        Tensor lseInOut = Tensor.wrap(out.segment().asSlice(4L * 100), DType.F32, lse.shape());
        assertRefused("lse: overlaps out", () -> Attention.forward(ctx, q, k, v, null, out, lseInOut));
        MemorySegment ws = out.segment();
        assertRefused("workspace: overlaps out", () -> Attention.forward(ctx, q, k, v, null, out, null, ws));
        assertRefused("workspace: overlaps q", () -> Attention.forward(ctx, q, k, v, null, out, null, q.segment()));
        // Disjoint parts of one buffer are fine.
        MemorySegment both = arena.allocate(4L * (out.elementCount() + lse.elementCount()), 64);
        Tensor o2 = Tensor.wrap(both, DType.F32, out.shape());
        Tensor l2 = Tensor.wrap(both.asSlice(4L * out.elementCount()), DType.F32, lse.shape());
        Attention.forward(ctx, q, k, v, null, o2, l2);
    }

    @Test
    void outputsOverlappingCuSeqlens() {
        MemorySegment shared = arena.allocate(4L * (3 + 8 * 4 * 16), 64);
        Tensor cu = Tensor.wrap(shared, DType.I32, 3);
        cu.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, 1, 3);
        cu.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, 2, 8);
        Tensor cuK = Tensor.fromInts(arena, new int[] {0, 3, 8}, 3);
        AttentionOptions o = AttentionOptions.builder().varlen(cu, cuK).build();
        Tensor pq = random(arena, 6, 8, 4, 16), pk = random(arena, 7, 8, 2, 16);
        Tensor outOverCu = Tensor.wrap(shared, DType.F32, new long[] {8, 4, 16}, new long[] {64, 16, 1});
        assertRefused("out: overlaps cuSeqlensQ", () -> Attention.forward(ctx, pq, pk, pk, o, outOverCu, null));
        Tensor lseOverCuK = Tensor.wrap(cuK.segment(), DType.F32, new long[] {4, 8}, new long[] {0, 0});
        assertRefused("lse: ", () -> Attention.forward(ctx, pq, pk, pk, o,
                Tensor.allocate(arena, DType.F32, 8, 4, 16), lseOverCuK));
    }

    @Test
    void outputStridesThatWriteAnElementTwice() {
        MemorySegment s = arena.allocate(4L * 8 * 4 * 16, 64);
        Tensor zeroStride = Tensor.wrap(s, DType.F32, new long[] {1, 8, 4, 16}, new long[] {512, 0, 16, 1});
        assertRefused("out: strides", () -> Attention.forward(ctx, q, k, v, null, zeroStride, null));
        Tensor interleaved = Tensor.wrap(s, DType.F32, new long[] {1, 8, 4, 16}, new long[] {512, 64, 8, 1});
        assertRefused("out: strides", () -> Attention.forward(ctx, q, k, v, null, interleaved, null));
        Tensor lseZero = Tensor.wrap(lse.segment(), DType.F32, new long[] {1, 4, 8}, new long[] {32, 8, 0});
        assertRefused("lse: strides", () -> Attention.forward(ctx, q, k, v, null, out, lseZero));
        // Zero strides on dimensions of size 1, and transposed but one-to-one strides, are fine.
        Tensor okZero = Tensor.wrap(s, DType.F32, new long[] {1, 8, 4, 16}, new long[] {0, 64, 16, 1});
        Attention.forward(ctx, q, k, v, null, okZero, null);
        Tensor transposed = Tensor.wrap(s, DType.F32, new long[] {1, 8, 4, 16}, new long[] {512, 16, 128, 1});
        Attention.forward(ctx, q, k, v, null, transposed, null);
    }
}
