package dev.panamax.bench.attention;

import dev.panamax.bench.sweep.TensorData;
import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Panamax;
import dev.panamax.Tensor;
import dev.panamax.baseline.Baselines;
import dev.panamax.bench.peers.AttentionPeer;
import dev.panamax.bench.peers.AttentionPeer.AttentionShape;
import dev.panamax.bench.sweep.Candidate;
import dev.panamax.bench.sweep.OpSweep;
import dev.panamax.bench.sweep.Trial;
import dev.panamax.bench.sweep.WorkUnit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;

/**
 * Attention forward over a list of sequence lengths: the fused kernel, the
 * unfused baseline (sgemm, softmax, sgemm: O(N²) memory) and any peers, on
 * the same random inputs for each N. Inputs, outputs and workspaces are
 * allocated once per N, outside the timing.
 */
public final class AttentionSweep implements OpSweep<AttentionShape> {
    private final Context ctx;
    private final SweepConfig config;
    private final List<AttentionPeer> peers;

    public AttentionSweep(Context ctx, SweepConfig config, List<AttentionPeer> peers) {
        this.ctx = ctx;
        this.config = config;
        this.peers = List.copyOf(peers);
    }

    @Override
    public String title() {
        return String.format(Locale.ROOT, "Attention forward: B=%d H=%d Hkv=%d D=%d %s, float32, %d thread(s), ISA %s",
                config.batch(), config.heads(), config.kvHeads(), config.headDim(),
                config.causal() ? "causal" : "non-causal", ctx.numThreads(), Panamax.cpuIsa().name());
    }

    @Override
    public String plotTitle() {
        return String.format(Locale.ROOT, "attention B=%d H=%d D=%d%s", config.batch(), config.heads(),
                config.headDim(), config.causal() ? " causal" : "");
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
        return List.of("n", "batch", "heads", "kv_heads", "head_dim", "causal");
    }

    @Override
    public WorkUnit workUnit() {
        return WorkUnit.FLOP;
    }

    @Override
    public List<String> baselineNames() {
        return List.of("unfused");
    }

    @Override
    public List<String> peerNames() {
        return peers.stream().map(AttentionPeer::name).toList();
    }

    @Override
    public String legend() {
        return "GFLOP/s counts 4*B*H*D per unmasked query-key pair.\n"
                + "unfused: QK^T and PV as two oneDNN sgemm calls with a row softmax between them (what numpy "
                + "or PyTorch's math path do);\n"
                + "  it runs only for N <= " + config.unfusedMaxN() + " (--unfused-max-n).\n"
                + "mem: extra native memory (fused: workspace + out; unfused: its N x N score workspace + out).\n";
    }

    @Override
    public List<AttentionShape> shapes() {
        return config.seqLens().stream().map(config::shape).toList();
    }

    @Override
    public long size(AttentionShape s) {
        return s.seqLen();
    }

    @Override
    public List<String> shapeValues(AttentionShape s) {
        return List.of(Integer.toString(s.seqLen()), Integer.toString(s.batch()), Integer.toString(s.heads()),
                Integer.toString(s.kvHeads()), Integer.toString(s.headDim()), Boolean.toString(s.causal()));
    }

    @Override
    public double work(AttentionShape s) {
        return Flops.attention(s);
    }

    @Override
    public Trial prepare(AttentionShape s, Arena arena) {
        long seed = config.seed() + s.seqLen();
        Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.heads(), s.headDim()), seed);
        Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.kvHeads(), s.headDim()), seed + 1);
        Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.kvHeads(), s.headDim()), seed + 2);
        Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
        AttentionOptions options = AttentionOptions.builder().causal(s.causal()).build();
        return new Trial() {
            @Override
            public Candidate fused() {
                long workspaceBytes = Attention.workspaceBytes(ctx, q, k, v, options);
                MemorySegment workspace = arena.allocate(workspaceBytes, 64);
                return Candidate.of(() -> Attention.forward(ctx, q, k, v, options, out, null, workspace),
                        workspaceBytes + TensorData.byteSize(out));
            }

            @Override
            public Candidate baseline(int index) {
                if (s.seqLen() > config.unfusedMaxN()) {
                    return Candidate.skipped("N > --unfused-max-n " + config.unfusedMaxN());
                }
                Tensor unfusedOut = Tensor.allocate(arena, DType.F32, q.shape());
                long workspaceBytes = Baselines.attentionUnfusedWorkspaceBytes(ctx, q, k, v, options);
                MemorySegment workspace = arena.allocate(workspaceBytes, 64);
                return Candidate.of(() -> Baselines.attentionUnfused(ctx, q, k, v, options, unfusedOut, null,
                        workspace), workspaceBytes + TensorData.byteSize(unfusedOut));
            }

            @Override
            public Candidate peer(int index) throws Exception {
                AttentionPeer peer = peers.get(index);
                if (!peer.supports(s)) {
                    return Candidate.skipped("does not support this shape");
                }
                Tensor peerOut = Tensor.allocate(arena, DType.F32, q.shape());
                AttentionPeer.Prepared prepared = peer.prepare(s, q, k, v, peerOut, ctx.numThreads());
                return Candidate.compared(prepared::run, () -> TensorData.maxAbsDiff(peerOut, out), prepared);
            }
        };
    }
}
