package dev.panamax;

import dev.panamax.internal.Checks;
import dev.panamax.internal.S4dParams;

import java.lang.foreign.Arena;

/**
 * The convolution kernel of a diagonal state space (S4D) with zero-order hold, per channel {@code c}:
 * <pre>
 *   dt = exp(logDt[c]),  Ā = exp(dt·A[c, n]),  B̄ = (Ā - 1)/A[c, n]·B[c, n]
 *   K[c, l] = 2·Re( sum_n C[c, n]·B̄·Ā^l ),   l = 0 .. Lk - 1
 * </pre>
 * A, B, C are complex {@code [Ch, Nh]}, passed as F32 tensors {@code [Ch, Nh, 2]} of (re, im) pairs: the
 * memory of complex64, so a complex64 array (numpy, {@code torch.view_as_real}) maps onto one with no copy.
 * logDt F32 {@code [Ch]}; K F32 {@code [Ch, Lk]}. The powers Ā^l are never accumulated in float (see
 * {@code panamax.h}), so long kernels keep float accuracy. Feed K to {@link FftConv}.
 */
public final class S4dKernel {
    private S4dKernel() {}

    /** Computes K {@code [Ch, length]} on {@link Context#global()}, allocated in {@code arena}. */
    public static Tensor compute(Arena arena, Tensor a, Tensor b, Tensor c, Tensor logDt, long length) {
        Checks.requireNonNull(arena, "arena");
        if (length < 0) throw new IllegalArgumentException("length: must be >= 0, got " + length);
        S4dParams.checkInputs(a, b, c, logDt, false);
        Tensor out = Tensor.allocate(arena, DType.F32, a.shape(0), length);
        compute(Context.global(), a, b, c, logDt, out);
        return out;
    }

    /**
     * Computes K into {@code out} ({@code [Ch, Lk]}).
     *
     * @throws IllegalArgumentException naming the argument, before any native call
     */
    public static void compute(Context ctx, Tensor a, Tensor b, Tensor c, Tensor logDt, Tensor out) {
        S4dParams.run(S4dParams.kernel(), ctx, a, b, c, logDt, out);
    }

    /** The float64 reference (every power by its own exp); F32 or F64 tensors. For tests. */
    public static void computeReference(Context ctx, Tensor a, Tensor b, Tensor c, Tensor logDt, Tensor out) {
        S4dParams.run(S4dParams.reference(), ctx, a, b, c, logDt, out);
    }
}
