package dev.panamax.bench.rope;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Panamax;
import dev.panamax.Rope;
import dev.panamax.RopeConfig;
import dev.panamax.RopeStyle;
import dev.panamax.Tensor;
import dev.panamax.bench.peers.RopePeer;
import dev.panamax.bench.peers.RopePeer.RopeShape;
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
 * Standalone RoPE over a list of sequence lengths: Panamax's kernel (out of place, row n at position n) and
 * any peers, on the same random x for each N, rated in GB/s of x read plus out written against the in-run
 * copy bandwidth. Inputs and outputs are allocated once per N, outside the timing.
 *
 * @param seqLens   the N values, in order
 * @param batch     B
 * @param heads     H
 * @param headDim   D
 * @param rotaryDim rd (0 = D)
 * @param style     pairs (i, i + rd/2) or (2i, 2i + 1)
 * @param seed      random inputs
 */
public record RopeSweep(Context ctx, List<Integer> seqLens, int batch, int heads, int headDim, int rotaryDim,
                        RopeStyle style, long seed, List<RopePeer> peers) implements OpSweep<RopeShape> {

    public RopeSweep {
        seqLens = List.copyOf(seqLens);
        peers = List.copyOf(peers);
        if (seqLens.isEmpty()) {
            throw new IllegalArgumentException("--n: give at least one sequence length");
        }
        for (int n : seqLens) {
            SweepArgs.positive("--n", n);
        }
        SweepArgs.positive("--batch", batch);
        SweepArgs.positive("--heads", heads);
        SweepArgs.positive("--head-dim", headDim);
        if (rotaryDim < 0 || rotaryDim % 2 != 0) {
            throw new IllegalArgumentException("--rope-dim: must be 0 (= D) or even, got " + rotaryDim);
        }
        if (rotaryDim == 0 && headDim % 2 != 0) {
            throw new IllegalArgumentException("--rope-dim: 0 means D, but --head-dim " + headDim + " is odd");
        }
        if (rotaryDim > headDim) {
            throw new IllegalArgumentException("--rope-dim: " + rotaryDim + " exceeds --head-dim " + headDim);
        }
    }

    /** The settings every shape runs with: theta 10000, no scaling. */
    public RopeConfig config() {
        return RopeConfig.builder().style(style).rotaryDim(rotaryDim).build();
    }

    @Override
    public String title() {
        return String.format(Locale.ROOT, "RoPE (standalone, out of place): B=%d H=%d D=%d rd=%d %s, float32, "
                + "%d thread(s), ISA %s", batch, heads, headDim, rotaryDim == 0 ? headDim : rotaryDim,
                style.name().toLowerCase(Locale.ROOT), ctx.numThreads(), Panamax.cpuIsa().name());
    }

    @Override
    public String plotTitle() {
        return String.format(Locale.ROOT, "rope B=%d H=%d D=%d", batch, heads, headDim);
    }

    @Override
    public String sizeName() {
        return "N";
    }

    @Override
    public String sizeDescription() {
        return "sequence length N";
    }

    @Override
    public List<String> shapeColumns() {
        return List.of("n", "batch", "heads", "head_dim", "rotary_dim", "style");
    }

    @Override
    public WorkUnit workUnit() {
        return WorkUnit.BYTE;
    }

    /** The copy of x into a buffer of its size on the same threads, timed in the same rounds: the in-run ceiling. */
    @Override
    public List<String> baselineNames() {
        return List.of("copy");
    }

    @Override
    public List<String> peerNames() {
        return peers.stream().map(RopePeer::name).toList();
    }

    @Override
    public String legend() {
        return "GB/s counts the bytes of x read plus out written (2*B*N*H*D*4); the ceiling is a multi-threaded "
                + "copy\n(read + write) of the largest x, measured in this run with the same threads.\n"
                + "Peers get the same rotation (theta 10000, no scaling, row n at position n); onnxruntime "
                + "RotaryEmbedding\nneeds caller-built cos/sin caches [N, rd/2]: built once per N, outside the "
                + "timing (not counted).\ncopy: x copied into a buffer of its size on the same threads, timed in "
                + "the same rounds (vs copy = fused rate / copy rate).\nmem: extra native memory (fused: out).\n";
    }

    @Override
    public List<RopeShape> shapes() {
        int rd = rotaryDim == 0 ? headDim : rotaryDim;
        return seqLens.stream().map(n -> new RopeShape(batch, n, heads, headDim, rd,
                style == RopeStyle.INTERLEAVED)).toList();
    }

    @Override
    public long size(RopeShape s) {
        return s.seqLen();
    }

    @Override
    public List<String> shapeValues(RopeShape s) {
        return List.of(Integer.toString(s.seqLen()), Integer.toString(s.batch()), Integer.toString(s.heads()),
                Integer.toString(s.headDim()), Integer.toString(s.rotaryDim()), s.interleaved() ? "interleaved" : "half");
    }

    @Override
    public double work(RopeShape s) {
        return 2.0 * 4 * s.batch() * s.seqLen() * s.heads() * s.headDim();
    }

    @Override
    public Trial prepare(RopeShape s, Arena arena) {
        Tensor x = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.heads(), s.headDim()),
                seed + s.seqLen());
        Tensor out = Tensor.allocate(arena, DType.F32, x.shape());
        RopeConfig config = config();
        return new Trial() {
            @Override
            public Candidate fused() {
                return Candidate.of(() -> Rope.apply(ctx, x, null, config, out), TensorData.byteSize(out));
            }

            @Override
            public Candidate baseline(int index) {
                if (index != 0) throw new IndexOutOfBoundsException("rope has one baseline (copy), got " + index);
                MemorySegment copyOut = arena.allocate(x.segment().byteSize(), 64);
                CopyRate.Copier copier = new CopyRate.Copier(ctx.numThreads());
                return new Candidate(() -> copier.copy(x.segment(), copyOut), copyOut.byteSize(), null, copier, null,
                        Double.NaN);
            }

            @Override
            public Candidate peer(int index) throws Exception {
                Tensor peerOut = Tensor.allocate(arena, DType.F32, x.shape());
                RopePeer.Prepared prepared = peers.get(index).prepare(s, x, peerOut, ctx.numThreads());
                return Candidate.compared(prepared::run, () -> TensorData.maxAbsDiff(peerOut, out), prepared);
            }
        };
    }
}
