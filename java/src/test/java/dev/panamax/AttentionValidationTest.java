package dev.panamax;

import static dev.panamax.TestSupport.assertOutClose;
import static dev.panamax.TestSupport.poisoned;
import static dev.panamax.TestSupport.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad inputs: each gives the right exception with a message naming the argument, and afterwards a normal
 * call still works (the JVM is alive and the library still answers correctly).
 */
class AttentionValidationTest {
    private static Context ctx;
    private Arena arena;

    @BeforeAll
    static void open() {
        ctx = Context.create(2);
    }

    @AfterAll
    static void close() {
        ctx.close();
    }

    @org.junit.jupiter.api.BeforeEach
    void newArena() {
        arena = Arena.ofShared();
    }

    @AfterEach
    void normalCallStillWorks() {
        arena.close();
        try (Arena a = Arena.ofConfined()) {
            Tensor q = random(a, 1, 1, 9, 2, 16);
            Tensor k = random(a, 2, 1, 9, 2, 16);
            Tensor v = random(a, 3, 1, 9, 2, 16);
            Tensor out = poisoned(a, DType.F32, 1, 9, 2, 16);
            Tensor ref = poisoned(a, DType.F64, 1, 9, 2, 16);
            Attention.forward(ctx, q, k, v, null, out, null);
            Attention.forwardReference(ctx, q, k, v, null, ref, null);
            assertOutClose("after a bad call", out, ref);
        }
    }

    private Tensor f32(long... shape) {
        return random(arena, shape.length * 31L + shape[shape.length - 1], shape);
    }

