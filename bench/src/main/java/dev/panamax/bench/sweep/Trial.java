package dev.panamax.bench.sweep;

/**
 * One shape's inputs, allocated by {@link OpSweep#prepare}, and the
 * implementations to time on them. The fused call is timed first, so a
 * peer's comparison can read the fused output.
 */
public interface Trial {

    Candidate fused() throws Exception;

    /** Baseline {@code index} of {@link SweepLayout#baselineNames()}. */
    Candidate baseline(int index) throws Exception;

    /** Peer {@code index} of {@link SweepLayout#peerNames()}. */
    Candidate peer(int index) throws Exception;
}
