package dev.panamax.bench.cli;

/** The exit statuses of the {@code panamax} command. */
public final class ExitCodes {
    /** Done, and any check passed. */
    public static final int OK = 0;
    /**
     * The library failed (a PanamaxException other than INVALID_ARGUMENT: unsupported, out of memory,
     * internal or device error), a correctness check failed, or an unexpected error.
     */
    public static final int FAILURE = 1;
    /**
     * Bad input: unknown or malformed option, missing file, bad .npy, invalid shapes or arguments,
     * including what only the native library detects (status INVALID_ARGUMENT, e.g. cu_seqlens contents).
     */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
