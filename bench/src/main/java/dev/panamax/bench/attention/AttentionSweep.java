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
        return String.format(Locale.ROOT, "Attention forward: B=%d H=%d Hkv=%d D=%d %s%s, float32, %d thread(s), ISA %s",
                config.batch(), config.heads(), config.kvHeads(), config.headDim(),
                config.causal() ? "causal" : "non-causal", sparse() ? ", " + config.sparsity().describe() : "",
                ctx.numThreads(), Panamax.cpuIsa().name());
    }

    @Override
    public String plotTitle() {
        return String.format(Locale.ROOT, "attention B=%d H=%d D=%d%s%s", config.batch(), config.heads(),
                config.headDim(), config.causal() ? " causal" : "", sparse() ? ", " + config.sparsity().describe() : "");
    }

    /** The variant's description for a sparse sweep ("window 256"), "fused" for dense attention. */
    @Override
    public String fusedName() {
        return sparse() ? config.sparsity().describe() : "fused";
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

    private boolean sparse() {
        return !config.sparsity().isDense();
    }

    @Override
    public List<String> baselineNames() {
        if (!sparse()) return List.of("unfused");
        if (config.sparsity().alsoBigbird()) return List.of("dense", "BigBird");
        return config.sparsity().topk() > 0 ? List.of("dense", "fixed layout") : List.of("dense");
    }

    @Override
    public List<String> peerNames() {
        return peers.stream().map(AttentionPeer::name).toList();
    }

    @Override
    public String legend() {
        if (sparse()) {
            return "GFLOP/s counts 4*B*H*D per query-key pair the variant visits (dense: every unmasked pair).\n"
                    + "dense: the same call without the variant (" + (config.causal() ? "causal" : "non-causal")
                    + "), on the same inputs; vs dense = how many times faster.\n"
                    + (config.sparsity().topk() > 0 ? "fixed layout: the layout the top-k call chose, given as a "
                    + "block mask (fused ms - fixed layout ms = the selection).\n" : "")
                    + (config.sparsity().alsoBigbird() ? "BigBird: a BigBird layout of " + config.sparsity().block()
                    + "-blocks (window 1, random 3, global 2) on the same inputs, rated by the pairs it visits.\n" : "")
                    + "Peers get the same window, softcap and layout"
                    + (config.sparsity().peersCanRun() ? ".\n" : "; they have no ALiBi, top-k or fused RoPE: not run.\n")
                    + "mem: extra native memory (fused: workspace + out).\n";
        }
        return "GFLOP/s counts 4*B*H*D per unmasked query-key pair.\n"
                + "unfused: QK^T and PV as two oneDNN sgemm calls with a row softmax between them (what numpy "
                + "or PyTorch's math path do);\n"
                + "  it runs only for N <= " + config.unfusedMaxN() + " (--unfused-max-n).\n"
                + "mem: extra native memory (fused: workspace + out; unfused: its N x N score workspace + out).\n";
    }

    @Override
    public List<AttentionShape> shapes() {
        return config.seqLens().stream()
                .map(n -> config.sparsity().shape(config.shape(n), ctx, config.seed() + n)).toList();
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
        return sparse() ? 4.0 * s.headDim() * config.sparsity().visitedPairs(s) : Flops.attention(s);
    }

    @Override
    public Trial prepare(AttentionShape s, Arena arena) {
        long seed = config.seed() + s.seqLen();
        Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.heads(), s.headDim()), seed);
        Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.kvHeads(), s.headDim()), seed + 1);
        Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.kvHeads(), s.headDim()), seed + 2);
        Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
        AttentionOptions dense = AttentionOptions.builder().causal(s.causal()).build();
        AttentionOptions options = sparse() ? config.sparsity().options(s, arena) : dense;
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
                if (sparse() && index == 1 && config.sparsity().alsoBigbird()) return bigBird();
                if (sparse()) return index == 0 ? denseBaseline() : fixedLayout();
                if (s.seqLen() > config.unfusedMaxN()) {
                    return Candidate.skipped("N > --unfused-max-n " + config.unfusedMaxN());
                }
                Tensor unfusedOut = Tensor.allocate(arena, DType.F32, q.shape());
                long workspaceBytes = Baselines.attentionUnfusedWorkspaceBytes(ctx, q, k, v, dense);
                MemorySegment workspace = arena.allocate(workspaceBytes, 64);
                return Candidate.of(() -> Baselines.attentionUnfused(ctx, q, k, v, dense, unfusedOut, null,
                        workspace), workspaceBytes + TensorData.byteSize(unfusedOut));
            }

            // The same call without the variant: the rate the variant's is compared with.
            private Candidate denseBaseline() {
                Tensor denseOut = Tensor.allocate(arena, DType.F32, q.shape());
                long workspaceBytes = Attention.workspaceBytes(ctx, q, k, v, dense);
                MemorySegment workspace = arena.allocate(workspaceBytes, 64);
                return Candidate.of(() -> Attention.forward(ctx, q, k, v, dense, denseOut, null, workspace),
                        workspaceBytes + TensorData.byteSize(denseOut)).withWork(Flops.attention(s));
            }

            // A BigBird layout on the same inputs, rated by the pairs it visits.
            private Candidate bigBird() {
                Sparsity bb = Sparsity.bigBird(config.sparsity().block());
                AttentionShape shape = bb.shape(config.shape(s.seqLen()), ctx, config.seed() + s.seqLen());
                AttentionOptions o = bb.options(shape, arena);
                Tensor bbOut = Tensor.allocate(arena, DType.F32, q.shape());
                long workspaceBytes = Attention.workspaceBytes(ctx, q, k, v, o);
                MemorySegment workspace = arena.allocate(workspaceBytes, 64);
                return Candidate.of(() -> Attention.forward(ctx, q, k, v, o, bbOut, null, workspace),
                        workspaceBytes + TensorData.byteSize(bbOut)).withWork(4.0 * s.headDim() * bb.visitedPairs(shape));
            }

            // Top-k: the chosen layout as a block mask, so the selection's cost is the difference.
            private Candidate fixedLayout() {
                Tensor layout = Tensor.allocate(arena, DType.U8, Attention.lseShape(q, options)[0], s.heads(),
                        Math.ceilDiv(s.seqLen(), config.sparsity().block()), Math.ceilDiv(s.seqLen(), config.sparsity().block()));
                Attention.forward(ctx, q, k, v, options.toBuilder().layoutOut(layout).build(),
                        Tensor.allocate(arena, DType.F32, q.shape()), null);
                AttentionOptions fixed = options.toBuilder().topkBlocks(0, config.sparsity().block(), config.sparsity().block())
                        .blockMask(layout, config.sparsity().block(), config.sparsity().block()).build();
                Tensor fixedOut = Tensor.allocate(arena, DType.F32, q.shape());
                long workspaceBytes = Attention.workspaceBytes(ctx, q, k, v, fixed);
                MemorySegment workspace = arena.allocate(workspaceBytes, 64);
                return Candidate.of(() -> Attention.forward(ctx, q, k, v, fixed, fixedOut, null, workspace),
                        workspaceBytes + TensorData.byteSize(fixedOut));
            }

            @Override
            public Candidate peer(int index) throws Exception {
                AttentionPeer peer = peers.get(index);
                if (!config.sparsity().peersCanRun()) {
                    return Candidate.skipped("no ALiBi, top-k or fused RoPE in the peers");
                }
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
