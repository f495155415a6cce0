package dev.panamax.bench.ssm;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.FftConv;
import dev.panamax.FftConvMethod;
import dev.panamax.Panamax;
import dev.panamax.Tensor;
import dev.panamax.bench.peers.FftConvPeer;
import dev.panamax.bench.peers.FftConvPeer.ConvShape;
import dev.panamax.bench.sweep.Candidate;
import dev.panamax.bench.sweep.OpSweep;
import dev.panamax.bench.sweep.SweepArgs;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.bench.sweep.Trial;
import dev.panamax.bench.sweep.WorkUnit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;

/**
 * The long causal convolution of S4 layers over a list of sequence lengths L (kernel as long as the sequence
 * unless {@code kernelLen} is given), rated in FFT-equivalent GFLOP/s, with any peers on the same inputs.
 *
 * @param seqLens   the L values, in order
 * @param batch     B
 * @param channels  C
 * @param kernelLen Lk; 0 = L
 * @param method    how Panamax computes it
 * @param seed      random inputs
 * @param peers     other implementations timed beside it (none without {@code --peers})
 */
public record FftConvSweep(Context ctx, List<Integer> seqLens, int batch, int channels, int kernelLen,
                           FftConvMethod method, long seed, List<FftConvPeer> peers) implements OpSweep<ConvShape> {

    public FftConvSweep {
        seqLens = List.copyOf(seqLens);
        peers = List.copyOf(peers);
        if (seqLens.isEmpty()) throw new IllegalArgumentException("--n: give at least one sequence length");
        for (int n : seqLens) SweepArgs.positive("--n", n);
        SweepArgs.positive("--batch", batch);
        SweepArgs.positive("--channels", channels);
        if (kernelLen < 0) throw new IllegalArgumentException("--kernel-len: must be >= 0 (0 = L), got " + kernelLen);
    }

    @Override
    public String title() {
        return String.format(Locale.ROOT, "FFT convolution (S4, method %s): B=%d C=%d Lk=%s, float32, %d thread(s), "
                + "ISA %s", method, batch, channels, kernelLen == 0 ? "L" : Integer.toString(kernelLen),
                ctx.numThreads(), Panamax.cpuIsa().name());
    }

    @Override
    public String plotTitle() {
        return String.format(Locale.ROOT, "FFT conv B=%d C=%d", batch, channels);
    }

    @Override
    public String sizeName() {
        return "L";
    }

    @Override
    public String sizeDescription() {
        return "sequence length L";
    }

    @Override
    public List<String> shapeColumns() {
        return List.of("l", "batch", "channels", "kernel_len", "fft_len");
    }

    @Override
    public WorkUnit workUnit() {
        return WorkUnit.FLOP;
    }

    @Override
    public List<String> baselineNames() {
        return List.of();
    }

    @Override
    public List<String> peerNames() {
        return peers.stream().map(FftConvPeer::name).toList();
    }

    @Override
    public String legend() {
        return "GFLOP/s counts FFT-equivalent flops at the padded length n (the power of two >= L + Lk - 1): a real\n"
                + "FFT as 2.5·n·log2(n), per (sequence, channel) the forward and inverse transforms and the 3n of the\n"
                + "complex product, per channel the kernel's transform; the same count for every implementation.\n"
                + "Peers compute the same convolution (no D) by FFT with the same padding and transform the kernel "
                + "in every run;\nlayout copies of the inputs and outputs (token-major to the peer's own) are not "
                + "timed.\nPanamax runs with a caller workspace kept across calls.\nmem: extra native memory (fused: out and the "
                + "workspace).\n";
    }

    @Override
    public List<ConvShape> shapes() {
        return seqLens.stream().map(l -> new ConvShape(batch, l, channels, kernelLen == 0 ? l : kernelLen)).toList();
    }

    @Override
    public long size(ConvShape s) {
        return s.seqLen();
    }

    @Override
    public List<String> shapeValues(ConvShape s) {
        return List.of(Integer.toString(s.seqLen()), Integer.toString(s.batch()), Integer.toString(s.channels()),
                Integer.toString(s.kernelLen()), Long.toString(s.fftLength()));
    }

    @Override
    public double work(ConvShape s) {
        return flops(s.batch(), s.channels(), fftLength(s));
    }

    /** Panamax pads to L + min(Lk, L) - 1; the peers' shape says L + Lk - 1: equal when Lk <= L. */
    private static long fftLength(ConvShape s) {
        return new ConvShape(s.batch(), s.seqLen(), s.channels(), Math.min(s.kernelLen(), s.seqLen())).fftLength();
    }

    /** FFT-equivalent flops of one convolution at padded length n. */
    public static double flops(long b, long c, long n) {
        double fft = 2.5 * n * (Math.log(n) / Math.log(2));
        return b * c * (2 * fft + 3.0 * n) + c * fft;
    }

    @Override
    public Trial prepare(ConvShape s, Arena arena) {
        long b = s.batch(), l = s.seqLen(), c = s.channels(), lk = s.kernelLen();
        Tensor u = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, l, c), seed, -1, 1);
        // A decaying kernel, as S4D's are: the outputs stay of the inputs' scale whatever L is.
        Tensor k = Tensor.allocate(arena, DType.F32, c, lk);
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed + 1);
        for (long ch = 0; ch < c; ch++) {
            double rate = 1.0 / (16 + r.nextInt(4096));
            for (long j = 0; j < lk; j++) k.setFloat((float) ((r.nextDouble() * 2 - 1) * Math.exp(-j * rate) * rate * 4), ch, j);
        }
        Tensor out = Tensor.allocate(arena, DType.F32, b, l, c);
        return new Trial() {
            @Override
            public Candidate fused() {
                // The caller's workspace, kept across calls (what a user running long sequences does: the
                // FFT's is larger than the pooled scratch keeps).
                long bytes = FftConv.workspaceBytes(ctx, u, k, null, method);
                MemorySegment ws = bytes > 0 ? arena.allocate(bytes, 64) : null;
                return Candidate.of(() -> FftConv.run(ctx, u, k, null, method, out, ws),
                        TensorData.byteSize(out) + bytes);
            }

            @Override
            public Candidate baseline(int index) {
                throw new IndexOutOfBoundsException("the FFT convolution sweep has no baselines");
            }

            @Override
            public Candidate peer(int index) throws Exception {
                Tensor peerOut = Tensor.allocate(arena, DType.F32, b, l, c);
                FftConvPeer.Prepared prepared = peers.get(index).prepare(s, u, k, peerOut, ctx.numThreads());
                return Candidate.compared(prepared::run, () -> {
                    prepared.writeOutput();
                    return TensorData.maxAbsDiff(peerOut, out);
                }, prepared);
            }
        };
    }
}
