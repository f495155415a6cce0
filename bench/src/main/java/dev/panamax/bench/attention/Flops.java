package dev.panamax.bench.attention;

import dev.panamax.bench.peers.AttentionPeer.AttentionShape;

/** Floating-point operation counts the GFLOP/s columns are based on. */
public final class Flops {
    private Flops() {
    }

    /**
     * Forward attention: two matrix products (QKᵀ and PV), 2·D flops per
     * query-key pair each, over the pairs that are not masked: N² per head
     * non-causal, N(N+1)/2 causal. Softmax work is not counted.
     */
    public static double attention(AttentionShape s) {
        double n = s.seqLen();
        double pairs = s.causal() ? n * (n + 1) / 2 : n * n;
        return 4.0 * s.batch() * s.heads() * s.headDim() * pairs;
    }

    /** Attention over packed documents of the given lengths (queries and keys alike). */
    public static double attentionVarlen(int[] lengths, int heads, int headDim, boolean causal) {
        double total = 0;
        for (int len : lengths) {
            total += attention(new AttentionShape(1, len, heads, heads, headDim, causal));
        }
        return total;
    }

}
