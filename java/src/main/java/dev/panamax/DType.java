package dev.panamax;

/**
 * Element types of a {@link Tensor}. The {@linkplain #code() codes} are the
 * {@code pmx_dtype} values of {@code panamax.h}.
 *
 * <p>The attention kernels take {@link #F32}; the float64 reference also takes
 * {@link #F64}; packed-varlen offsets ({@code cuSeqlens}) are {@link #I32}; block masks
 * and layouts are {@link #U8}.
 */
public enum DType {
    /** IEEE 754 binary32. */
    F32(1, 4),
    /** IEEE 754 binary16 (storage only in this version). */
    F16(2, 2),
    /** bfloat16 (storage only in this version). */
    BF16(3, 2),
    /** IEEE 754 binary64. */
    F64(4, 8),
    /** Signed 32-bit integer. */
    I32(5, 4),
    /** Signed 64-bit integer. */
    I64(6, 8),
    /** Unsigned 8-bit integer (block masks and layouts). */
    U8(7, 1);

    private static final DType[] BY_CODE = {null, F32, F16, BF16, F64, I32, I64, U8};

    private final int code;
    private final long byteSize;

    DType(int code, long byteSize) {
        this.code = code;
        this.byteSize = byteSize;
    }

    /** The {@code pmx_dtype} value of this type. */
    public int code() {
        return code;
    }

    /** Size of one element in bytes. */
    public long byteSize() {
        return byteSize;
    }

    /**
     * The type with this {@code pmx_dtype} code.
     *
     * @throws IllegalArgumentException for a code that names no type
     */
    public static DType of(int code) {
        if (code < 1 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("code: " + code + " is not a pmx_dtype value");
        }
        return BY_CODE[code];
    }
}
