package dev.panamax;

import dev.panamax.internal.ffi.Panamax_h;

import java.lang.foreign.MemorySegment;

/**
 * In-run reference points for benchmarks: the compute ceiling (oneDNN sgemm) and the cost of a call.
 *
 * <p>Threading as for every operator: the calling thread plus up to {@code ctx.numThreads() - 1}
 * workers (see {@link Context}).
 */
public final class Baselines {
    private Baselines() {}

    /**
     * {@code c[m, n] = a[m, k] · b[k, n]}, fp32, row-major and contiguous, through oneDNN with the
     * context's thread count.
     *
     * @param a native segment of at least {@code m * k} floats, 4-byte aligned
     * @param b native segment of at least {@code k * n} floats, 4-byte aligned
     * @param c native segment of at least {@code m * n} floats, 4-byte aligned; overwritten
     * @throws IllegalArgumentException for negative sizes or a null, heap, closed, misaligned or too
     *                                  small segment (the message names it)
     * @throws IllegalStateException    when {@code ctx} is closed
     * @throws PanamaxException         when oneDNN fails
     */
    public static void sgemm(Context ctx, long m, long n, long k, MemorySegment a, MemorySegment b,
                             MemorySegment c) {
        Checks.requireContext(ctx);
        if (m < 0) throw new IllegalArgumentException("m: must not be negative, got " + m);
        if (n < 0) throw new IllegalArgumentException("n: must not be negative, got " + n);
        if (k < 0) throw new IllegalArgumentException("k: must not be negative, got " + k);
        matrix(a, "a", m, k);
        matrix(b, "b", k, n);
        matrix(c, "c", m, n);
        MemorySegment h = ctx.acquire();
        try {
            Context.check(h, Panamax_h.pmx_bench_sgemm(h, m, n, k, a, Math.max(k, 1), b, Math.max(n, 1), c,
                    Math.max(n, 1)));
        } finally {
            ctx.release();
        }
    }

    /**
     * Calls {@code pmx_bench_noop}, which does nothing: the cost of one downcall from Java.
     *
     * @throws IllegalStateException when {@code ctx} is closed
     */
    public static void noop(Context ctx) {
        Checks.requireContext(ctx);
        Panamax_h.pmx_bench_noop(ctx.handleForNoop());
    }

    private static void matrix(MemorySegment s, String name, long rows, long cols) {
        if (s == null) throw new IllegalArgumentException(name + ": must not be null");
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
