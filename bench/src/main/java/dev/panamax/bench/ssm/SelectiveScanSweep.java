package dev.panamax.bench.ssm;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Panamax;
import dev.panamax.SelectiveScan;
import dev.panamax.SelectiveScanOptions;
import dev.panamax.Tensor;
import dev.panamax.baseline.Baselines;
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
 * Mamba's selective scan over a list of sequence lengths L, with Mamba's options (D, z, delta bias,
 * softplus, a final state), on random inputs with dt in Mamba's range. Rated in Gexp/s: the scan takes one
 * exp per (token, channel, state), so its ceiling is the larger of two in-run times, both baselines timed in
 * the same rounds: the exps themselves (the vectorised exp on the same threads) and the bytes it must move
 * (a copy of as many bytes). The plain float32 loop on one thread is the third baseline.
 *
 * @param seqLens  the L values, in order
 * @param batch    B
 * @param channels Dm
 * @param states   Ns
 * @param groups   G (divides Dm)
 * @param seed     random inputs
 * @param sequential whether to time the sequential loop (slow: about a minute at L = 64k, Dm = 1536)
 */
public record SelectiveScanSweep(Context ctx, List<Integer> seqLens, int batch, int channels, int states, int groups,
                                 long seed, boolean sequential) implements OpSweep<SelectiveScanSweep.Shape> {

    /** One swept shape. */
    public record Shape(int batch, int seqLen, int channels, int states, int groups) {
        long tokens() {
            return (long) batch * seqLen;
        }
    }

    public SelectiveScanSweep {
        seqLens = List.copyOf(seqLens);
        if (seqLens.isEmpty()) throw new IllegalArgumentException("--n: give at least one sequence length");
        for (int n : seqLens) SweepArgs.positive("--n", n);
        SweepArgs.positive("--batch", batch);
        SweepArgs.positive("--channels", channels);
        SweepArgs.positive("--states", states);
        SweepArgs.positive("--groups", groups);
        if (states > 256) throw new IllegalArgumentException("--states: must be <= 256, got " + states);
        if (channels % groups != 0) {
            throw new IllegalArgumentException("--groups: " + groups + " does not divide --channels " + channels);
        }
    }

    @Override
    public String title() {
        return String.format(Locale.ROOT, "Selective scan (Mamba-1, D, z, delta bias, softplus): B=%d Dm=%d Ns=%d "
                + "G=%d, float32, %d thread(s), ISA %s", batch, channels, states, groups, ctx.numThreads(),
                Panamax.cpuIsa().name());
    }

    @Override
    public String plotTitle() {
        return String.format(Locale.ROOT, "selective scan B=%d Dm=%d Ns=%d", batch, channels, states);
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
        return List.of("l", "batch", "channels", "states", "groups");
    }

    @Override
    public WorkUnit workUnit() {
        return WorkUnit.EXP;
    }

    @Override
    public List<String> baselineNames() {
        return sequential ? List.of("exp", "copy", "sequential") : List.of("exp", "copy");
    }

    @Override
    public List<String> peerNames() {
        return List.of();
    }

    @Override
    public String legend() {
        return "Gexp/s counts one exp per (token, channel, state): B*L*Dm*Ns. The in-run roofline is the larger of\n"
                + "the exp and copy times: 'vs exp' and 'vs copy' below 1 are the fractions of each ceiling reached\n"
                + "(the roofline fraction is the larger of the two).\n"
                + "exp: as many vectorised exps (the 2^x the kernel uses) on the same threads.\n"
                + "copy: the bytes the scan must move (u, delta, z, B, C read; out written) as one multi-threaded "
                + "copy.\nsequential: the recurrence as a plain float32 loop on one thread (libm expf).\n"
                + "mem: extra native memory (fused: out and the final state).\n";
    }

    @Override
    public List<Shape> shapes() {
        return seqLens.stream().map(l -> new Shape(batch, l, channels, states, groups)).toList();
    }

    @Override
    public long size(Shape s) {
        return s.seqLen();
    }

    @Override
    public List<String> shapeValues(Shape s) {
        return List.of(Integer.toString(s.seqLen()), Integer.toString(s.batch()), Integer.toString(s.channels()),
                Integer.toString(s.states()), Integer.toString(s.groups()));
    }

    @Override
    public double work(Shape s) {
        return (double) s.tokens() * s.channels() * s.states();
    }

    /** Bytes the scan must move: u, delta, z and out (Dm floats per token), B and C (G·Ns each). */
    static long compulsoryBytes(Shape s) {
        return 4L * s.tokens() * (4L * s.channels() + 2L * s.groups() * s.states());
    }

    @Override
    public Trial prepare(Shape s, Arena arena) {
        long b = s.batch(), l = s.seqLen(), dm = s.channels(), ns = s.states(), g = s.groups();
        Tensor u = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, l, dm), seed, -1, 1);
        Tensor delta = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, l, dm), seed + 1, -4, -1);
        Tensor z = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, l, dm), seed + 2, -3, 3);
        Tensor a = TensorData.uniform(Tensor.allocate(arena, DType.F32, dm, ns), seed + 3, -8, -0.5);
        Tensor bm = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, l, g, ns), seed + 4, -1, 1);
        Tensor cm = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, l, g, ns), seed + 5, -1, 1);
        Tensor d = TensorData.uniform(Tensor.allocate(arena, DType.F32, dm), seed + 6, -1, 1);
        Tensor bias = TensorData.uniform(Tensor.allocate(arena, DType.F32, dm), seed + 7, -0.5, 0.5);
        SelectiveScanOptions o = SelectiveScanOptions.builder().d(d).z(z).deltaBias(bias).deltaSoftplus(true).build();
        Tensor out = Tensor.allocate(arena, DType.F32, b, l, dm);
        Tensor state = Tensor.allocate(arena, DType.F32, b, dm, ns);
        double exps = work(s);
        return new Trial() {
            @Override
            public Candidate fused() {
                return Candidate.of(() -> SelectiveScan.run(ctx, u, delta, a, bm, cm, o, out, state),
                        TensorData.byteSize(out) + TensorData.byteSize(state));
            }

            @Override
            public Candidate baseline(int index) {
                switch (index) {
                    case 0:
                        return Candidate.of(() -> Baselines.exp(ctx, (long) exps), 0);
                    case 1: {
                        long half = (compulsoryBytes(s) / 2 + 63) & ~63L;
                        MemorySegment src = arena.allocate(half, 64), dst = arena.allocate(half, 64);
                        src.fill((byte) 1);
                        CopyRate.Copier copier = new CopyRate.Copier(ctx.numThreads());
                        return new Candidate(() -> copier.copy(src, dst), 2 * half, null, copier, null, Double.NaN);
                    }
                    case 2: {
                        Tensor seqOut = Tensor.allocate(arena, DType.F32, b, l, dm);
                        return Candidate.of(() -> Baselines.selectiveScanSequential(ctx, u, delta, a, bm, cm, o, seqOut,
                                null), TensorData.byteSize(seqOut));
                    }
                    default:
                        throw new IndexOutOfBoundsException("selective scan has " + baselineNames().size()
                                + " baselines, got " + index);
                }
            }

            @Override
            public Candidate peer(int index) {
                throw new IndexOutOfBoundsException("selective scan has no peers");
            }
        };
    }
}
