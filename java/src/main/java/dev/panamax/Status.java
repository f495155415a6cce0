package dev.panamax;

/**
 * Outcome of a native call: the {@code pmx_status} values of {@code panamax.h}
 * (same order, same {@linkplain #code() codes}). Everything but
 * {@link #SUCCESS} reaches Java as a {@link PanamaxException}.
 */
public enum Status {
    /** The call succeeded. */
    SUCCESS(0),
    /** Null, rank, shape, stride, dtype or size problem found by the library. */
    INVALID_ARGUMENT(1),
    /** A valid request this build cannot run (for example an F16 tensor on the CPU kernel). */
    UNSUPPORTED(2),
    /** The library could not allocate memory. */
    OUT_OF_MEMORY(3),
    /** A bug in Panamax: please report it with the message. */
    INTERNAL_ERROR(4),
    /** A CUDA driver or runtime failure. */
    DEVICE_ERROR(5),
    /** No device, no driver, backend absent, or the native library could not be loaded. */
    UNAVAILABLE(6),
    /** The workspace passed is smaller than the operator's workspace-size function reported. */
    WORKSPACE_TOO_SMALL(7);

    // values() copies its array on every call; the error path reads this one.
    private static final Status[] BY_CODE = values();

    private final int code;

    Status(int code) {
        this.code = code;
    }

    /** The {@code pmx_status} value. */
    public int code() {
        return code;
    }

    /**
     * The status with this {@code pmx_status} code.
     *
     * @throws IllegalArgumentException for a code this version does not know
     */
    public static Status of(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("code: " + code + " is not a pmx_status value known to this version");
        }
        return BY_CODE[code];
    }

    /** Like {@link #of(int)}, but maps unknown codes (a newer library) to {@link #INTERNAL_ERROR}. */
    static Status ofOrInternal(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : INTERNAL_ERROR;
    }
}
