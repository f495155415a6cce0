package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void allocateIsContiguousAlignedAndZero() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, DType.F32, 2, 3, 4);
            assertArrayEquals(new long[] {12, 4, 1}, t.strides());
            assertArrayEquals(new long[] {2, 3, 4}, t.shape());
            assertEquals(3, t.rank());
            assertEquals(24, t.elementCount());
            assertEquals(96, t.segment().byteSize());
            assertEquals(0, t.segment().address() % 64);
            assertTrue(t.isContiguous());
            for (float x : t.toFloatArray()) assertEquals(0f, x);
        }
    }

    @Test
    void shapeAndStridesAreCopies() {
        try (Arena arena = Arena.ofConfined()) {
            long[] shape = {2, 3};
            Tensor t = Tensor.allocate(arena, DType.F32, shape);
            shape[0] = 99;
            t.shape()[1] = 99;
            t.strides()[0] = 99;
            assertArrayEquals(new long[] {2, 3}, t.shape());
            assertArrayEquals(new long[] {3, 1}, t.strides());
        }
    }

    @Test
    void roundTripsAndStridedCopyOut() {
        try (Arena arena = Arena.ofConfined()) {
            float[] data = new float[24];
            for (int i = 0; i < data.length; i++) data[i] = i;
            Tensor t = Tensor.fromFloats(arena, data, 2, 3, 4);
            assertArrayEquals(data, t.toFloatArray());
            assertEquals(13f, t.getFloat(1, 0, 1));
            t.setFloat(-5f, 1, 0, 1);
            assertEquals(-5.0, t.getDouble(1, 0, 1));
            // Transposed view [4, 3] of the first 3x4 block: element (i, j) = data[j * 4 + i].
            Tensor tr = Tensor.wrap(t.segment(), DType.F32, new long[] {4, 3}, new long[] {1, 4});
            assertFalse(tr.isContiguous());
            float[] out = tr.toFloatArray();
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 3; j++) assertEquals(data[j * 4 + i], out[i * 3 + j]);
            }
            int[] ints = {0, 3, 3, 10};
            assertArrayEquals(ints, Tensor.fromInts(arena, ints, 4).toIntArray());
            // Broadcast (stride 0) views are allowed.
            Tensor row = Tensor.wrap(t.segment(), DType.F32, new long[] {5, 4}, new long[] {0, 1});
            assertEquals(20, row.toFloatArray().length);
        }
    }

    @Test
    void fillTouchesOnlyTheView() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor buf = Tensor.allocate(arena, DType.F32, 4, 5);
            Tensor view = Tensor.wrap(buf.segment(), DType.F32, new long[] {4, 3}, new long[] {5, 1});
            view.fill(7f);
            float[] all = buf.toFloatArray();
            for (int i = 0; i < all.length; i++) assertEquals(i % 5 < 3 ? 7f : 0f, all[i], "element " + i);
            Tensor d = Tensor.allocate(arena, DType.F64, 3).fill(Float.NaN);
            assertTrue(Double.isNaN(d.getDouble(2)));
        }
    }

    @Test
    void wrapRefusesBadViews() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(64, 64);
            assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(s, DType.F32, 4, 5));           // too small
            assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(s, DType.F32, 4, -1));          // negative dim
            assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(s.asSlice(2), DType.F32, 2));   // misaligned
            assertThrows(IllegalArgumentException.class,
                    () -> Tensor.wrap(s, DType.F32, new long[] {2, 2}, new long[] {2}));                   // strides rank
            assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(s, DType.F32, new long[9]));    // rank 9
            assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(null, DType.F32, 1));
            assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(s, null, 1));
            assertThrows(IllegalArgumentException.class, () -> Tensor.fromFloats(arena, new float[3], 2, 2));
            assertThrows(IllegalStateException.class, () -> Tensor.allocate(arena, DType.I32, 2).toFloatArray());
            assertThrows(IndexOutOfBoundsException.class, () -> Tensor.allocate(arena, DType.F32, 2).getFloat(2));
        }
        Arena closed = Arena.ofConfined();
        MemorySegment gone = closed.allocate(16);
        closed.close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.wrap(gone, DType.F32, 4));
        assertEquals("segment: its arena is closed", e.getMessage());
    }
}
