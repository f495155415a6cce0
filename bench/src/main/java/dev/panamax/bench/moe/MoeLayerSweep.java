package dev.panamax.bench.moe;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.MoE;
import dev.panamax.MoeActivation;
import dev.panamax.Panamax;
import dev.panamax.Tensor;
import dev.panamax.baseline.Baselines;
import dev.panamax.bench.peers.MoePeer;
import dev.panamax.bench.sweep.Candidate;
import dev.panamax.bench.sweep.OpSweep;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.bench.sweep.Trial;
import dev.panamax.bench.sweep.WorkUnit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;

/**
 * The whole MoE layer (prefill) over a list of token counts T, rated in GFLOP/s of its expert GEMMs against the
 * in-run oneDNN sgemm rate. Baselines: the expert stage alone (on rows permuted once outside the timing) and a
 * dense FFN doing the same flops (one sgemm pair, or triple when gated, over all T·k rows with the full thread
 * team); peers (ungated only: ONNX Runtime's CPU MoE has no W3) on the same x, logits and weights.
 */
public record MoeLayerSweep(Context ctx, List<Integer> tokens, int dmodel, int hidden, int experts, int topK,
                            boolean gated, long seed, List<MoePeer> peers) implements OpSweep<MoeBenchShape> {

    public MoeLayerSweep {
        tokens = List.copyOf(tokens);
        peers = List.copyOf(peers);
        if (tokens.isEmpty()) throw new IllegalArgumentException("--tokens: give at least one token count");
        for (int t : tokens) new MoeBenchShape(t, dmodel, hidden, experts, topK, gated);
    }

    @Override
    public String title() {
        return String.format(Locale.ROOT, "MoE layer: d=%d h=%d E=%d k=%d %s SiLU, softmax routing (dropless), "
                + "float32, %d thread(s), ISA %s", dmodel, hidden, experts, topK, gated ? "gated (W3)" : "ungated",
                ctx.numThreads(), Panamax.cpuIsa().name());
    }

    @Override
    public String plotTitle() {
        return String.format(Locale.ROOT, "MoE d=%d h=%d E=%d k=%d%s", dmodel, hidden, experts, topK,
                gated ? " gated" : "");
    }

    @Override
    public String sizeName() {
        return "T";
    }

    @Override
    public String sizeDescription() {
        return "tokens T";
    }

    @Override
    public List<String> shapeColumns() {
        return List.of("tokens", "dmodel", "hidden", "experts", "top_k", "gated");
    }

    @Override
    public WorkUnit workUnit() {
        return WorkUnit.FLOP;
    }

    @Override
    public List<String> baselineNames() {
        return List.of("experts", "dense FFN");
    }

    @Override
    public List<String> peerNames() {
        return peers.stream().map(MoePeer::name).toList();
    }

    @Override
    public String legend() {
        return "GFLOP/s counts the expert GEMMs: 2·d·h flops per row and weight matrix (2 matrices, 3 gated), over "
                + "the T·k rows.\n'% sgemm' is the fraction of the in-run oneDNN sgemm rate.\n"
                + "fused: the whole layer (router on given logits, permute, expert GEMMs, combine), caller workspace.\n"
                + "experts: the expert stage alone on rows permuted once outside the timing.\n"
                + "dense FFN: the same flops as one dense FFN over the T·k rows (sgemm calls with the full team).\n"
                + "Peers get the same x, logits (softmax, top k, renormalised) and W1, W2; no W3, no biases.\n";
    }

    @Override
    public List<MoeBenchShape> shapes() {
        return tokens.stream().map(t -> new MoeBenchShape(t, dmodel, hidden, experts, topK, gated)).toList();
    }

    @Override
    public long size(MoeBenchShape s) {
        return s.tokens();
    }

    @Override
    public List<String> shapeValues(MoeBenchShape s) {
        return List.of(Integer.toString(s.tokens()), Integer.toString(s.dmodel()), Integer.toString(s.hidden()),
                Integer.toString(s.experts()), Integer.toString(s.topK()), Boolean.toString(s.gated()));
    }

    @Override
    public double work(MoeBenchShape s) {
        return s.expertFlops();
    }

    @Override
    public Trial prepare(MoeBenchShape s, Arena arena) {
        MoeBenchInputs in = new MoeBenchInputs(ctx, s, arena, seed);
        long bytes = MoE.workspaceBytes(ctx, in.x, null, in.logits, in.options, in.weights, MoeActivation.SILU,
                in.out);
        MemorySegment workspace = arena.allocate(Math.max(bytes, 64), 64);
        return new Trial() {
            @Override
            public Candidate fused() {
                return Candidate.of(() -> MoE.forward(ctx, in.x, null, in.logits, in.options, in.weights,
                        MoeActivation.SILU, in.out, null, workspace), bytes + TensorData.byteSize(in.out));
            }

            @Override
            public Candidate baseline(int index) {
                long r = s.rows(), d = s.dmodel(), h = s.hidden();
                switch (index) {
                    case 0:
                        return Candidate.of(() -> MoE.experts(ctx, in.xSorted, in.offsets, in.weights,
                                MoeActivation.SILU, in.ySorted), TensorData.byteSize(in.ySorted));
                    case 1: {
                        MemorySegment hidden1 = arena.allocate(4 * r * h, 64);
                        MemorySegment hidden3 = s.gated() ? arena.allocate(4 * r * h, 64) : null;
                        MemorySegment y = arena.allocate(4 * r * d, 64);
                        MemorySegment xs = in.xSorted.segment(), w1 = in.weights.w1().segment().asSlice(0, 4 * d * h);
                        MemorySegment w2 = in.weights.w2().segment().asSlice(0, 4 * h * d);
                        MemorySegment w3 = s.gated() ? in.weights.w3().segment().asSlice(0, 4 * d * h) : null;
                        return Candidate.of(() -> {
                            Baselines.sgemm(ctx, r, h, d, xs, w1, hidden1);
                            if (hidden3 != null) Baselines.sgemm(ctx, r, h, d, xs, w3, hidden3);
                            Baselines.sgemm(ctx, r, d, h, hidden1, w2, y);
                        }, 4 * r * (d + h * (s.gated() ? 2 : 1)));
                    }
                    default:
                        throw new IndexOutOfBoundsException("the MoE layer has 2 baselines, got " + index);
                }
            }

            @Override
            public Candidate peer(int index) throws Exception {
                if (s.gated()) return Candidate.skipped("no W3 (gated) form on the CPU");
                Tensor peerOut = Tensor.allocate(arena, DType.F32, s.tokens(), s.dmodel());
                MoePeer.Prepared prepared = peers.get(index).prepare(
                        new MoePeer.MoeShape(s.tokens(), s.dmodel(), s.hidden(), s.experts(), s.topK()), in.x,
                        in.logits, in.weights.w1(), in.weights.w2(), peerOut, ctx.numThreads());
                return Candidate.compared(prepared::run, () -> TensorData.maxAbsDiff(peerOut, in.out), prepared);
            }
        };
    }
}
