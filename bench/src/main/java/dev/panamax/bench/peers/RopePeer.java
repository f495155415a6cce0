package dev.panamax.bench.peers;

import dev.panamax.Tensor;

/**
 * Another RoPE implementation a JVM user could call instead of Panamax, timed in the same run on the same
 * input. Implementations live in {@code bench/src/peers} (Maven profile {@code peers}) and are found with
 * {@link java.util.ServiceLoader}, so the CLI builds without them.
 */
public interface RopePeer {

    /** A short name for tables, e.g. "onnxruntime RotaryEmbedding". */
    String name();

    /**
     * Builds whatever the peer needs for the shape (session, caches: outside the timing), reading x
     * {@code [B, N, H, D]} and writing out (both F32, contiguous) on each {@link Prepared#run()}, with the
     * rotation of {@code RopeConfig} style {@code shape.interleaved()}, rotary dim {@code shape.rotaryDim()},
     * theta 10000, no scaling, row n at position n.
     */
    Prepared prepare(RopeShape shape, Tensor x, Tensor out, int threads) throws Exception;

    /** One prepared call, run repeatedly by the benchmark. */
    interface Prepared extends AutoCloseable {
        void run() throws Exception;

        @Override
        void close() throws Exception;
    }

    /** The problem a peer is asked to solve. */
    record RopeShape(int batch, int seqLen, int heads, int headDim, int rotaryDim, boolean interleaved) {}
}
