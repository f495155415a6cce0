package dev.panamax.bench.baseline;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Baselines;
import dev.panamax.Context;
import dev.panamax.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * The one place the bench module calls the library's benchmark baselines, so
 * that moving them (to {@code dev.panamax.baseline.Baselines}) touches this
 * file only. Method names follow that destination.
 */
public final class BaselineCalls {
    private BaselineCalls() {
    }

    /**
     * Unfused attention: S = Q·Kᵀ and O = P·V as two oneDNN sgemm calls with a
     * row softmax between them, materialising the [Nq, Nk] score matrix in the
     * caller's workspace of {@link #attentionUnfusedWorkspaceBytes} bytes.
     */
    public static void attentionUnfused(Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options,
                                        Tensor out, Tensor lse, MemorySegment workspace) {
        Attention.forwardNaive(ctx, q, k, v, options, out, lse, workspace);
    }

    /** Workspace bytes of the unfused baseline: its score matrix. */
    public static long attentionUnfusedWorkspaceBytes(Context ctx, Tensor q, Tensor k, Tensor v,
                                                      AttentionOptions options) {
        return Attention.naiveWorkspaceBytes(ctx, q, k, v, options);
    }

    /** {@code c[m, n] = a[m, k]·b[k, n]}, fp32, row-major, through oneDNN. */
    public static void sgemm(Context ctx, long m, long n, long k, MemorySegment a, MemorySegment b,
                             MemorySegment c) {
        Baselines.sgemm(ctx, m, n, k, a, b, c);
    }

    /** A downcall that does nothing: the fixed cost of calling native code. */
    public static void noop(Context ctx) {
        Baselines.noop(ctx);
    }
}
