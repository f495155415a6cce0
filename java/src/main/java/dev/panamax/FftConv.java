package dev.panamax;

import dev.panamax.internal.Checks;
import dev.panamax.internal.FftConvParams;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The long causal convolution of S4-style layers, per channel {@code c} (depthwise):
 * <pre>
 *   out[b, t, c] = sum_{j = 0}^{min(t, Lk - 1)} kernel[c, j]·u[b, t - j, c] + D[c]·u[b, t, c]
 * </pre>
 * u and out {@code [B, L, C]}, kernel {@code [C, Lk]} ({@code Lk >= 1}; longer than L is allowed), D
 * {@code [C]} optional; F32, any strides (S4's channel-major {@code [B, C, L]} is a strided view). By FFT
 * (zero-padded, so nothing wraps around; the library's own channel-batched FFT), directly, or chosen by
 * kernel length ({@link FftConvMethod#AUTO}). The FFT mixes every position of a channel, so its rounding is
 * relative to the output's RMS scale rather than to each element, and a NaN in a channel's input reaches the
 * whole channel.
 *
 * <p>Errors as everywhere: {@link IllegalArgumentException} naming the argument before any native call,
 * {@link PanamaxException} for what only the library can refuse. Results are bit-identical for any thread
 * count; the hot path allocates nothing on the Java heap.
 */
public final class FftConv {
    private FftConv() {}

    /**
     * Runs on {@link Context#global()}, allocating out (shaped like u) in {@code arena}.
     *
     * @param d      {@code [C]} skip weights, or null
     * @param method null means {@link FftConvMethod#AUTO}
     */
    public static Tensor run(Arena arena, Tensor u, Tensor kernel, Tensor d, FftConvMethod method) {
        Checks.requireNonNull(arena, "arena");
        FftConvParams.checkInputs(u, kernel, d, false);
        Tensor out = Tensor.allocate(arena, DType.F32, u.shape());
        run(Context.global(), u, kernel, d, method, out);
        return out;
    }

    /**
     * Runs into {@code out} (shaped like u).
     *
     * @param d      {@code [C]} skip weights, or null
     * @param method null means {@link FftConvMethod#AUTO}
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws PanamaxException         when the library refuses the call (e.g. an FFT longer than it supports)
     */
    public static void run(Context ctx, Tensor u, Tensor kernel, Tensor d, FftConvMethod method, Tensor out) {
        FftConvParams.run(FftConvParams.conv(), ctx, u, kernel, d, method, out, null, false);
    }

    /**
     * Like {@link #run(Context, Tensor, Tensor, Tensor, FftConvMethod, Tensor)}, with the caller's workspace
     * instead of pooled scratch. The FFT path needs 2·n·16 floats per thread (n the padded length: 256 MiB a
     * thread at L = 2^20), more than the pool keeps between calls (64 MiB a call): callers running long
     * sequences repeatedly should pass a workspace, or each call allocates and zeroes its own.
     *
     * @param workspace native, 64-byte aligned, at least {@link #workspaceBytes} bytes; null when that is 0
     * @throws PanamaxException {@link Status#WORKSPACE_TOO_SMALL} when it is smaller than needed
     */
    public static void run(Context ctx, Tensor u, Tensor kernel, Tensor d, FftConvMethod method, Tensor out,
                           MemorySegment workspace) {
        FftConvParams.run(FftConvParams.conv(), ctx, u, kernel, d, method, out, workspace, true);
    }

    /**
     * Bytes of workspace {@link #run(Context, Tensor, Tensor, Tensor, FftConvMethod, Tensor, MemorySegment)}
     * needs for these inputs and method on {@code ctx} (it depends on the context's thread count).
     *
     * @throws PanamaxException {@link Status#UNSUPPORTED} for an FFT longer than the library supports
     */
    public static long workspaceBytes(Context ctx, Tensor u, Tensor kernel, Tensor d, FftConvMethod method) {
        return FftConvParams.workspaceBytes(ctx, u, kernel, d, method);
    }

    /** The float64 reference: the direct sum in double precision whatever the method; F32 or F64 tensors. */
    public static void runReference(Context ctx, Tensor u, Tensor kernel, Tensor d, Tensor out) {
        FftConvParams.run(FftConvParams.reference(), ctx, u, kernel, d, FftConvMethod.AUTO, out, null, false);
    }
}
