package dev.panamax.bench.linear;

import dev.panamax.Context;
import dev.panamax.Tensor;

import java.lang.foreign.Arena;

/**
 * A cheaper stand-in for exact softmax attention that {@code bench linear --mode accuracy|crossover} measures
 * against Panamax's fused attention: today the kernel feature maps ({@link FeatureMapApproximation}); Linformer
 * (sequence projections E, F) and pooled K/V attention are meant to join as more implementations, named in
 * {@link Approximations#parse}.
 *
 * <p>The problem: q, k, v {@code [B, N, H, D]} (F32, contiguous, H = Hkv), out {@code [B, N, H, D]}, standing in
 * for {@code softmax(q kᵀ / √D [+ causal mask]) v}.
 */
public interface Approximation {

    /** The name in tables and in {@code --features}, e.g. "favor256". */
    String name();

    /** Whether it has a causal form (Linformer, for one, mixes the whole sequence and has none). */
    boolean supportsCausal();

    /**
     * Makes a call ready on these inputs: whatever does not depend on them per call (random matrices, learned
     * projections, workspace) is made here, outside the timing, in {@code arena}.
     */
    Prepared prepare(Context ctx, Arena arena, Tensor q, Tensor k, Tensor v, boolean causal, Tensor out);

    /** One prepared call: writes out on each {@link #run()}. */
    @FunctionalInterface
    interface Prepared {
        void run();
    }
}
