package dev.panamax.bench.npy;

/**
 * A file that is not a .npy array this tool accepts (bad magic, unsupported
 * version or dtype, Fortran order, malformed header, wrong data length). An
 * {@link IllegalArgumentException} so the CLI reports it as bad input.
 */
public final class NpyFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super(message);
    }
}
