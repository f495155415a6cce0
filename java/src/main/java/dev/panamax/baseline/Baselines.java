package dev.panamax.baseline;

import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.PanamaxException;
import dev.panamax.SelectiveScanOptions;
import dev.panamax.Status;
import dev.panamax.Tensor;
import dev.panamax.internal.AttentionParams;
import dev.panamax.internal.Checks;
import dev.panamax.internal.ContextState;
import dev.panamax.internal.NativeCall;
import dev.panamax.internal.ScanParams;
import dev.panamax.internal.ffi.Panamax_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * In-run yardsticks for benchmarks, not operators: the unfused attention and the sequential selective scan
 * a user writes first, the compute ceilings (oneDNN sgemm, the vectorised exp rate) and the cost of a call.
 * They call the library's {@code pmx_bench_*} functions. This package is not exported by the {@code dev.panamax} module (the benchmarks run on the
 * class path), so it is not part of the user API.
 *
 * <p>Arguments are checked like the operators' (an {@link IllegalArgumentException} naming the argument
 * before any downcall); threading as for every operator: the calling thread plus up to
 * {@code ctx.numThreads() - 1} workers (see {@link Context}).
 */
public final class Baselines {
    private Baselines() {}

    /**
     * Unfused attention: {@code S = q kᵀ · scale} with sgemm (one {@code [Nq, Nk]} fp32 matrix per
     * (batch, head)), a row softmax with the causal mask, then {@code O = P v} with sgemm: O(N²) memory,
     * the point of the comparison. Same contract as
     * {@link dev.panamax.Attention#forward(Context, Tensor, Tensor, Tensor, AttentionOptions, Tensor, Tensor)};
     * scratch up to the pool's bounds is pooled, larger is allocated for the call.
     */
    public static void attentionUnfused(Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options,
                                        Tensor out, Tensor lse) {
        AttentionParams.run(AttentionParams.unfused(), ctx, q, k, v, options, out, lse, null, false);
    }

    /**
     * {@link #attentionUnfused(Context, Tensor, Tensor, Tensor, AttentionOptions, Tensor, Tensor)} with the
     * caller's workspace of at least {@link #attentionUnfusedWorkspaceBytes} bytes (native, 64-byte
     * aligned): to time it without the allocation.
     */
    public static void attentionUnfused(Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options,
                                        Tensor out, Tensor lse, MemorySegment workspace) {
        AttentionParams.run(AttentionParams.unfused(), ctx, q, k, v, options, out, lse, workspace, true);
    }

    /** Bytes of workspace the unfused attention needs for these inputs on {@code ctx}. */
    public static long attentionUnfusedWorkspaceBytes(Context ctx, Tensor q, Tensor k, Tensor v,
                                                      AttentionOptions options) {
        return AttentionParams.workspaceBytes(AttentionParams.unfused(), ctx, q, k, v, options);
    }

    /**
     * {@code c[m, n] = a[m, k] · b[k, n]}, fp32, row-major and contiguous, through oneDNN with the
     * context's thread count.
     *
     * @param a native segment of at least {@code m * k} floats, 4-byte aligned
     * @param b native segment of at least {@code k * n} floats, 4-byte aligned
     * @param c native segment of at least {@code m * n} floats, 4-byte aligned; overwritten
     * @throws IllegalArgumentException for negative sizes or a null, heap, closed, misaligned or too
     *                                  small segment, or a read-only c (the message names it)
     * @throws IllegalStateException    when {@code ctx} is closed
     * @throws PanamaxException         when oneDNN fails
     */
    public static void sgemm(Context ctx, long m, long n, long k, MemorySegment a, MemorySegment b,
                             MemorySegment c) {
        Checks.requireNonNull(ctx, "ctx");
        if (m < 0) throw new IllegalArgumentException("m: must not be negative, got " + m);
        if (n < 0) throw new IllegalArgumentException("n: must not be negative, got " + n);
        if (k < 0) throw new IllegalArgumentException("k: must not be negative, got " + k);
        matrix(a, "a", m, k);
        matrix(b, "b", k, n);
        matrix(c, "c", m, n);
        if (c.isReadOnly()) throw new IllegalArgumentException("c: is a read-only segment");
        try (NativeCall call = NativeCall.begin(ctx)) {
            // a, b, c are downcall arguments: the linker keeps their arenas alive for the call.
            call.check(Panamax_h.pmx_bench_sgemm(call.nativeContext(), m, n, k, a, Math.max(k, 1), b,
                    Math.max(n, 1), c, Math.max(n, 1)));
        }
    }

