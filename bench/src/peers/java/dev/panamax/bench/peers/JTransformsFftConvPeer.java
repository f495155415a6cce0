package dev.panamax.bench.peers;

import dev.panamax.DType;
import dev.panamax.Tensor;
import org.jtransforms.fft.FloatFFT_1D;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The long convolution by the pure-Java FFT a JVM user would reach for: JTransforms 3.1's {@link FloatFFT_1D}
 * (Ooura's split-radix, on {@code float[]}). Per channel c: the kernel row zero-padded to n and
 * {@code realForward} (in every run, as Panamax does); then per sequence b: the signal zero-padded to n,
 * {@code realForward}, the complex product in JTransforms' packed real layout ({@code a[0] = Re[0]},
 * {@code a[1] = Re[n/2]}, then {@code a[2k], a[2k+1] = Re[k], Im[k]}), {@code realInverse(a, true)} (scaled by
 * 1/n) and the first L values kept. n = {@link ConvShape#fftLength()}, one plan for it made in {@link #prepare}.
 *
 * <p>Threads: the channels are split into {@code threads} contiguous ranges, one task each on a fixed pool made in
 * {@link #prepare}, each with its own two {@code float[n]} buffers; JTransforms' own threading
 * ({@code pl.edu.icm.jlargearrays.ConcurrencyUtils}, process-wide) is set to 1 so the two do not nest.
 *
 * <p>Not timed: u {@code [B, L, C]} is copied once in {@link #prepare} to channel-major {@code float[B·C][L]} rows;
 * {@link Prepared#writeOutput()} copies the {@code float[B·C][L]} result back into out {@code [B, L, C]}. Timed:
 * the zero-padded copies of the signal rows and of the kernel rows (read in place from the kernel's native
 * {@code [C, Lk]} memory, already channel-major), the transforms, the product, the copy of the first L values.
 */
public final class JTransformsFftConvPeer implements FftConvPeer {

    @Override
    public String name() {
        return "JTransforms FloatFFT_1D";
    }

    @Override
    public FftConvPeer.Prepared prepare(ConvShape s, Tensor u, Tensor kernel, Tensor out, int threads) {
        int b = s.batch(), l = s.seqLen(), c = s.channels(), lk = s.kernelLen();
        long nLong = s.fftLength();
        if (nLong > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("JTransforms on float[]: n = " + nLong + " is too long");
        }
        int n = (int) nLong;
        requireF32("u", u, (long) b * l * c);
        requireF32("kernel", kernel, (long) c * lk);
        requireF32("out", out, (long) b * l * c);
        pl.edu.icm.jlargearrays.ConcurrencyUtils.setNumberOfThreads(1);

        float[][] uRows = toChannelMajor(u.segment(), b, l, c);
        // The kernel is read in place by the workers: [C, Lk] is already channel-major. A global-scope view of its
        // address, so a kernel allocated in a confined arena can be read from the pool's threads too.
        MemorySegment kSeg = MemorySegment.ofAddress(kernel.segment().address()).reinterpret(4L * c * lk);
        float[][] yRows = new float[b * c][l];
        FloatFFT_1D plan = n > 1 ? new FloatFFT_1D(n) : null; // n = 1: the transform is the identity
        int tasks = Math.max(1, Math.min(threads, c));
        float[][] signal = new float[tasks][n];
        float[][] spectrum = new float[tasks][n];
        ExecutorService pool = Executors.newFixedThreadPool(tasks, r -> {
            Thread t = new Thread(r, "jtransforms-fft-conv");
            t.setDaemon(true);
            return t;
        });
        List<Callable<Void>> work = new ArrayList<>(tasks);
        for (int task = 0; task < tasks; task++) {
            int from = (int) ((long) c * task / tasks), to = (int) ((long) c * (task + 1) / tasks);
            float[] a = signal[task], k = spectrum[task];
            work.add(() -> {
                for (int ch = from; ch < to; ch++) {
                    MemorySegment.copy(kSeg, ValueLayout.JAVA_FLOAT, 4L * ch * lk, k, 0, lk);
                    Arrays.fill(k, lk, n, 0f);
                    if (plan != null) plan.realForward(k);
                    for (int seq = 0; seq < b; seq++) {
                        float[] row = uRows[seq * c + ch];
                        System.arraycopy(row, 0, a, 0, l);
                        Arrays.fill(a, l, n, 0f);
                        if (plan != null) plan.realForward(a);
                        multiplyPacked(a, k, n);
                        if (plan != null) plan.realInverse(a, true);
                        System.arraycopy(a, 0, yRows[seq * c + ch], 0, l);
                    }
                }
                return null;
            });
        }
        MemorySegment outSegment = out.segment();
        return new FftConvPeer.Prepared() {
            @Override
            public void run() throws Exception {
                if (tasks == 1) {
                    work.get(0).call();
                    return;
                }
                List<Future<Void>> done = pool.invokeAll(work);
                for (Future<Void> f : done) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        throw e.getCause() instanceof Exception ex ? ex : e;
                    }
                }
            }

            @Override
            public void writeOutput() {
                fromChannelMajor(yRows, outSegment, b, l, c);
            }

            @Override
            public void close() {
                pool.shutdownNow();
            }
        };
    }

    /**
     * a *= k, both spectra of real length-n signals in JTransforms' packed layout: a[0] = Re[0], a[1] = Re[n/2]
     * (both real), a[2j], a[2j+1] = Re[j], Im[j] for 0 &lt; j &lt; n/2; n = 1: one real value.
     */
    static void multiplyPacked(float[] a, float[] k, int n) {
        a[0] *= k[0];
        if (n == 1) return;
        a[1] *= k[1];
        for (int i = 2; i < n; i += 2) {
            float re = a[i] * k[i] - a[i + 1] * k[i + 1];
            float im = a[i] * k[i + 1] + a[i + 1] * k[i];
            a[i] = re;
            a[i + 1] = im;
        }
    }

    /** Tokens per block of the layout copies: a block of [64, C] floats, read or written at once. */
    private static final int BLOCK = 64;

    /** rows[seq·C + ch][t] = x[seq, t, ch] for F32 x [B, L, C]. */
    static float[][] toChannelMajor(MemorySegment x, int b, int l, int c) {
        float[][] rows = new float[b * c][l];
        float[] block = new float[BLOCK * c];
        for (int seq = 0; seq < b; seq++) {
            for (int t0 = 0; t0 < l; t0 += BLOCK) {
                int tokens = Math.min(BLOCK, l - t0);
                MemorySegment.copy(x, ValueLayout.JAVA_FLOAT, 4L * ((long) seq * l + t0) * c, block, 0, tokens * c);
                for (int ch = 0; ch < c; ch++) {
                    float[] row = rows[seq * c + ch];
                    for (int t = 0; t < tokens; t++) row[t0 + t] = block[t * c + ch];
                }
            }
        }
        return rows;
    }

    /** y[seq, t, ch] = rows[seq·C + ch][t] into F32 y [B, L, C]. */
    static void fromChannelMajor(float[][] rows, MemorySegment y, int b, int l, int c) {
        float[] block = new float[BLOCK * c];
        for (int seq = 0; seq < b; seq++) {
            for (int t0 = 0; t0 < l; t0 += BLOCK) {
                int tokens = Math.min(BLOCK, l - t0);
                for (int ch = 0; ch < c; ch++) {
                    float[] row = rows[seq * c + ch];
                    for (int t = 0; t < tokens; t++) block[t * c + ch] = row[t0 + t];
                }
                MemorySegment.copy(block, 0, y, ValueLayout.JAVA_FLOAT, 4L * ((long) seq * l + t0) * c, tokens * c);
            }
        }
    }

    private static void requireF32(String what, Tensor t, long elements) {
        if (t.dtype() != DType.F32 || !t.isContiguous() || t.elementCount() != elements) {
            throw new IllegalArgumentException(what + ": expected a contiguous F32 tensor of " + elements
                    + " elements, got " + t);
        }
    }
}
