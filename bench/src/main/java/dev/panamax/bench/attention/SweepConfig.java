package dev.panamax.bench.attention;

import dev.panamax.bench.peers.AttentionPeer.AttentionShape;

import java.util.List;

/**
 * The shapes of an attention sweep.
 *
 * @param seqLens     the N values, in order
 * @param batch       B
 * @param heads       H (query heads)
 * @param kvHeads     Hkv (key/value heads; H must be a multiple)
 * @param headDim     D
 * @param causal      causal masking
 * @param unfusedMaxN the unfused baseline (O(N²) memory) runs only for N up to this
 * @param seed        random inputs
 * @param sparsity    the sparse or positional variant ({@link Sparsity#NONE}: dense)
 */
public record SweepConfig(List<Integer> seqLens, int batch, int heads, int kvHeads, int headDim, boolean causal,
                          int unfusedMaxN, long seed, Sparsity sparsity) {

    public SweepConfig(List<Integer> seqLens, int batch, int heads, int kvHeads, int headDim, boolean causal,
                       int unfusedMaxN, long seed) {
        this(seqLens, batch, heads, kvHeads, headDim, causal, unfusedMaxN, seed, Sparsity.NONE);
    }

    public SweepConfig {
        seqLens = List.copyOf(seqLens);
        if (seqLens.isEmpty()) {
            throw new IllegalArgumentException("--n: give at least one sequence length");
        }
        for (int n : seqLens) {
            positive("--n", n);
        }
        positive("--batch", batch);
        positive("--heads", heads);
        positive("--kv-heads", kvHeads);
        positive("--head-dim", headDim);
        if (sparsity.globals() > 0 && !causal) {
            throw new IllegalArgumentException("--global-tokens: the sweep measures causal windows with globals (add --causal)");
        }
        if (sparsity.axial() != null) {
            seqLens.forEach(Sparsity::gridSide);
        }
        if (sparsity.topk() > 0 && !causal) {
            throw new IllegalArgumentException("--topk-blocks: the sweep measures causal top-k (add --causal)");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("--heads (" + heads + ") must be a multiple of --kv-heads (" + kvHeads + ")");
        }
    }

    public AttentionShape shape(int seqLen) {
        return new AttentionShape(batch, seqLen, heads, kvHeads, headDim, causal);
    }

    private static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
