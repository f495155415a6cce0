package dev.panamax.bench.peers;

import dev.panamax.Tensor;

/**
 * Another long causal convolution a JVM user could call instead of Panamax's {@code FftConv}, timed in the same
 * run on the same inputs. Implementations live in {@code bench/src/peers} (Maven profile {@code peers}) and are
 * found with {@link java.util.ServiceLoader}, so the CLI builds without them.
 *
 * <p>The problem: {@code out[b, t, c] = sum_{j <= t} kernel[c, j]·u[b, t - j, c]} (no skip term), u and out
 * {@code [B, L, C]}, kernel {@code [C, Lk]}, all F32 and contiguous, computed by FFT with zero padding to
 * {@code n >= L + Lk - 1} (the kernel's spectrum computed in every run, as Panamax does).
 */
public interface FftConvPeer {

    /** A short name for tables, e.g. "pytorch fft.rfft/irfft". */
    String name();

    /**
     * Builds whatever the peer needs for the shape (plans, layout copies of the inputs: outside the timing);
     * each {@link Prepared#run()} computes the convolution into the peer's own output, which
     * {@link Prepared#writeOutput()} then copies into {@code out} (outside the timing) for the comparison.
     */
    Prepared prepare(ConvShape shape, Tensor u, Tensor kernel, Tensor out, int threads) throws Exception;

    /** One prepared call, run repeatedly by the benchmark. */
    interface Prepared extends AutoCloseable {
        void run() throws Exception;

        /** Copies the last run's result into the {@code out} given to prepare, in its layout (not timed). */
        void writeOutput();

        @Override
        void close() throws Exception;
    }

    /** The problem a peer is asked to solve: B sequences of L tokens, C channels, a kernel of Lk taps. */
    record ConvShape(int batch, int seqLen, int channels, int kernelLen) {
        /** The FFT length: the power of two at least L + Lk - 1. */
        public long fftLength() {
            long need = (long) seqLen + kernelLen - 1, n = 1;
            while (n < need) n <<= 1;
            return n;
        }
    }
}
