package dev.panamax;

import dev.panamax.internal.ffi.Panamax_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * An immutable, strided view of memory: a {@link MemorySegment} plus a
 * {@link DType}, a shape and strides. Creating one never copies the data
 * ({@link #fromFloats} and {@link #fromInts} excepted), and native calls read
 * and write the segment in place.
 *
 * <p>Element {@code (i0, i1, ...)} lives at element offset
 * {@code i0*stride(0) + i1*stride(1) + ...} from the start of the segment;
 * strides are in <em>elements</em>, not bytes, and never negative (a stride of
 * 0 broadcasts). Ranks are 1 to {@link #MAX_RANK}; a dimension may be 0 (an
 * empty KV cache, an empty batch): such a tensor has no elements and needs no
 * memory. At construction the view is checked against its segment: the segment
 * must be alive, aligned to the element size, and hold the largest offset the
 * view can reach plus one element (nothing for an empty view).
 *
 * <p>Ownership: the caller's {@link Arena} owns the memory. A tensor whose arena
 * is closed can no longer be used (calls refuse it with
 * "<i>name</i>: its arena is closed"). A native call holds the arenas of its
 * tensors open while it runs: closing one from another thread meanwhile throws
 * {@link IllegalStateException}.
 *
 * <p>Threading: a tensor is immutable and may be shared between threads; the
 * memory it views is not synchronised (two calls writing the same output race).
 */
public final class Tensor {
    /** Largest rank ({@code PMX_MAX_DIMS} of the native library). */
    public static final int MAX_RANK = Panamax_h.PMX_MAX_DIMS();

    private final MemorySegment segment;
    private final DType dtype;
    private final long[] shape;
    private final long[] strides;
    private final long elementCount;

    private Tensor(MemorySegment segment, DType dtype, long[] shape, long[] strides, long elementCount) {
        this.segment = segment;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.elementCount = elementCount;
    }

    // ---- creation ---------------------------------------------------------------

    /**
     * Allocates a contiguous (row-major), 64-byte aligned, zero-filled tensor in {@code arena}.
     *
     * @param arena owns the memory; the tensor is usable until it closes
     * @param shape 1 to {@link #MAX_RANK} dimensions, each at least 0
     * @throws IllegalArgumentException for a null argument or a bad shape (the message names it)
     */
    public static Tensor allocate(Arena arena, DType dtype, long... shape) {
        if (arena == null) throw new IllegalArgumentException("arena: must not be null");
        requireDType(dtype);
        long[] s = checkShape(shape);
        long count = elementCountOf(s);
        long bytes;
        try {
            bytes = Math.multiplyExact(count, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape: " + Arrays.toString(s) + " overflows 64-bit byte sizes");
        }
        MemorySegment segment = arena.allocate(bytes, 64);
        return new Tensor(segment, dtype, s, contiguousStrides(s), count);
    }

    /**
     * Wraps {@code segment} as a contiguous (row-major) tensor, without copying.
     *
     * @throws IllegalArgumentException when the segment is null, closed, misaligned or too small, or the
     *                                  shape is bad (the message names the argument)
     */
    public static Tensor wrap(MemorySegment segment, DType dtype, long... shape) {
        long[] s = checkShape(shape);
        return wrapChecked(segment, dtype, s, contiguousStrides(s));
    }

    /**
     * Wraps {@code segment} as a strided tensor, without copying: for example one of q, k, v inside a
     * fused QKV buffer (wrap {@code segment.asSlice(offset)} to start elsewhere than at its base).
     *
     * @param strides in elements, one per dimension, each {@code >= 0}
     * @throws IllegalArgumentException when the segment is null, closed, misaligned or too small for
     *                                  the largest offset the view reaches, when a stride is negative,
     *                                  or the shape is bad (the message names the argument)
     */
    public static Tensor wrap(MemorySegment segment, DType dtype, long[] shape, long[] strides) {
        long[] s = checkShape(shape);
        if (strides == null) throw new IllegalArgumentException("strides: must not be null");
        if (strides.length != s.length) {
            throw new IllegalArgumentException("strides: has " + strides.length + " entries but shape has rank "
                    + s.length);
        }
        long[] st = strides.clone();
        for (int i = 0; i < st.length; i++) {
            if (st[i] < 0) {
                throw new IllegalArgumentException("strides: stride[" + i + "] = " + st[i]
                        + " is negative (negative strides are not supported)");
            }
        }
        return wrapChecked(segment, dtype, s, st);
    }

    /**
     * Copies {@code data} into a new contiguous F32 tensor allocated in {@code arena}.
     *
     * @throws IllegalArgumentException when the shape's element count differs from {@code data.length}
     */
    public static Tensor fromFloats(Arena arena, float[] data, long... shape) {
        if (data == null) throw new IllegalArgumentException("data: must not be null");
        Tensor t = allocate(arena, DType.F32, checkCount(data.length, shape));
        MemorySegment.copy(data, 0, t.segment, ValueLayout.JAVA_FLOAT, 0, data.length);
        return t;
    }

    /**
     * Copies {@code data} into a new contiguous I32 tensor allocated in {@code arena} (for example
     * {@code cuSeqlens}).
     *
     * @throws IllegalArgumentException when the shape's element count differs from {@code data.length}
     */
    public static Tensor fromInts(Arena arena, int[] data, long... shape) {
        if (data == null) throw new IllegalArgumentException("data: must not be null");
        Tensor t = allocate(arena, DType.I32, checkCount(data.length, shape));
        MemorySegment.copy(data, 0, t.segment, ValueLayout.JAVA_INT, 0, data.length);
        return t;
    }

    /**
     * Copies {@code data} into a new contiguous U8 tensor allocated in {@code arena} (for example a block
     * mask; each byte is read as unsigned).
     *
     * @throws IllegalArgumentException when the shape's element count differs from {@code data.length}
     */
    public static Tensor fromBytes(Arena arena, byte[] data, long... shape) {
        if (data == null) throw new IllegalArgumentException("data: must not be null");
        Tensor t = allocate(arena, DType.U8, checkCount(data.length, shape));
        MemorySegment.copy(data, 0, t.segment, ValueLayout.JAVA_BYTE, 0, data.length);
        return t;
    }

    // ---- accessors --------------------------------------------------------------

    /** The viewed segment (the whole of it; the view starts at its base address). */
    public MemorySegment segment() {
        return segment;
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** Number of dimensions, 1 to {@link #MAX_RANK}. */
    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code dim}. */
    public long shape(int dim) {
        return shape[dim];
    }

    /** Stride of dimension {@code dim}, in elements. */
    public long stride(int dim) {
        return strides[dim];
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** A copy of the strides (in elements). */
    public long[] strides() {
        return strides.clone();
    }

    /** The product of the shape. */
    public long elementCount() {
        return elementCount;
    }

    /** Whether the strides are row-major contiguous (dimensions of size 1 may have any stride). */
    public boolean isContiguous() {
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    // ---- copying out and element access (convenience, not for hot loops) --------

    /**
     * Copies the elements out in logical (row-major) order, whatever the strides.
     * F32 is copied as is; F64 is narrowed.
     *
     * @throws IllegalStateException for another dtype, or more than {@code Integer.MAX_VALUE - 8} elements
     */
    public float[] toFloatArray() {
        int n = arrayLength("toFloatArray");
        float[] out = new float[n];
        if (dtype == DType.F32 && isContiguous()) {
            MemorySegment.copy(segment, ValueLayout.JAVA_FLOAT, 0, out, 0, n);
            return out;
        }
        requireFloating("toFloatArray");
        Cursor c = new Cursor();
        for (int i = 0; i < n; i++, c.next()) {
            out[i] = (float) readDouble(c.offset);
        }
        return out;
    }

    /**
     * Copies the elements out in logical (row-major) order as doubles (F32 widened, F64 as is).
     *
     * @throws IllegalStateException for another dtype, or more than {@code Integer.MAX_VALUE - 8} elements
     */
    public double[] toDoubleArray() {
        int n = arrayLength("toDoubleArray");
        requireFloating("toDoubleArray");
        double[] out = new double[n];
        Cursor c = new Cursor();
        for (int i = 0; i < n; i++, c.next()) {
            out[i] = readDouble(c.offset);
        }
        return out;
    }

    /**
     * Copies the elements of a U8 tensor out in logical (row-major) order.
     *
     * @throws IllegalStateException for another dtype, or more than {@code Integer.MAX_VALUE - 8} elements
     */
    public byte[] toByteArray() {
        int n = arrayLength("toByteArray");
        if (dtype != DType.U8) throw new IllegalStateException("toByteArray: dtype is " + dtype + ", not U8");
        byte[] out = new byte[n];
        Cursor c = new Cursor();
        for (int i = 0; i < n; i++, c.next()) {
            out[i] = segment.get(ValueLayout.JAVA_BYTE, c.offset);
        }
        return out;
    }

    /**
     * Copies the elements of an I32 tensor out in logical (row-major) order.
     *
     * @throws IllegalStateException for another dtype, or more than {@code Integer.MAX_VALUE - 8} elements
     */
    public int[] toIntArray() {
        int n = arrayLength("toIntArray");
        if (dtype != DType.I32) throw new IllegalStateException("toIntArray: dtype is " + dtype + ", not I32");
        int[] out = new int[n];
        Cursor c = new Cursor();
        for (int i = 0; i < n; i++, c.next()) {
            out[i] = segment.getAtIndex(ValueLayout.JAVA_INT, c.offset);
        }
        return out;
    }

    /**
     * The element at {@code index} of an F32 or F64 tensor, as a float (slow: for tests and examples).
     *
     * @throws IndexOutOfBoundsException when the index has the wrong rank or is out of range
     */
    public float getFloat(long... index) {
        requireFloating("getFloat");
        return (float) readDouble(offsetOf(index));
    }

    /**
     * Sets the element at {@code index} of an F32 or F64 tensor (slow: for tests and examples).
     *
     * @throws IndexOutOfBoundsException when the index has the wrong rank or is out of range
     */
    public void setFloat(float value, long... index) {
        requireFloating("setFloat");
        writeDouble(offsetOf(index), value);
    }

    /**
     * The element at {@code index} of an F32 or F64 tensor, as a double (slow: for tests and examples).
     *
     * @throws IndexOutOfBoundsException when the index has the wrong rank or is out of range
     */
    public double getDouble(long... index) {
        requireFloating("getDouble");
        return readDouble(offsetOf(index));
    }

    /**
     * Sets the element at {@code index} of an F32 (rounded) or F64 tensor.
     *
     * @throws IndexOutOfBoundsException when the index has the wrong rank or is out of range
     */
    public void setDouble(double value, long... index) {
        requireFloating("setDouble");
        writeDouble(offsetOf(index), value);
    }

    /**
     * Sets every element of this F32 or F64 view to {@code value} (elements outside the view, for
     * example padding between strided rows, are untouched).
     *
     * @return this tensor
     */
    public Tensor fill(float value) {
        requireFloating("fill");
        Cursor c = new Cursor();
        for (long i = 0; i < elementCount; i++, c.next()) {
            writeDouble(c.offset, value);
        }
        return this;
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + ", shape=" + Arrays.toString(shape) + ", strides=" + Arrays.toString(strides)
                + ", " + (segment.isNative() ? "native" : "heap") + " segment of " + segment.byteSize() + " bytes]";
    }

    // ---- internals ----------------------------------------------------------------

    private static Tensor wrapChecked(MemorySegment segment, DType dtype, long[] shape, long[] strides) {
        if (segment == null) throw new IllegalArgumentException("segment: must not be null");
        requireDType(dtype);
        if (!segment.scope().isAlive()) throw new IllegalArgumentException("segment: its arena is closed");
        long esize = dtype.byteSize();
        if (segment.maxByteAlignment() < esize) {
            throw new IllegalArgumentException("segment: not aligned to the " + esize + "-byte elements of "
                    + dtype + " (maximum alignment " + segment.maxByteAlignment() + ")");
        }
        long count = elementCountOf(shape);
        long needed = count == 0 ? 0 : extentBytes(shape, strides, esize);
        if (needed > segment.byteSize()) {
            throw new IllegalArgumentException("segment: too small: the view " + Arrays.toString(shape)
                    + " with strides " + Arrays.toString(strides) + " needs " + needed + " bytes, the segment has "
                    + segment.byteSize());
        }
        return new Tensor(segment, dtype, shape, strides, count);
    }

    /** Bytes from the first element of a non-empty view to the end of its last. */
    private static long extentBytes(long[] shape, long[] strides, long esize) {
        try {
            long maxOffset = 0;
            for (int i = 0; i < shape.length; i++) {
                maxOffset = Math.addExact(maxOffset, Math.multiplyExact(shape[i] - 1, strides[i]));
            }
            return Math.multiplyExact(Math.addExact(maxOffset, 1), esize);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape, strides: the view's extent overflows 64-bit byte offsets");
        }
    }

    private static void requireDType(DType dtype) {
        if (dtype == null) throw new IllegalArgumentException("dtype: must not be null");
    }

    private static long[] checkShape(long[] shape) {
        if (shape == null) throw new IllegalArgumentException("shape: must not be null");
        if (shape.length < 1 || shape.length > MAX_RANK) {
            throw new IllegalArgumentException("shape: rank " + shape.length + " is outside 1.." + MAX_RANK);
        }
        long[] s = shape.clone();
        for (int i = 0; i < s.length; i++) {
            if (s[i] < 0) {
                throw new IllegalArgumentException("shape: shape[" + i + "] = " + s[i]
                        + " is negative (a dimension may be 0 or more)");
            }
        }
        elementCountOf(s);
        return s;
    }

    private static long elementCountOf(long[] shape) {
        long n = 1;
        try {
            for (long d : shape) n = Math.multiplyExact(n, d);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape: " + Arrays.toString(shape) + " overflows 64-bit element counts");
        }
        return n;
    }

    private static long[] checkCount(int length, long[] shape) {
        long[] s = checkShape(shape);
        long n = elementCountOf(s);
        if (n != length) {
            throw new IllegalArgumentException("shape: " + Arrays.toString(s) + " has " + n
                    + " elements but data has " + length);
        }
        return s;
    }

    private static long[] contiguousStrides(long[] shape) {
        long[] st = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = s;
            s *= shape[d];
        }
        return st;
    }

    private int arrayLength(String what) {
        if (elementCount > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(what + ": " + elementCount + " elements do not fit a Java array");
        }
        return (int) elementCount;
    }

    private void requireFloating(String what) {
        if (dtype != DType.F32 && dtype != DType.F64) {
            throw new IllegalStateException(what + ": dtype is " + dtype + ", not F32 or F64");
        }
    }

    private long offsetOf(long[] index) {
        if (index == null || index.length != shape.length) {
            throw new IndexOutOfBoundsException("index: needs " + shape.length + " coordinates, got "
                    + (index == null ? "null" : Arrays.toString(index)));
        }
        long off = 0;
        for (int d = 0; d < shape.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d]) {
                throw new IndexOutOfBoundsException("index: " + Arrays.toString(index) + " is outside shape "
                        + Arrays.toString(shape));
            }
            off += index[d] * strides[d];
        }
        return off;
    }

    private double readDouble(long elementOffset) {
        return dtype == DType.F32 ? segment.getAtIndex(ValueLayout.JAVA_FLOAT, elementOffset)
                : segment.getAtIndex(ValueLayout.JAVA_DOUBLE, elementOffset);
    }

    private void writeDouble(long elementOffset, double value) {
        if (dtype == DType.F32) segment.setAtIndex(ValueLayout.JAVA_FLOAT, elementOffset, (float) value);
        else segment.setAtIndex(ValueLayout.JAVA_DOUBLE, elementOffset, value);
    }

    /** Walks the view in row-major order, tracking the element offset. */
    private final class Cursor {
        final long[] index = new long[shape.length];
        long offset;

        void next() {
            for (int d = shape.length - 1; d >= 0; d--) {
                index[d]++;
                offset += strides[d];
                if (index[d] < shape[d]) return;
                offset -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
    }
}
