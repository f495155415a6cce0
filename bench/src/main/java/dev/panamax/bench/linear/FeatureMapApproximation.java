package dev.panamax.bench.linear;

import dev.panamax.Context;
import dev.panamax.LinearAttention;
import dev.panamax.LinearAttentionOptions;
import dev.panamax.Tensor;

import java.lang.foreign.Arena;

/**
 * Kernel linear attention with a feature map ({@link LinearAttention#run}, normalised, default eps): causal in
 * chunks of {@code chunk} tokens (0 = the library's default), or non-causal. FAVOR's random matrix is drawn from
 * {@code seed} once per prepared call.
 */
public record FeatureMapApproximation(FeatureSpec spec, long chunk, long seed) implements Approximation {

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public boolean supportsCausal() {
        return true;
    }

    @Override
    public Prepared prepare(Context ctx, Arena arena, Tensor q, Tensor k, Tensor v, boolean causal, Tensor out) {
        LinearAttentionOptions o = spec.options(arena, q.shape(3), seed).causal(causal).chunk(chunk).build();
        return () -> LinearAttention.run(ctx, q, k, v, o, out, null, null);
    }
}
