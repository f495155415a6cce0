package dev.panamax.bench.peers;

import dev.panamax.Tensor;

/**
 * Another causal conv1d implementation a JVM user could call instead of Panamax's {@code CausalConv1d}, timed in
 * the same run on the same inputs. Implementations live in {@code bench/src/peers} (Maven profile
 * {@code peers}) and are found with {@link java.util.ServiceLoader}, so the CLI builds without them.
 */
public interface CausalConv1dPeer {

    /** A short name for tables, e.g. "onnxruntime CausalConvWithState". */
    String name();

    /**
     * Builds whatever the peer needs for the shape (session, inputs in its own layout: outside the timing),
     * reading x {@code [B, L, C]}, weight {@code [C, W]} and bias {@code [C]} (null when
     * {@code !shape.withBias()}), all F32 and contiguous, and computing
     * {@code out[b, t, c] = act(bias[c] + sum_k weight[c, k]·x[b, t - W + 1 + k, c])} with zeros before the
     * first token and {@code act} = SiLU when {@code shape.silu()}, as {@code CausalConv1d.run} does.
     */
    Prepared prepare(ConvShape shape, Tensor x, Tensor weight, Tensor bias, Tensor out, int threads)
            throws Exception;

    /** One prepared call, run repeatedly by the benchmark. */
    interface Prepared extends AutoCloseable {
        /** One call of the peer's operator: what the benchmark times. */
        void run() throws Exception;

        /**
         * Writes the last {@link #run()}'s result into {@code out} {@code [B, L, C]}: a peer that computes in
         * another layout converts here, outside the timing (called before any comparison).
         */
        void writeOutput();

        @Override
        void close() throws Exception;
    }

    /** The problem a peer is asked to solve: B sequences of L tokens, C channels, kernel width W. */
    record ConvShape(int batch, int seqLen, int channels, int width, boolean silu, boolean withBias) {
        public ConvShape {
            if (batch < 1 || seqLen < 1 || channels < 1 || width < 1) {
                throw new IllegalArgumentException("batch, seqLen, channels and width must be >= 1, got " + batch
                        + ", " + seqLen + ", " + channels + ", " + width);
            }
        }
    }
}
