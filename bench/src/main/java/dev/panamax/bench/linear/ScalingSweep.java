package dev.panamax.bench.linear;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.LinearAttention;
import dev.panamax.LinearAttentionOptions;
import dev.panamax.Panamax;
import dev.panamax.Tensor;
import dev.panamax.bench.peers.LinearPeer;
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
 * {@code bench linear --mode scaling}: kernel linear attention with one feature map over a list of sequence
 * lengths, rated in GFLOP/s of the chunked algorithm ({@link LinearFlops}) against the in-run sgemm rate, with the
 * peers that compute the same problem (elu1, causal) on the same inputs. Time linear in N shows as a flat rate.
 *
 * @param feature the map
 * @param causal  causal (chunked) or not
 * @param peers   those that support the problem are timed; the others are left out of the table
 */
public record ScalingSweep(Context ctx, LinearDims dims, FeatureSpec feature, boolean causal, List<Integer> seqLens,
                           long seed, List<LinearPeer> peers) implements OpSweep<Integer> {

    public ScalingSweep {
        seqLens = List.copyOf(seqLens);
        if (seqLens.isEmpty()) throw new IllegalArgumentException("--n: give at least one sequence length");
        for (int n : seqLens) SweepArgs.positive("--n", n);
        RateBench.Problem p = RateBench.Problem.attention(feature, causal);
        peers = p.peerProblem() == null ? List.of()
                : peers.stream().filter(x -> x.supports(p.peerProblem())).toList();
    }

    private RateBench.Problem problem() {
        return RateBench.Problem.attention(feature, causal);
    }

    @Override
    public String title() {
        return String.format(Locale.ROOT, "Linear attention, %s %s (chunk %d): %s, normalised, float32, %d thread(s), "
                        + "ISA %s", feature.name(), causal ? "causal" : "non-causal", dims.effectiveChunk(),
                dims.describe(), ctx.numThreads(), Panamax.cpuIsa().name());
    }

    @Override
    public String plotTitle() {
        return String.format(Locale.ROOT, "Linear attention %s%s H=%d Dk=%d Dv=%d", feature.name(),
                causal ? " causal" : "", dims.heads(), dims.dk(), dims.dv());
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
        return List.of("n", "batch", "heads", "dk", "dv", "features", "feature_map", "causal", "chunk");
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
        return peers.stream().map(LinearPeer::name).toList();
    }

    @Override
    public String legend() {
        return "GFLOP/s counts the chunked algorithm's multiply-adds (2 flops each), per chunk of q tokens and head:\n"
                + (causal ? "q(q+1)/2·(F + Dv) for the masked φ(Q)φ(K)ᵀ and its product with V, 2·q·F·Dv "
                + "for the state in and out" : "2·q·F·Dv for the state in and out")
                + (feature.projectionDk(1) > 0 ? "; FAVOR's W·x adds m·Dk per q and k row" : "")
                + ".\nA flat GFLOP/s over N is a time linear in N. The call writes out, the final state and normaliser.\n"
                + (peers.isEmpty() ? "" : "onnxruntime LinearAttention (linear) gets φ(q), φ(k) and v with a column "
                + "of ones appended, formed once\noutside the timing; its numerator is divided by that column after "
                + "the timing.\n");
    }

    @Override
    public List<Integer> shapes() {
        return seqLens;
    }

    @Override
    public long size(Integer n) {
        return n;
    }

    @Override
    public List<String> shapeValues(Integer n) {
        return List.of(Integer.toString(n), Integer.toString(dims.batch()), Integer.toString(dims.heads()),
                Integer.toString(dims.dk()), Integer.toString(dims.dv()), Long.toString(feature.features(dims.dk())),
                feature.name(), Boolean.toString(causal), Long.toString(dims.effectiveChunk()));
    }

    @Override
    public double work(Integer n) {
        return problem().flops(dims, n);
    }

    @Override
    public Trial prepare(Integer n, Arena arena) {
        long b = dims.batch(), h = dims.heads(), dk = dims.dk(), dv = dims.dv(), f = feature.features(dk);
        Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h, dk), seed, -1, 1);
        Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h, dk), seed + 1, -1, 1);
        Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h, dv), seed + 2, -1, 1);
        Tensor out = Tensor.allocate(arena, DType.F32, b, n, h, dv);
        Tensor state = Tensor.allocate(arena, DType.F32, b, h, f, dv);
        Tensor norm = Tensor.allocate(arena, DType.F32, b, h, f);
        LinearAttentionOptions o = feature.options(arena, dk, seed + 5).causal(causal).chunk(dims.chunk()).build();
        return new Trial() {
            @Override
            public Candidate fused() {
                return Candidate.of(() -> LinearAttention.run(ctx, q, k, v, o, out, state, norm),
                        TensorData.byteSize(out) + TensorData.byteSize(state) + TensorData.byteSize(norm));
            }

            @Override
            public Candidate baseline(int index) {
                throw new IndexOutOfBoundsException("the linear scaling sweep has no baselines (its ceiling is sgemm)");
            }

            @Override
            public Candidate peer(int index) throws Exception {
                Tensor peerOut = Tensor.allocate(arena, DType.F32, out.shape());
                LinearPeer.LinearShape shape = new LinearPeer.LinearShape(problem().peerProblem(), (int) b, n, (int) h,
                        (int) dk, (int) dv);
                LinearPeer.Prepared p = peers.get(index).prepare(shape, q, k, v, null, null, peerOut,
                        ctx.numThreads());
                return Candidate.compared(p::run, () -> {
                    p.writeOutput();
                    return TensorData.maxAbsDiff(peerOut, out);
                }, p);
            }
        };
    }
}
