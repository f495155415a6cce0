package dev.panamax.bench.ssm;

import dev.panamax.CausalConv1d;
import dev.panamax.CausalConv1dOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Panamax;
import dev.panamax.Tensor;
import dev.panamax.bench.peers.CausalConv1dPeer;
import dev.panamax.bench.peers.CausalConv1dPeer.ConvShape;
import dev.panamax.bench.sweep.Candidate;
import dev.panamax.bench.sweep.CopyRate;
import dev.panamax.bench.sweep.OpSweep;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.bench.sweep.SweepArgs;
import dev.panamax.bench.sweep.Trial;
import dev.panamax.bench.sweep.WorkUnit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;

/**
 * Mamba's causal conv1d (bias, optionally SiLU, a final state) over a list of sequence lengths L, rated in
 * GB/s of x read plus out written against a copy of as many bytes timed in the same rounds, and any peers on
 * the same inputs.
 *
 * @param seqLens  the L values, in order
 * @param batch    B
 * @param channels C
 * @param width    W (1..8)
 * @param silu     SiLU on the output
 * @param seed     random inputs
 * @param peers    other implementations timed beside it (none without {@code --peers})
 */
public record CausalConv1dSweep(Context ctx, List<Integer> seqLens, int batch, int channels, int width, boolean silu,
                                long seed, List<CausalConv1dPeer> peers) implements OpSweep<CausalConv1dSweep.Shape> {

    /** One swept shape. */
    public record Shape(int batch, int seqLen, int channels, int width) {}

    public CausalConv1dSweep {
        seqLens = List.copyOf(seqLens);
        peers = List.copyOf(peers);
        if (seqLens.isEmpty()) throw new IllegalArgumentException("--n: give at least one sequence length");
        for (int n : seqLens) SweepArgs.positive("--n", n);
        SweepArgs.positive("--batch", batch);
        SweepArgs.positive("--channels", channels);
        if (width < 1 || width > 8) throw new IllegalArgumentException("--width: must be in 1..8, got " + width);
    }

    @Override
    public String title() {
        return String.format(Locale.ROOT, "Causal conv1d (bias%s, final state): B=%d C=%d W=%d, float32, %d thread(s), "
                + "ISA %s", silu ? ", SiLU" : "", batch, channels, width, ctx.numThreads(), Panamax.cpuIsa().name());
    }

    @Override
    public String plotTitle() {
        return String.format(Locale.ROOT, "causal conv1d B=%d C=%d W=%d", batch, channels, width);
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
        return List.of("l", "batch", "channels", "width");
    }

    @Override
    public WorkUnit workUnit() {
        return WorkUnit.BYTE;
    }

    @Override
    public List<String> baselineNames() {
        return List.of("copy");
    }

    @Override
    public List<String> peerNames() {
        return peers.stream().map(CausalConv1dPeer::name).toList();
    }

    @Override
    public String legend() {
        return "GB/s counts the bytes of x read plus out written (2*B*L*C*4).\n"
                + "copy: x copied into a buffer of its size on the same threads, timed in the same rounds "
                + "('vs copy' = the fraction of copy bandwidth reached).\n"
                + "mem: extra native memory (fused: out and the final state).\n"
                + "Peers get the same x, weight and bias (no initial state) and write a final state too; onnxruntime "
                + "CausalConvWithState\nis channel-major [B, C, L]: x is transposed for it once per L and its output "
                + "back before the comparison,\nneither timed (its time is the op alone).\n";
    }

    @Override
    public List<Shape> shapes() {
        return seqLens.stream().map(l -> new Shape(batch, l, channels, width)).toList();
    }

    @Override
    public long size(Shape s) {
        return s.seqLen();
    }

    @Override
    public List<String> shapeValues(Shape s) {
        return List.of(Integer.toString(s.seqLen()), Integer.toString(s.batch()), Integer.toString(s.channels()),
                Integer.toString(s.width()));
    }

    @Override
    public double work(Shape s) {
        return 2.0 * 4 * s.batch() * s.seqLen() * s.channels();
    }

    @Override
    public Trial prepare(Shape s, Arena arena) {
        Tensor x = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.channels()), seed);
        Tensor weight = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.channels(), s.width()), seed + 1, 0.5);
        Tensor bias = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.channels()), seed + 2, 0.2);
        Tensor out = Tensor.allocate(arena, DType.F32, x.shape());
        Tensor state = Tensor.allocate(arena, DType.F32, s.batch(), s.channels(), s.width() - 1);
        CausalConv1dOptions o = CausalConv1dOptions.builder().bias(bias).silu(silu).build();
        return new Trial() {
            @Override
            public Candidate fused() {
                return Candidate.of(() -> CausalConv1d.run(ctx, x, weight, o, out, state),
                        TensorData.byteSize(out) + TensorData.byteSize(state));
            }

            @Override
            public Candidate baseline(int index) {
                if (index != 0) throw new IndexOutOfBoundsException("causal conv1d has one baseline (copy), got " + index);
                MemorySegment copyOut = arena.allocate(x.segment().byteSize(), 64);
                CopyRate.Copier copier = new CopyRate.Copier(ctx.numThreads());
                return new Candidate(() -> copier.copy(x.segment(), copyOut), copyOut.byteSize(), null, copier, null,
                        Double.NaN);
            }

            @Override
            public Candidate peer(int index) throws Exception {
                Tensor peerOut = Tensor.allocate(arena, DType.F32, x.shape());
                ConvShape shape = new ConvShape(s.batch(), s.seqLen(), s.channels(), s.width(), silu, true);
                CausalConv1dPeer.Prepared prepared = peers.get(index).prepare(shape, x, weight, bias, peerOut,
                        ctx.numThreads());
                return Candidate.compared(prepared::run, () -> {
                    prepared.writeOutput();
                    return TensorData.maxAbsDiff(peerOut, out);
                }, prepared);
            }
        };
    }
}
