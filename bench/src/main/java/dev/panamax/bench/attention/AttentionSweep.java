package dev.panamax.bench.attention;

import dev.panamax.baseline.Baselines;
import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.peers.AttentionPeer;
import dev.panamax.bench.peers.AttentionPeer.AttentionShape;
import dev.panamax.bench.report.Units;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Times fused attention, the naive O(N²)-memory kernel and any peers over a
 * list of sequence lengths, on the same random inputs for each N. Inputs,
 * outputs and the fused workspace are allocated once per N, outside the timing.
 */
public final class AttentionSweep {
    private final Context ctx;
    private final SweepConfig config;
    private final List<AttentionPeer> peers;
    private final Consumer<String> progress;

    public AttentionSweep(Context ctx, SweepConfig config, List<AttentionPeer> peers, Consumer<String> progress) {
        this.ctx = ctx;
        this.config = config;
        this.peers = List.copyOf(peers);
        this.progress = progress;
    }

    /** Measures every N in order; {@code sink} gets each row as soon as it is done. */
    public List<SweepRow> run(Consumer<SweepRow> sink) throws Exception {
        List<SweepRow> rows = new ArrayList<>();
        List<Integer> ns = config.seqLens();
        for (int i = 0; i < ns.size(); i++) {
            int n = ns.get(i);
            progress.accept("[" + (i + 1) + "/" + ns.size() + "] N=" + n + " ...");
            long start = System.nanoTime();
            SweepRow row = measure(config.shape(n));
            rows.add(row);
            sink.accept(row);
            progress.accept("[" + (i + 1) + "/" + ns.size() + "] N=" + n + " done in "
                    + Units.duration((System.nanoTime() - start) / 1e6) + ": fused " + Units.millis(row.fusedMillis())
                    + " ms" + (row.hasNaive() ? ", naive " + Units.millis(row.naiveMillis()) + " ms" : ""));
        }
        return rows;
    }

    /** Measures one shape. */
    public SweepRow measure(AttentionShape s) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            long seed = config.seed() + s.seqLen();
            Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.heads(), s.headDim()), seed);
            Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.kvHeads(), s.headDim()), seed + 1);
            Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.kvHeads(), s.headDim()), seed + 2);
            Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
            AttentionOptions options = AttentionOptions.builder().causal(s.causal()).build();

            long workspaceBytes = Attention.workspaceBytes(ctx, q, k, v, options);
            MemorySegment workspace = arena.allocate(workspaceBytes, 64);
            double fusedMs = time(() -> Attention.forward(ctx, q, k, v, options, out, null, workspace));
            long fusedBytes = workspaceBytes + TensorData.byteSize(out);

            double naiveMs = Double.NaN;
            long naiveBytes = -1;
            if (s.seqLen() <= config.naiveMaxN()) {
                Tensor naiveOut = Tensor.allocate(arena, DType.F32, q.shape());
                naiveBytes = Baselines.attentionUnfusedWorkspaceBytes(ctx, q, k, v, options) + TensorData.byteSize(naiveOut);
                naiveMs = time(() -> Baselines.attentionUnfused(ctx, q, k, v, options, naiveOut, null));
            }

            List<PeerResult> peerResults = new ArrayList<>();
            for (AttentionPeer peer : peers) {
                peerResults.add(measurePeer(peer, s, q, k, v, out, arena));
            }
            return new SweepRow(s, fusedMs, fusedBytes, naiveMs, naiveBytes, peerResults);
        }
    }

    private PeerResult measurePeer(AttentionPeer peer, AttentionShape s, Tensor q, Tensor k, Tensor v, Tensor fusedOut,
                                   Arena arena) {
        String name = peer.name();
        if (!peer.supports(s)) {
            return PeerResult.skipped(name, "does not support this shape");
        }
        Tensor peerOut = Tensor.allocate(arena, DType.F32, q.shape());
        try (AttentionPeer.Prepared prepared = peer.prepare(s, q, k, v, peerOut, ctx.numThreads())) {
            double ms = time(prepared::run);
            return new PeerResult(name, ms, TensorData.maxAbsDiff(peerOut, fusedOut), null);
        } catch (Exception | LinkageError e) {
            String why = "failed: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
            progress.accept("peer " + name + " at N=" + s.seqLen() + " " + why);
            return PeerResult.skipped(name, why);
        }
    }

    private double time(Timing.Action action) throws Exception {
        return Timing.medianMillis(config.warmup(), config.repeats(), config.budgetMillis(), action);
    }
}
