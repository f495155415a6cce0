package dev.panamax.bench.peers;

import dev.panamax.LinearAttentionOptions;
import dev.panamax.Tensor;

/**
 * Another implementation of linear attention or of a linear recurrence a JVM user could call instead of Panamax's
 * {@code LinearAttention} / {@code LinearRecurrence}, timed in the same run on the same inputs. Implementations
 * live in {@code bench/src/peers} (Maven profile {@code peers}) and are found with {@link java.util.ServiceLoader},
 * so the CLI builds without them. A peer solves one or more {@link Problem}s ({@link #supports}).
 *
 * <p>All tensors F32, contiguous, one head count H for queries, keys and values: q, k {@code [B, N, H, Dk]},
 * v and out {@code [B, N, H, Dv]}, decay and beta {@code [B, N, H]}.
 */
public interface LinearPeer {

    /** What a peer is asked to compute, per batch b and head h, tokens t = 0 .. N-1. */
    enum Problem {
        /**
         * Causal linear attention with φ(x) = elu(x) + 1, normalised, as {@code LinearAttention.run} with
         * {@code FeatureMap.ELU1}, causal, normalize and {@link #EPS}:
         * {@code out_t = φ(q_t)ᵀ S_t / (φ(q_t)ᵀ z_t + EPS)}, {@code S_t = Σ_{j<=t} φ(k_j) v_jᵀ},
         * {@code z_t = Σ_{j<=t} φ(k_j)}. decay and beta are null.
         */
        ELU1_CAUSAL,
        /**
         * Gated DeltaNet, as {@code LinearRecurrence.run} with {@code LinearRule.GATED_DELTA}, state
         * {@code S [Dk, Dv]} from zero: {@code S' = g_t S_{t-1}}, {@code S_t = S' + β_t k_t (v_t − S'ᵀ k_t)ᵀ},
         * {@code out_t = S_tᵀ q_t} (no scale); decay holds g itself (in (0, 1]), beta β.
         */
        GATED_DELTA
    }

    /** The eps of {@link Problem#ELU1_CAUSAL}'s denominator. */
    double EPS = LinearAttentionOptions.DEFAULT_EPS;

    /** A short name for tables, e.g. "onnxruntime LinearAttention (linear)". */
    String name();

    /** Whether this peer computes {@code problem}. */
    boolean supports(Problem problem);

    /**
     * Builds whatever the peer needs for the shape (session, inputs in its own form: outside the timing) to
     * compute {@code shape.problem()} on each {@link Prepared#run()}.
     *
     * @param decay {@code [B, N, H]} for GATED_DELTA, else null
     * @param beta  {@code [B, N, H]} for GATED_DELTA, else null
     */
    Prepared prepare(LinearShape shape, Tensor q, Tensor k, Tensor v, Tensor decay, Tensor beta, Tensor out,
                     int threads) throws Exception;

    /** One prepared call, run repeatedly by the benchmark. */
    interface Prepared extends AutoCloseable {
        /** One call of the peer's operator: what the benchmark times. */
        void run() throws Exception;

        /**
         * Writes the last {@link #run()}'s result into out: a peer that computes another form (an unnormalised
         * numerator and denominator) finishes here, outside the timing (called before any comparison).
         */
        void writeOutput();

        @Override
        void close() throws Exception;
    }

    /** The problem and its sizes. */
    record LinearShape(Problem problem, int batch, int seqLen, int heads, int keyDim, int valueDim) {
        public LinearShape {
            if (problem == null) throw new IllegalArgumentException("problem: must not be null");
            if (batch < 1 || seqLen < 1 || heads < 1 || keyDim < 1 || valueDim < 1) {
                throw new IllegalArgumentException("batch, seqLen, heads, keyDim and valueDim must be >= 1, got "
                        + batch + ", " + seqLen + ", " + heads + ", " + keyDim + ", " + valueDim);
            }
        }
    }
}
