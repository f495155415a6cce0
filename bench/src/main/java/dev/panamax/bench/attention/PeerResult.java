package dev.panamax.bench.attention;

/**
 * One peer on one shape.
 *
 * @param name       the peer's table name
 * @param millis     median time, NaN when not run
 * @param maxAbsDiff largest |peer out - Panamax out|, NaN when not run
 * @param skipped    why it did not run (unsupported shape, failure), or null
 */
public record PeerResult(String name, double millis, double maxAbsDiff, String skipped) {

    static PeerResult skipped(String name, String why) {
        return new PeerResult(name, Double.NaN, Double.NaN, why);
    }
}