    /**
     * {@code count} vectorised exps (the 2^x the kernels use) on the context's threads: the in-run ceiling of
     * exp-bound kernels such as the selective scan (one exp per token, channel and state).
     *
     * @return the sum of the results (a checksum, so that nothing is optimised away)
     * @throws IllegalArgumentException for a negative count
     */
    public static double exp(Context ctx, long count) {
        Checks.requireNonNull(ctx, "ctx");
        if (count < 0) throw new IllegalArgumentException("count: must not be negative, got " + count);
        try (NativeCall call = NativeCall.begin(ctx); Arena arena = Arena.ofConfined()) {
            MemorySegment sum = arena.allocate(ValueLayout.JAVA_DOUBLE);
            call.check(Panamax_h.pmx_bench_exp(call.nativeContext(), count, sum));
            return sum.get(ValueLayout.JAVA_DOUBLE, 0);
        }
    }

    /**
     * The floats of {@code data} summed on the context's threads, one equal slice each: the in-run read-bandwidth
     * ceiling of operators that stream memory once (an MoE decode step reads its experts' weights once).
     *
     * @param data native memory, a whole number of floats, 4-byte aligned
     * @return the sum (a checksum, so that nothing is optimised away)
     * @throws IllegalArgumentException for a heap segment, a size that is not a multiple of 4 or a misaligned
     *                                  address
     */
    public static double read(Context ctx, MemorySegment data) {
        Checks.requireNonNull(ctx, "ctx");
        Checks.requireNonNull(data, "data");
        if (!data.isNative()) throw new IllegalArgumentException("data: must be native memory");
        if (data.byteSize() % Float.BYTES != 0 || data.address() % Float.BYTES != 0) {
            throw new IllegalArgumentException("data: must hold whole, 4-byte aligned floats");
        }
        try (NativeCall call = NativeCall.begin(ctx); Arena arena = Arena.ofConfined()) {
            MemorySegment sum = arena.allocate(ValueLayout.JAVA_DOUBLE);
            call.check(Panamax_h.pmx_bench_read(call.nativeContext(), data, data.byteSize() / Float.BYTES, sum));
            return sum.get(ValueLayout.JAVA_DOUBLE, 0);
        }
    }

    /**
     * The selective scan as a plain float32 loop on one thread (what a user writes first): the same contract
     * as {@link dev.panamax.SelectiveScan#run(Context, Tensor, Tensor, Tensor, Tensor, Tensor,
     * SelectiveScanOptions, Tensor, Tensor)} (the chunk is ignored).
     */
    public static void selectiveScanSequential(Context ctx, Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c,
                                               SelectiveScanOptions options, Tensor out, Tensor stateOut) {
        ScanParams.run(ScanParams.sequential(), ctx, u, delta, a, b, c, options, out, stateOut);
    }

    /**
     * Calls {@code pmx_bench_noop}, which does nothing: the cost of one downcall from Java (no pooled
     * slot is taken, so this is the bare FFM cost).
     *
     * @throws IllegalStateException when {@code ctx} is closed
     */
    public static void noop(Context ctx) {
        Checks.requireNonNull(ctx, "ctx");
        ContextState.of(ctx).threadsForCall();
        // pmx_bench_noop never reads its context.
        int status = Panamax_h.pmx_bench_noop(MemorySegment.NULL);
        if (status != 0) throw new PanamaxException(Status.of(status), "pmx_bench_noop failed");
    }

    private static void matrix(MemorySegment s, String name, long rows, long cols) {
        Checks.requireNonNull(s, name);
        Checks.requireUsableSegment(s, name);
        if ((s.address() & 3) != 0) throw new IllegalArgumentException(name + ": must be 4-byte aligned");
        long bytes;
        try {
            bytes = Math.multiplyExact(Math.multiplyExact(rows, cols), 4L);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + ": " + rows + " x " + cols + " overflows 64-bit sizes");
        }
        if (s.byteSize() < bytes) {
            throw new IllegalArgumentException(name + ": segment too small: " + rows + " x " + cols + " floats need "
                    + bytes + " bytes, it has " + s.byteSize());
        }
    }
}
