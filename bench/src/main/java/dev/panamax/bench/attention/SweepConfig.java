package dev.panamax.bench.attention;

import dev.panamax.bench.peers.AttentionPeer.AttentionShape;

import java.util.List;

/**
 * What an attention sweep measures.
 *
 * @param seqLens      the N values, in order
 * @param batch        B
 * @param heads        H (query heads)
 * @param kvHeads      Hkv (key/value heads; H must be a multiple)
 * @param headDim      D
 * @param causal       causal masking
 * @param warmup       untimed runs before each measurement
 * @param repeats      timed runs; the median is reported
 * @param budgetMillis stop repeating once the timed runs took this long (0 = always run all repeats)
 * @param naiveMaxN    the naive O(N²)-memory kernel runs only for N up to this
 * @param seed         random inputs
 */
public record SweepConfig(List<Integer> seqLens, int batch, int heads, int kvHeads, int headDim, boolean causal,
                          int warmup, int repeats, double budgetMillis, int naiveMaxN, long seed) {

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
        positive("--repeats", repeats);
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
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
