package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.internal.ffi.Panamax_h;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

/** The limits come from the header's constants, and the LSE shape rule is public. */
class LimitsTest {
    @Test
    void limitsAreTheHeaderConstants() {
        assertEquals(Panamax_h.PMX_MAX_DIMS(), Tensor.MAX_RANK);
        assertEquals(Panamax_h.PMX_MAX_THREADS(), Context.MAX_THREADS);
        assertEquals(Panamax_h.PMX_MAX_HEAD_DIM(), Attention.MAX_HEAD_DIM);
    }

    @Test
    void limitsAreEnforcedAtTheirValues() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor.allocate(arena, DType.F32, new long[Tensor.MAX_RANK]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Tensor.allocate(arena, DType.F32, new long[Tensor.MAX_RANK + 1]));
            assertTrue(e.getMessage().startsWith("shape: rank " + (Tensor.MAX_RANK + 1)), e.getMessage());
        }
        try (Context c = Context.create(Context.MAX_THREADS)) {
            assertEquals(Context.MAX_THREADS, c.numThreads());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Context.create(Context.MAX_THREADS + 1));
        assertTrue(e.getMessage().startsWith("numThreads: " + (Context.MAX_THREADS + 1)), e.getMessage());
    }

    @Test
    void lseShapeRule() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor dense = Tensor.allocate(arena, DType.F32, 2, 7, 3, 16);
            assertArrayEquals(new long[] {2, 3, 7}, Attention.lseShape(dense, null));
            assertArrayEquals(new long[] {2, 3, 7}, Attention.lseShape(dense, AttentionOptions.defaults()));
            Tensor packed = Tensor.allocate(arena, DType.F32, 11, 3, 16);
            Tensor cu = Tensor.fromInts(arena, new int[] {0, 4, 11}, 3);
            AttentionOptions varlen = AttentionOptions.builder().varlen(cu, cu).build();
            assertArrayEquals(new long[] {3, 11}, Attention.lseShape(packed, varlen));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Attention.lseShape(packed, null));
            assertTrue(e.getMessage().startsWith("q: expected rank 4"), e.getMessage());
            AttentionResult r = Attention.forwardWithLse(arena, TestSupport.random(arena, 1, 11, 3, 16),
                    TestSupport.random(arena, 2, 11, 3, 16), TestSupport.random(arena, 3, 11, 3, 16), varlen);
            assertArrayEquals(Attention.lseShape(packed, varlen), r.lse().shape());
        }
    }
}
