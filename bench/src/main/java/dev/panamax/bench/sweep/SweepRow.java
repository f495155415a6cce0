package dev.panamax.bench.sweep;

import java.util.List;

/**
 * The measurements of one shape.
 *
 * @param size        the swept size
 * @param shapeValues the values of {@link SweepLayout#shapeColumns()}
 * @param work        the work of one call, in the layout's {@link WorkUnit}
 * @param fused       the fused call
 * @param baselines   one per {@link SweepLayout#baselineNames()}
 * @param peers       one per {@link SweepLayout#peerNames()}
 */
public record SweepRow(long size, List<String> shapeValues, double work, Measurement fused,
                       List<Measurement> baselines, List<Measurement> peers) {

    public SweepRow {
        shapeValues = List.copyOf(shapeValues);
        baselines = List.copyOf(baselines);
        peers = List.copyOf(peers);
    }

    /** How many times faster the fused call is than {@code other}; NaN when either did not run. */
    public double speedupOver(Measurement other) {
        return other.millis() / fused.millis();
    }
}
