package dev.panamax.bench.attention;

import dev.panamax.bench.peers.AttentionPeer.AttentionShape;

import java.util.List;

/**
 * The measurements for one N.
 *
 * @param shape      the problem
 * @param fusedMillis median time of the fused kernel
 * @param fusedBytes extra native memory of the fused kernel: workspace + out
 * @param naiveMillis median time of the naive kernel, NaN when skipped (N above the limit)
 * @param naiveBytes extra native memory of the naive kernel: workspace + out, or -1 when skipped
 * @param peers      one result per peer, in peer order
 */
public record SweepRow(AttentionShape shape, double fusedMillis, long fusedBytes, double naiveMillis, long naiveBytes,
                       List<PeerResult> peers) {

    public SweepRow {
        peers = List.copyOf(peers);
    }

    public double flops() {
        return Flops.attention(shape);
    }

    public double fusedGflops() {
        return Flops.gflopsPerSecond(flops(), fusedMillis);
    }

    public double naiveGflops() {
        return Flops.gflopsPerSecond(flops(), naiveMillis);
    }

    /** How many times faster fused is than naive; NaN when naive was skipped. */
    public double speedupOverNaive() {
        return naiveMillis / fusedMillis;
    }

    public boolean hasNaive() {
        return !Double.isNaN(naiveMillis);
    }
}
