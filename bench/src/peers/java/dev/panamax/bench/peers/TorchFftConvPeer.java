package dev.panamax.bench.peers;

import dev.panamax.DType;
import dev.panamax.Tensor;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.StringViewOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The long convolution as a PyTorch user writes it, through JavaCPP's {@code org.bytedeco:pytorch} (libtorch
 * 2.10, CPU):
 * <pre>
 * y = torch.fft.irfft(torch.fft.rfft(u, n, dim=-1) * torch.fft.rfft(K, n, dim=-1), n, dim=-1)[..., :L]
 * </pre>
 * with u {@code [B, C, L]}, K {@code [C, Lk]} (broadcast over B) and n = {@link ConvShape#fftLength()}. One
 * {@link Prepared#run()} is {@code fft_rfft(u)}, {@code fft_rfft(K)} (the kernel's spectrum in every run),
 * {@code mul}, {@code fft_irfft} and {@code narrow(-1, 0, L)} (a view, as {@code [..., :L]} is), each
 * out of place, as written above: libtorch allocates the zero-padded copies and the spectra in every run and
 * frees them when the next run starts.
 *
 * <p>Not timed: u {@code [B, L, C]} is permuted to a contiguous {@code [B, C, L]} copy once in {@link #prepare}
 * (torch transforms along the last dim); K is wrapped zero-copy ({@code from_blob}); {@link Prepared#writeOutput()}
 * copies the {@code [B, C, L]} view back into out {@code [B, L, C]} ({@code copy_} into a strided view of out).
 * {@code torch.set_num_threads(threads)} is process-wide: the last prepared torch peer wins.
 */
public final class TorchFftConvPeer implements FftConvPeer {

    @Override
    public String name() {
        return "pytorch fft.rfft/irfft";
    }

    @Override
    public FftConvPeer.Prepared prepare(ConvShape s, Tensor u, Tensor kernel, Tensor out, int threads) {
        long b = s.batch(), l = s.seqLen(), c = s.channels(), lk = s.kernelLen(), n = s.fftLength();
        requireF32("u", u, b * l * c);
        requireF32("kernel", kernel, c * lk);
        requireF32("out", out, b * l * c);
        torch.set_num_threads(Math.max(1, threads));
        TensorOptions options = new TensorOptions(torch.ScalarType.Float);
        // [B, C, L] views of the [B, L, C] memory of u and out; K [C, Lk] as it is.
        long[] bclSizes = {b, c, l};
        long[] bclStrides = {l * c, 1, c};
        org.bytedeco.pytorch.Tensor uView = torch.from_blob(address(u), bclSizes, bclStrides, options);
        org.bytedeco.pytorch.Tensor tu = uView.contiguous();
        uView.close();
        org.bytedeco.pytorch.Tensor tk = torch.from_blob(address(kernel), new long[] {c, lk}, new long[] {lk, 1},
                options);
        org.bytedeco.pytorch.Tensor tout = torch.from_blob(address(out), bclSizes, bclStrides, options);
        LongOptional fftLen = new LongOptional(n);
        StringViewOptional norm = new StringViewOptional(); // "backward": irfft scales by 1/n
        return new FftConvPeer.Prepared() {
            private org.bytedeco.pytorch.Tensor result;

            @Override
            public void run() {
                if (result != null) {
                    result.close(); // y = ... rebinds: the last run's y is freed
                    result = null;
                }
                org.bytedeco.pytorch.Tensor fu = torch.fft_rfft(tu, fftLen, -1, norm);
                org.bytedeco.pytorch.Tensor fk = torch.fft_rfft(tk, fftLen, -1, norm);
                org.bytedeco.pytorch.Tensor prod = torch.mul(fu, fk);
                fu.close();
                fk.close();
                org.bytedeco.pytorch.Tensor y = torch.fft_irfft(prod, fftLen, -1, norm);
                prod.close();
                result = torch.narrow(y, -1, 0, l);
                y.close(); // the view keeps y's storage
            }

            @Override
            public void writeOutput() {
                if (result == null) {
                    throw new IllegalStateException("writeOutput before run");
                }
                tout.copy_(result);
            }

            @Override
            public void close() {
                if (result != null) {
                    result.close();
                    result = null;
                }
                tu.close();
                tk.close();
                tout.close();
                fftLen.close();
                norm.close();
                options.close();
            }
        };
    }

    private static TorchSdpaPeer.Address address(Tensor t) {
        return new TorchSdpaPeer.Address(t.segment().address(), t.segment().byteSize());
    }

    static void requireF32(String what, Tensor t, long elements) {
        if (t.dtype() != DType.F32 || !t.isContiguous() || t.elementCount() != elements) {
            throw new IllegalArgumentException(what + ": expected a contiguous F32 tensor of " + elements
                    + " elements, got " + t);
        }
    }
}
