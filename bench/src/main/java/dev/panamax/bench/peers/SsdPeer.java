package dev.panamax.bench.peers;

import dev.panamax.Tensor;

/**
 * Another implementation of Mamba-2's SSD scan a JVM user could call instead of Panamax, timed in the same run on
 * the same inputs. Implementations live in {@code bench/src/peers} (Maven profile {@code peers}) and are found with
 * {@link java.util.ServiceLoader}, so the CLI builds without them.
 *
 * <p>The problem, per batch b and head h (group g = h·G/H, state s {@code [P, N]} starting at zero):
 * <pre>
 *   s_t = exp(dt[b, t, h]·A[h])·s_{t-1} + dt[b, t, h]·x[b, t, h, :] ⊗ B[b, t, g, :]
 *   out[b, t, h, :] = s_t · C[b, t, g, :]
 * </pre>
 * dt is the final positive step (no bias, no softplus), A[h] &lt; 0, no D term, no gating.
 */
public interface SsdPeer {

    /** A short name for tables, e.g. "onnxruntime LinearAttention (gated)". */
    String name();

    /**
     * Builds whatever the peer needs for the shape (session, derived inputs: outside the timing), reading
     * x {@code [B, L, H, P]}, dt {@code [B, L, H]}, A {@code [H]}, B and C {@code [B, L, G, N]} and writing
     * out {@code [B, L, H, P]} (all F32, contiguous) on each {@link Prepared#run()}.
     */
    Prepared prepare(SsdShape shape, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, Tensor out, int threads)
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
     * @param headDim  P, the width of x per head
     * @param groups   G, the heads of B and C (1 ≤ G ≤ H); head h reads group h·G/H
     * @param stateDim N, the width of B and C per group
     */
    record SsdShape(int batch, int seqLen, int heads, int headDim, int groups, int stateDim) {
        public SsdShape {
            if (batch < 1 || seqLen < 1 || heads < 1 || headDim < 1 || stateDim < 1) {
                throw new IllegalArgumentException("batch, seqLen, heads, headDim and stateDim must be >= 1, got "
                        + batch + ", " + seqLen + ", " + heads + ", " + headDim + ", " + stateDim);
            }
            if (groups < 1 || groups > heads) {
                throw new IllegalArgumentException("groups: 1.." + heads + " (heads), got " + groups);
            }
        }

        /** The group head {@code head} reads. */
        public int groupOf(int head) {
            return (int) ((long) head * groups / heads);
        }
    }
}
