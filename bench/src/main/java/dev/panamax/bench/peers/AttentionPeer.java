package dev.panamax.bench.peers;

import dev.panamax.Tensor;

/**
 * Another attention implementation a JVM user could call instead of Panamax,
 * timed in the same run on the same inputs. Implementations live in
 * {@code bench/src/peers} (Maven profile {@code peers}) and are found with
 * {@link java.util.ServiceLoader}, so the CLI builds without them.
 */
public interface AttentionPeer {

    /** A short name for tables, e.g. "onnxruntime MultiHeadAttention". */
    String name();

    /** Whether this peer can run the shape (e.g. some ops are non-causal only). */
    boolean supports(AttentionShape shape);

    /**
     * Builds whatever the peer needs (session, model) for the shape, reading
     * q [B, N, H, D], k and v [B, N, Hkv, D] and writing out [B, N, H, D]
     * (all F32, contiguous) on each {@link Prepared#run()}.
     */
    Prepared prepare(AttentionShape shape, Tensor q, Tensor k, Tensor v, Tensor out, int threads) throws Exception;

    /** One prepared forward pass, run repeatedly by the benchmark. */
    interface Prepared extends AutoCloseable {
        void run() throws Exception;

        @Override
        void close() throws Exception;
    }

    /** The problem a peer is asked to solve. */
    record AttentionShape(int batch, int seqLen, int heads, int kvHeads, int headDim, boolean causal) {}
}
