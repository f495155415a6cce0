package dev.panamax.bench.ssm;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Panamax;
import dev.panamax.Ssd;
import dev.panamax.SsdOptions;
import dev.panamax.Tensor;
import dev.panamax.bench.peers.SsdPeer;
import dev.panamax.bench.peers.SsdPeer.SsdShape;
import dev.panamax.bench.sweep.Candidate;
import dev.panamax.bench.sweep.OpSweep;
import dev.panamax.bench.sweep.SweepArgs;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.bench.sweep.Trial;
import dev.panamax.bench.sweep.WorkUnit;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Locale;

/**
 * Mamba-2's SSD over a list of sequence lengths L, rated in GFLOP/s of the chunked algorithm against the
 * in-run oneDNN sgemm rate, with any peers on the same inputs. The problem is the one the peers compute: dt
 * already positive (Mamba-2's range, 0.001 .. 0.1), A in [-8, -1], no D, a final state.
 *
 * @param seqLens  the L values, in order
 * @param batch    B
 * @param heads    H
 * @param headDim  P
 * @param stateDim N
 * @param groups   G (divides H)
 * @param chunk    tokens per chunk (0 = the library's default)
 * @param seed     random inputs
 * @param peers    other implementations timed beside it (none without {@code --peers})
 */
public record SsdSweep(Context ctx, List<Integer> seqLens, int batch, int heads, int headDim, int stateDim, int groups,
                       int chunk, long seed, List<SsdPeer> peers) implements OpSweep<SsdShape> {

    public SsdSweep {
        seqLens = List.copyOf(seqLens);
        peers = List.copyOf(peers);
        if (seqLens.isEmpty()) throw new IllegalArgumentException("--n: give at least one sequence length");
        for (int n : seqLens) SweepArgs.positive("--n", n);
        SweepArgs.positive("--batch", batch);
        SweepArgs.positive("--heads", heads);
        SweepArgs.positive("--head-dim", headDim);
        SweepArgs.positive("--state-dim", stateDim);
        SweepArgs.positive("--groups", groups);
        if (heads % groups != 0) {
            throw new IllegalArgumentException("--groups: " + groups + " does not divide --heads " + heads);
        }
        if (chunk < 0 || chunk > SsdOptions.MAX_CHUNK) {
            throw new IllegalArgumentException("--chunk: must be in 0.." + SsdOptions.MAX_CHUNK + ", got " + chunk);
        }
    }

    /** The chunk the library runs. */
    long effectiveChunk() {
        return chunk == 0 ? SsdOptions.DEFAULT_CHUNK : chunk;
    }

    @Override
    public String title() {
        return String.format(Locale.ROOT, "SSD (Mamba-2, chunked, chunk %d): B=%d H=%d P=%d N=%d G=%d, float32, "
                + "%d thread(s), ISA %s", effectiveChunk(), batch, heads, headDim, stateDim, groups,
                ctx.numThreads(), Panamax.cpuIsa().name());
    }

    @Override
    public String plotTitle() {
        return String.format(Locale.ROOT, "SSD B=%d H=%d P=%d N=%d", batch, heads, headDim, stateDim);
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
        return List.of("l", "batch", "heads", "head_dim", "state_dim", "groups", "chunk");
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
        return peers.stream().map(SsdPeer::name).toList();
    }

    @Override
    public String legend() {
        return "GFLOP/s counts the chunked algorithm's multiply-adds (2 flops each), per chunk of q tokens: per head\n"
                + "q(q+1)P for the masked C·B^T·x, 2qNP for C times the entering state and 2qNP for the new state;\n"
                + "per group q(q+1)N for C·B^T (causal halves only). '% sgemm' is the fraction of the in-run oneDNN "
                + "sgemm rate.\n"
                + "Peers get the same x, dt, A, B, C and compute the same recurrence token by token; onnxruntime\n"
                + "LinearAttention (rule 'gated') takes v = dt·x and the log-decay dt·A, formed once per L outside "
                + "the timing.\n"
                + "mem: extra native memory (fused: out, the final state and the workspace).\n";
    }

    @Override
    public List<SsdShape> shapes() {
        return seqLens.stream().map(l -> new SsdShape(batch, l, heads, headDim, groups, stateDim)).toList();
    }

    @Override
    public long size(SsdShape s) {
        return s.seqLen();
    }

    @Override
    public List<String> shapeValues(SsdShape s) {
        return List.of(Integer.toString(s.seqLen()), Integer.toString(s.batch()), Integer.toString(s.heads()),
                Integer.toString(s.headDim()), Integer.toString(s.stateDim()), Integer.toString(s.groups()),
                Long.toString(effectiveChunk()));
    }

    @Override
    public double work(SsdShape s) {
        return flops(s.batch(), s.seqLen(), s.heads(), s.headDim(), s.stateDim(), s.groups(), effectiveChunk());
    }

    /** The chunked algorithm's flops for B sequences of L tokens (the last chunk may be partial). */
    public static double flops(long b, long l, long h, long p, long n, long g, long chunk) {
        double total = 0;
        for (long t0 = 0; t0 < l; t0 += chunk) {
            double q = Math.min(chunk, l - t0);
            total += h * (q * (q + 1) * p + 4 * q * n * p) + g * q * (q + 1) * n;
        }
        return b * total;
    }

    @Override
    public Trial prepare(SsdShape s, Arena arena) {
        long b = s.batch(), l = s.seqLen(), h = s.heads(), p = s.headDim(), n = s.stateDim(), g = s.groups();
        Tensor x = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, l, h, p), seed, -1, 1);
        Tensor dt = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, l, h), seed + 1, 0.001, 0.1);
        Tensor a = TensorData.uniform(Tensor.allocate(arena, DType.F32, h), seed + 2, -8, -1);
        Tensor bm = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, l, g, n), seed + 3, -1, 1);
        Tensor cm = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, l, g, n), seed + 4, -1, 1);
        SsdOptions o = SsdOptions.builder().chunk(chunk).build();
        Tensor out = Tensor.allocate(arena, DType.F32, b, l, h, p);
        Tensor state = Tensor.allocate(arena, DType.F32, b, h, p, n);
        return new Trial() {
            @Override
            public Candidate fused() {
                return Candidate.of(() -> Ssd.run(ctx, x, dt, a, bm, cm, o, out, state),
                        TensorData.byteSize(out) + TensorData.byteSize(state));
            }

            @Override
            public Candidate baseline(int index) {
                throw new IndexOutOfBoundsException("the SSD sweep has no baselines (its ceiling is sgemm)");
            }

            @Override
            public Candidate peer(int index) throws Exception {
                Tensor peerOut = Tensor.allocate(arena, DType.F32, b, l, h, p);
                SsdPeer.Prepared prepared = peers.get(index).prepare(s, x, dt, a, bm, cm, peerOut, ctx.numThreads());
                return Candidate.compared(prepared::run, () -> TensorData.maxAbsDiff(peerOut, out), prepared);
            }
        };
    }
}
