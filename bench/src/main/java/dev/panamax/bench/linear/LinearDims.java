package dev.panamax.bench.linear;

import dev.panamax.LinearAttentionOptions;
import dev.panamax.bench.sweep.SweepArgs;

/**
 * The fixed sizes of a {@code bench linear} run: B sequences, H heads (queries, keys and values alike), key dim
 * Dk, value dim Dv, and the causal chunk (0 = the library's default).
 */
public record LinearDims(int batch, int heads, int dk, int dv, int chunk) {

    public LinearDims {
        SweepArgs.positive("--batch", batch);
        SweepArgs.positive("--heads", heads);
        SweepArgs.positive("--dk", dk);
        SweepArgs.positive("--dv", dv);
        if (dk > LinearAttentionOptions.MAX_FEATURES) {
            throw new IllegalArgumentException("--dk: must be in 1.." + LinearAttentionOptions.MAX_FEATURES
                    + ", got " + dk);
        }
        if (dv > LinearAttentionOptions.MAX_HEAD_DIM) {
            throw new IllegalArgumentException("--dv: must be in 1.." + LinearAttentionOptions.MAX_HEAD_DIM
                    + ", got " + dv);
        }
        if (chunk < 0 || chunk > LinearAttentionOptions.MAX_CHUNK) {
            throw new IllegalArgumentException("--chunk: must be in 0.." + LinearAttentionOptions.MAX_CHUNK
                    + " (0 = " + LinearAttentionOptions.DEFAULT_CHUNK + "), got " + chunk);
        }
    }

    /** The chunk the library runs. */
    public long effectiveChunk() {
        return chunk == 0 ? LinearAttentionOptions.DEFAULT_CHUNK : chunk;
    }

    /** "B=1 H=8 Dk=64 Dv=64". */
    public String describe() {
        return "B=" + batch + " H=" + heads + " Dk=" + dk + " Dv=" + dv;
    }
}
