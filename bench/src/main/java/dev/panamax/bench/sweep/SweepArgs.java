package dev.panamax.bench.sweep;

/** Checks the sweeps make on their shape options, with messages that name the option. */
public final class SweepArgs {
    private SweepArgs() {
    }

    /** Throws "{@code name} must be positive, got {@code value}" unless value > 0. */
    public static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
