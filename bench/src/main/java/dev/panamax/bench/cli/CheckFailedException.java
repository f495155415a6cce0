package dev.panamax.bench.cli;

/** A correctness check failed (exit 1); the message says which and by how much. */
final class CheckFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CheckFailedException(String message) {
        super(message);
    }
}
