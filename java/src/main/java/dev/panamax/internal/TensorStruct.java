package dev.panamax.internal;

import dev.panamax.Tensor;
import dev.panamax.internal.ffi.pmx_tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Writes {@code pmx_tensor} structs in place (inside a params struct) from {@link Tensor}s, without
 * allocating: plain stores at the offsets of the generated layout. Only {@code pmx_tensor}: each
 * operator's params layout lives in its own class (e.g. {@link AttentionParams}).
 */
public final class TensorStruct {
    /** {@code sizeof(pmx_tensor)}. */
    public static final long SIZE = pmx_tensor.sizeof();

    private static final long DATA = pmx_tensor.data$offset();
    private static final long DTYPE = pmx_tensor.dtype$offset();
    private static final long DEVICE = pmx_tensor.device$offset();
    private static final long DEVICE_INDEX = pmx_tensor.device_index$offset();
    private static final long NDIM = pmx_tensor.ndim$offset();
    private static final long SHAPE = pmx_tensor.shape$offset();
    private static final long STRIDE = pmx_tensor.stride$offset();
    private static final long BYTE_SIZE = pmx_tensor.byte_size$offset();
    private static final int MAX_DIMS = (int) pmx_tensor.shape$dimensions()[0];

    private TensorStruct() {}

    /**
     * Describes {@code t} (a CPU tensor) in the {@code pmx_tensor} at {@code base} inside {@code struct};
     * a null {@code t} writes an absent tensor (data NULL, ndim 0). The caller has checked that the
     * segment is native and alive.
     */
    public static void fill(MemorySegment struct, long base, Tensor t) {
        if (t == null) {
            clear(struct, base);
            return;
        }
        MemorySegment data = t.segment();
        int rank = t.rank();
        struct.set(ValueLayout.ADDRESS, base + DATA, data);
        struct.set(ValueLayout.JAVA_INT, base + DTYPE, t.dtype().code());
        struct.set(ValueLayout.JAVA_INT, base + DEVICE, 0);
        struct.set(ValueLayout.JAVA_INT, base + DEVICE_INDEX, 0);
        struct.set(ValueLayout.JAVA_INT, base + NDIM, rank);
        for (int i = 0; i < MAX_DIMS; i++) {
            boolean used = i < rank;
            struct.set(ValueLayout.JAVA_LONG, base + SHAPE + 8L * i, used ? t.shape(i) : 0L);
            struct.set(ValueLayout.JAVA_LONG, base + STRIDE + 8L * i, used ? t.stride(i) : 0L);
        }
        struct.set(ValueLayout.JAVA_LONG, base + BYTE_SIZE, data.byteSize());
    }

    /** Writes an absent tensor: all zero (data NULL, ndim 0). */
    public static void clear(MemorySegment struct, long base) {
        // Plain stores: a slice-and-fill would allocate a segment object per call.
        for (long off = 0; off + 8 <= SIZE; off += 8) {
            struct.set(ValueLayout.JAVA_LONG, base + off, 0L);
        }
    }
}
