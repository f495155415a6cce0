package dev.panamax.bench.sweep;

/**
 * One implementation timed on one shape.
 *
 * @param millis     median time, NaN when not run
 * @param extraBytes native memory beyond the inputs, -1 when not known or not run
 * @param maxAbsDiff largest |output - fused output|, NaN when not compared
 * @param skipped    why it did not run (unsupported shape, size limit, failure), or null
 * @param work       the work this call did when it differs from the row's (a dense yardstick beside a
 *                   sparse call), NaN for the row's
 */
public record Measurement(double millis, long extraBytes, double maxAbsDiff, String skipped, double work) {

    public Measurement(double millis, long extraBytes, double maxAbsDiff, String skipped) {
        this(millis, extraBytes, maxAbsDiff, skipped, Double.NaN);
    }

    public static Measurement skipped(String why) {
        return new Measurement(Double.NaN, -1, Double.NaN, why);
    }

    public boolean ran() {
        return skipped == null;
    }
}
