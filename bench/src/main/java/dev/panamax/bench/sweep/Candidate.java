package dev.panamax.bench.sweep;

import java.util.function.DoubleSupplier;

/**
 * One implementation made ready on one shape (the fused call, a baseline or a
 * peer), or the reason it does not run there.
 *
 * @param action      what is timed
 * @param extraBytes  native memory it needs beyond the inputs (workspace + outputs), -1 if not known
 * @param maxAbsDiff  after the timed runs: its largest |output - fused output|; null when not compared
 * @param resource    released after the shape (a peer's session), or null
 * @param skipped     why it does not run on this shape, or null when it does
 * @param work        the work this call does when it differs from the shape's, NaN for the shape's
 */
public record Candidate(Timing.Action action, long extraBytes, DoubleSupplier maxAbsDiff, AutoCloseable resource,
                        String skipped, double work) implements AutoCloseable {

    /** A call whose output is not compared (the fused call itself, the baselines). */
    public static Candidate of(Timing.Action action, long extraBytes) {
        return new Candidate(action, extraBytes, null, null, null, Double.NaN);
    }

    /** A peer: compared with the fused output, holding {@code resource} until the shape is done. */
    public static Candidate compared(Timing.Action action, DoubleSupplier maxAbsDiff, AutoCloseable resource) {
        return new Candidate(action, -1, maxAbsDiff, resource, null, Double.NaN);
    }

    public static Candidate skipped(String why) {
        return new Candidate(null, -1, null, null, why, Double.NaN);
    }

    /** This candidate doing {@code work} instead of the shape's (its rate is computed from it). */
    public Candidate withWork(double work) {
        return new Candidate(action, extraBytes, maxAbsDiff, resource, skipped, work);
    }

    @Override
    public void close() throws Exception {
        if (resource != null) {
            resource.close();
        }
    }
}