    private static void assertIae(String name, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(name + ": "), "message should start with \"" + name + ": \": "
                + e.getMessage());
    }

    /** The usual dense forward on q [1, 8, 4, 16], k/v [1, 8, 2, 16], with one argument replaced. */
    private void dense(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse) {
        Attention.forward(ctx, q, k, v, null, out, lse);
    }

    @Test
    void nullTensors() {
        Tensor q = f32(1, 8, 4, 16), k = f32(1, 8, 2, 16), v = f32(1, 8, 2, 16), out = f32(1, 8, 4, 16);
        assertIae("q", () -> dense(null, k, v, out, null));
        assertIae("k", () -> dense(q, null, v, out, null));
        assertIae("v", () -> dense(q, k, null, out, null));
        assertIae("out", () -> dense(q, k, v, null, null));
        assertIae("ctx", () -> Attention.forward(null, q, k, v, null, out, null));
    }

    @Test
    void wrongRank() {
        Tensor k = f32(1, 8, 2, 16), v = f32(1, 8, 2, 16), out = f32(1, 8, 4, 16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dense(f32(8, 4, 16), k, v, out, null));
        assertTrue(e.getMessage().startsWith("q: expected rank 4"), e.getMessage());
        assertIae("lse", () -> dense(f32(1, 8, 4, 16), k, v, out, f32(4, 8)));
    }

    @Test
    void mismatchedShapes() {
        Tensor q = f32(1, 8, 4, 16), k = f32(1, 8, 2, 16), v = f32(1, 8, 2, 16), out = f32(1, 8, 4, 16);
        assertIae("v", () -> dense(q, k, f32(1, 7, 2, 16), out, null));
        assertIae("out", () -> dense(q, k, v, f32(1, 8, 4, 15), null));
        assertIae("k", () -> dense(q, f32(1, 8, 2, 8), f32(1, 8, 2, 8), out, null));  // D differs
        assertIae("k", () -> dense(q, f32(2, 8, 2, 16), f32(2, 8, 2, 16), out, null)); // B differs
        assertIae("lse", () -> dense(q, k, v, out, f32(1, 4, 7)));
        assertIae("lse", () -> dense(q, k, v, out, f32(1, 8, 4)));                     // [B, Nq, H] order
    }

    @Test
    void negativeStrideIsRefusedByWrap() {
        MemorySegment s = arena.allocate(4L * 8 * 4 * 16, 64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.wrap(s, DType.F32, new long[] {1, 8, 4, 16}, new long[] {512, -64, 16, 1}));
        assertTrue(e.getMessage().startsWith("strides:") && e.getMessage().contains("negative"), e.getMessage());
    }

    @Test
    void tooSmallSegmentIsRefusedByWrap() {
        MemorySegment s = arena.allocate(4L * 8 * 4 * 16 - 4, 64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.wrap(s, DType.F32, 1, 8, 4, 16));
        assertTrue(e.getMessage().startsWith("segment: too small"), e.getMessage());
        // A strided view reaching one element past the end.
        MemorySegment t = arena.allocate(4L * 100, 64);
        assertIae("segment", () -> Tensor.wrap(t, DType.F32, new long[] {10, 10}, new long[] {11, 1}));
        assertIae("segment", () -> Tensor.wrap(t.asSlice(4), DType.F32, new long[] {10, 10}, new long[] {10, 1}));
    }

    @Test
    void closedArena() {
        Tensor k = f32(1, 8, 2, 16), v = f32(1, 8, 2, 16), out = f32(1, 8, 4, 16);
        Arena other = Arena.ofConfined();
        Tensor q = random(other, 5, 1, 8, 4, 16);
        other.close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dense(q, k, v, out, null));
        assertEquals("q: its arena is closed", e.getMessage());
        Arena third = Arena.ofShared();
        Tensor out2 = Tensor.allocate(third, DType.F32, 1, 8, 4, 16);
        third.close();
        assertIae("out", () -> dense(f32(1, 8, 4, 16), k, v, out2, null));
    }

    @Test
    void wrongDtype() {
        Tensor q = f32(1, 8, 4, 16), k = f32(1, 8, 2, 16), v = f32(1, 8, 2, 16), out = f32(1, 8, 4, 16);
        Tensor q64 = Tensor.allocate(arena, DType.F64, 1, 8, 4, 16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dense(q64, k, v, out, null));
        assertTrue(e.getMessage().startsWith("q: dtype F64"), e.getMessage());
        assertIae("v", () -> dense(q, k, Tensor.allocate(arena, DType.I32, 1, 8, 2, 16), out, null));
        assertIae("lse", () -> dense(q, k, v, out, Tensor.allocate(arena, DType.F64, 1, 4, 8)));
        // The reference accepts F64, not I32.
        assertIae("out", () -> Attention.forwardReference(ctx, q, k, v, null,
                Tensor.allocate(arena, DType.I32, 1, 8, 4, 16), null));
        assertIae("cuSeqlensQ", () -> AttentionOptions.builder()
                .varlen(f32(3), Tensor.fromInts(arena, new int[] {0, 4, 8}, 3)).build());
    }

    @Test
    void headsNotAMultipleOfKvHeads() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dense(f32(1, 8, 6, 16), f32(1, 8, 4, 16), f32(1, 8, 4, 16), f32(1, 8, 6, 16), null));
        assertTrue(e.getMessage().startsWith("k: Hkv = 4 must divide q's H = 6"), e.getMessage());
    }

    @Test
    void headDimOutOfRange() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> dense(f32(1, 8, 4, 0), f32(1, 8, 2, 0), f32(1, 8, 2, 0), f32(1, 8, 4, 0), null));
        assertTrue(zero.getMessage().startsWith("q: head dim D = 0 must be in 1..512"), zero.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dense(f32(1, 2, 1, 513), f32(1, 2, 1, 513), f32(1, 2, 1, 513), f32(1, 2, 1, 513), null));
        assertTrue(e.getMessage().startsWith("q: head dim D = 513 must be in 1..512"), e.getMessage());
    }

    @Test
    void heapSegment() {
        float[] data = new float[8 * 4 * 16];
        Tensor q = Tensor.wrap(MemorySegment.ofArray(data), DType.F32, 1, 8, 4, 16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dense(q, f32(1, 8, 2, 16), f32(1, 8, 2, 16), f32(1, 8, 4, 16), null));
        assertTrue(e.getMessage().startsWith("q: is a heap segment"), e.getMessage());
    }

    @Test
    void onlyOneCuSeqlens() {
        Tensor cu = Tensor.fromInts(arena, new int[] {0, 4, 8}, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionOptions.builder().varlen(cu, null).build());
        assertTrue(e.getMessage().startsWith("cuSeqlensK:"), e.getMessage());
        assertIae("cuSeqlensQ", () -> AttentionOptions.builder().varlen(null, cu).build());
        assertIae("cuSeqlensK", () -> AttentionOptions.builder()
                .varlen(cu, Tensor.fromInts(arena, new int[] {0, 4, 6, 8}, 4)).build());
        assertIae("scale", () -> AttentionOptions.builder().scale(Float.NaN).build());
    }

    @Test
    void nonMonotonicCuSeqlensIsCaughtNatively() {
        Tensor q = f32(8, 4, 16), k = f32(8, 2, 16), v = f32(8, 2, 16), out = f32(8, 4, 16);
        AttentionOptions o = AttentionOptions.builder()
                .varlen(Tensor.fromInts(arena, new int[] {0, 5, 3, 8}, 4), Tensor.fromInts(arena, new int[] {0, 2, 4, 8}, 4))
                .build();
        PanamaxException e = assertThrows(PanamaxException.class, () -> Attention.forward(ctx, q, k, v, o, out, null));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        assertTrue(e.nativeMessage().startsWith("cu_seqlens_q:") && e.nativeMessage().contains("decreases"),
                e.nativeMessage());
        assertTrue(e.getMessage().startsWith("INVALID_ARGUMENT: cu_seqlens_q:"), e.getMessage());
        // Varlen tensors must be rank 3.
        assertIae("q", () -> Attention.forward(ctx, f32(1, 8, 4, 16), k, v, o, out, null));
    }

    @Test
    void workspaceChecks() {
        Tensor q = f32(1, 8, 4, 16), k = f32(1, 8, 2, 16), v = f32(1, 8, 2, 16), out = f32(1, 8, 4, 16);
        MemorySegment big = arena.allocate(1 << 20, 64);
        assertIae("workspace", () -> Attention.forward(ctx, q, k, v, null, out, null, big.asSlice(4)));
        assertIae("workspace", () -> Attention.forward(ctx, q, k, v, null, out, null,
                MemorySegment.ofArray(new long[1024])));
        long need = Attention.workspaceBytes(ctx, q, k, v, null);
        assertTrue(need > 64, "this shape needs a workspace, the library says " + need);
        PanamaxException e = assertThrows(PanamaxException.class,
                () -> Attention.forward(ctx, q, k, v, null, out, null, big.asSlice(0, need - 64)));
        assertEquals(Status.WORKSPACE_TOO_SMALL, e.status());
        assertTrue(e.nativeMessage().startsWith("workspace:"), e.nativeMessage());
    }

    @Test
    void closedContext() {
        Tensor q = f32(1, 8, 4, 16), k = f32(1, 8, 2, 16), v = f32(1, 8, 2, 16), out = f32(1, 8, 4, 16);
        Context c = Context.create(1);
        c.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Attention.forward(c, q, k, v, null, out, null));
        assertEquals("context: is closed", e.getMessage());
    }
}
