package dev.panamax.bench.moe;

/**
 * One MoE layer the benchmarks time: T tokens of width d, E experts of hidden width h, k per token, SiLU,
 * gated (a W3 gate) or not, no biases, softmax routing renormalised over the k slots, dropless.
 */
public record MoeBenchShape(int tokens, int dmodel, int hidden, int experts, int topK, boolean gated) {
    public MoeBenchShape {
        if (tokens < 1 || dmodel < 1 || hidden < 1) {
            throw new IllegalArgumentException("--tokens, --dmodel and --hidden must be >= 1, got " + tokens + ", "
                    + dmodel + ", " + hidden);
        }
        if (experts < 1) throw new IllegalArgumentException("--experts: must be >= 1, got " + experts);
        if (topK < 1 || topK > experts) {
            throw new IllegalArgumentException("--top-k: must be in 1.." + experts + " (--experts), got " + topK);
        }
    }

    /** Rows the experts see (dropless): T·k. */
    public long rows() {
        return (long) tokens * topK;
    }

    /** Weight matrices per expert: 2, or 3 when gated. */
    public int matrices() {
        return gated ? 3 : 2;
    }

    /** The experts' flops: 2·d·h per row and matrix. */
    public double expertFlops() {
        return 2.0 * rows() * dmodel * hidden * matrices();
    }

    /** Bytes of one expert's weights. */
    public long expertBytes() {
        return 4L * matrices() * dmodel * hidden;
    }
}
