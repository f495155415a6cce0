package dev.panamax;

import java.util.Objects;

/**
 * A failure reported by the native library (or the failure to load it): the
 * {@link Status} it returned and the message it recorded.
 *
 * <p>Argument errors that Java can see are thrown earlier, before any native
 * call, as {@link IllegalArgumentException}; this exception carries what only
 * the library can check (for example the contents of {@code cuSeqlens}) and
 * runtime conditions (no device, workspace too small, out of memory).
 */
public final class PanamaxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Status status;
    private final String nativeMessage;

    /**
     * @param status        what went wrong; not {@link Status#SUCCESS}
     * @param nativeMessage the library's message (for example
     *                      {@code "cu_seqlens_q: decreases at index 2 (3 < 5)"})
     */
    public PanamaxException(Status status, String nativeMessage) {
        super(Objects.requireNonNull(status, "status").name() + ": " + nativeMessage);
        this.status = status;
        this.nativeMessage = nativeMessage == null ? "" : nativeMessage;
    }

    /** The status the library returned. */
    public Status status() {
        return status;
    }

    /** The library's own message, without the status prefix. */
    public String nativeMessage() {
        return nativeMessage;
    }
}
