package dev.panamax.bench.peers;

import dev.panamax.Tensor;

/**
 * Another implementation of a Mixture-of-Experts layer a JVM user could call instead of Panamax's, timed in the same
 * run on the same inputs. Implementations live in {@code bench/src/peers} (Maven profile {@code peers}) and are found
 * with {@link java.util.ServiceLoader}, so the CLI builds without them.
 *
 * <p>The problem, per token t (x {@code [T, d]}, logits {@code [T, E]}, W1 {@code [E, d, h]}, W2 {@code [E, h, d]}):
 * <pre>
 *   p = softmax(logits[t, :])
 *   e_0 .. e_{k-1} = the k experts of highest p, in descending p (ties: the lower expert index first)
 *   w_slot = p[e_slot] / Σ_j p[e_j]                               (renormalised: the k weights sum to 1)
 *   out[t, :] = Σ_slot w_slot · (silu(x[t, :]·W1[e_slot]) · W2[e_slot])      silu(a) = a·sigmoid(a)
 * </pre>
 * Panamax's {@code pmx_moe} with softmax scoring, renormalize = 1, no capacity (dropless), no noise, ungated (no
 * W3), no biases and the SiLU activation. The logits are given (no gate projection).
 */
public interface MoePeer {

    /** A short name for tables, e.g. "onnxruntime MoE". */
    String name();

    /**
     * Builds whatever the peer needs for the shape (session, weights in the layout the peer wants: outside the
     * timing), reading x {@code [T, d]}, logits {@code [T, E]}, w1 {@code [E, d, h]} and w2 {@code [E, h, d]} and
     * writing out {@code [T, d]} (all F32, contiguous) on each {@link Prepared#run()}. The inputs are fixed for the
     * life of the prepared call: a peer may copy or convert them once here.
     */
    Prepared prepare(MoeShape shape, Tensor x, Tensor logits, Tensor w1, Tensor w2, Tensor out, int threads)
            throws Exception;

    /** One prepared call, run repeatedly by the benchmark. */
    interface Prepared extends AutoCloseable {
        void run() throws Exception;

        @Override
        void close() throws Exception;
    }

    /**
     * The problem a peer is asked to solve.
     *
     * @param tokens  T, the rows of x and logits
     * @param dmodel  d, the width of x and out
     * @param hidden  h, each expert's hidden width
     * @param experts E (at most {@link #MAX_EXPERTS}, Panamax's {@code PMX_MAX_MOE_EXPERTS})
     * @param topK    k, the experts per token (1 ≤ k ≤ E)
     */
    record MoeShape(int tokens, int dmodel, int hidden, int experts, int topK) {
        /** The most experts Panamax's MoE takes ({@code PMX_MAX_MOE_EXPERTS}). */
        public static final int MAX_EXPERTS = 4096;

        public MoeShape {
            if (tokens < 1 || dmodel < 1 || hidden < 1) {
                throw new IllegalArgumentException("tokens, dmodel and hidden must be >= 1, got "
                        + tokens + ", " + dmodel + ", " + hidden);
            }
            if (experts < 1 || experts > MAX_EXPERTS) {
                throw new IllegalArgumentException("experts: 1.." + MAX_EXPERTS + ", got " + experts);
            }
            if (topK < 1 || topK > experts) {
                throw new IllegalArgumentException("topK: 1.." + experts + " (experts), got " + topK);
            }
        }

        /** The elements of W1 (and of W2): E·d·h. */
        public long weightElements() {
            return (long) experts * dmodel * hidden;
        }
    }
}
