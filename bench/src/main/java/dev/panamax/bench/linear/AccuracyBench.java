package dev.panamax.bench.linear;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Panamax;
import dev.panamax.Tensor;
import dev.panamax.bench.report.Units;
import dev.panamax.bench.sweep.SweepArgs;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code bench linear --mode accuracy}: the relative error {@code ‖approx − exact‖_F / ‖exact‖_F} of each
 * {@link Approximation} against exact softmax attention ({@code softmax(q kᵀ / √D) v}, Panamax's fused
 * {@link Attention#forward}), per sequence length, {@link InputKind} and mask. Nothing is timed.
 */
public final class AccuracyBench {
    private final Context ctx;
    private final LinearDims dims;
    private final List<Approximation> candidates;
    private final List<Integer> seqLens;
    private final List<InputKind> kinds;
    private final List<Boolean> masks;
    private final int rank;
    private final long seed;
    private final Consumer<String> progress;

    /** @param masks false = non-causal, true = causal, in the order given */
    public AccuracyBench(Context ctx, LinearDims dims, List<Approximation> candidates, List<Integer> seqLens,
                         List<InputKind> kinds, List<Boolean> masks, int rank, long seed, Consumer<String> progress) {
        this.ctx = ctx;
        this.dims = dims;
        this.candidates = List.copyOf(candidates);
        this.seqLens = List.copyOf(seqLens);
        this.kinds = List.copyOf(kinds);
        this.masks = List.copyOf(masks);
        this.rank = rank;
        this.seed = seed;
        this.progress = progress;
        requireSquareHeads(dims);
        if (this.candidates.isEmpty()) throw new IllegalArgumentException("--features: give at least one");
        if (this.seqLens.isEmpty()) throw new IllegalArgumentException("--n: give at least one sequence length");
        for (int n : this.seqLens) SweepArgs.positive("--n", n);
        if (this.kinds.isEmpty()) throw new IllegalArgumentException("--inputs: give at least one kind");
        if (this.kinds.contains(InputKind.LOW_RANK) && (rank < 1 || rank > dims.dk())) {
            throw new IllegalArgumentException("--rank: must be in 1.." + dims.dk() + " (Dk), got " + rank);
        }
    }

    /** Exact attention has one head dim: the approximations are compared at Dk = Dv. */
    static void requireSquareHeads(LinearDims dims) {
        if (dims.dk() != dims.dv()) {
            throw new IllegalArgumentException("--dv: exact attention needs Dk = Dv, got Dk " + dims.dk() + ", Dv "
                    + dims.dv());
        }
        if (dims.dk() > Attention.MAX_HEAD_DIM) {
            throw new IllegalArgumentException("--dk: exact attention takes D up to " + Attention.MAX_HEAD_DIM
                    + ", got " + dims.dk());
        }
    }

    public String title() {
        return String.format(Locale.ROOT, "Linear attention accuracy against exact softmax attention (scale 1/sqrt(D)): "
                + "%s, float32, %d thread(s), ISA %s", dims.describe(), ctx.numThreads(), Panamax.cpuIsa().name());
    }

    public LinearReport run() {
        List<String> header = new ArrayList<>(List.of("N", "inputs", "mask"));
        List<String> csv = new ArrayList<>(List.of("n", "inputs", "causal", "batch", "heads", "d", "rank", "chunk",
                "seed"));
        for (Approximation a : candidates) {
            header.add(a.name());
            csv.add(a.name() + "_rel_error");
        }
        LinearReport report = new LinearReport(title(), header, csv);
        int total = seqLens.size() * kinds.size(), step = 0;
        long b = dims.batch(), h = dims.heads(), d = dims.dk();
        for (int n : seqLens) {
            for (InputKind kind : kinds) {
                String where = "[" + (++step) + "/" + total + "] N=" + n + " " + kind.cliName();
                progress.accept(where + " ...");
                long start = System.nanoTime();
                try (Arena arena = Arena.ofShared()) {
                    LinearInputs in = LinearInputs.make(arena, kind, b, n, h, d, rank, seed + n);
                    Tensor exact = Tensor.allocate(arena, DType.F32, b, n, h, d);
                    Tensor approx = Tensor.allocate(arena, DType.F32, b, n, h, d);
                    for (boolean causal : masks) {
                        Attention.forward(ctx, in.q, in.k, in.v, AttentionOptions.builder().causal(causal).build(),
                                exact, null);
                        List<String> cells = new ArrayList<>(List.of(Integer.toString(n), kind.cliName(),
                                causal ? "causal" : "none"));
                        List<String> csvCells = new ArrayList<>(List.of(Integer.toString(n), kind.cliName(),
                                Boolean.toString(causal), Long.toString(b), Long.toString(h), Long.toString(d),
                                kind == InputKind.LOW_RANK ? Integer.toString(rank) : "",
                                Long.toString(dims.effectiveChunk()), Long.toString(seed + n)));
                        for (Approximation a : candidates) {
                            double err = Double.NaN;
                            if (!causal || a.supportsCausal()) {
                                approx.segment().fill((byte) 0x7f);  // poison: a row left unwritten shows
                                a.prepare(ctx, arena, in.q, in.k, in.v, causal, approx).run();
                                err = RelativeError.frobenius(approx, exact);
                            }
                            cells.add(Units.error(err));
                            csvCells.add(LinearReport.num(err));
                        }
                        report.add(cells, csvCells);
                    }
                }
                progress.accept(where + " done in " + Units.duration((System.nanoTime() - start) / 1e6));
            }
        }
        report.legend("Each cell: ‖approx − exact‖_F / ‖exact‖_F over the whole output (B·N·H·D values), exact = "
                + "Panamax's fused softmax\nattention in float32 (its own error is ~1e-6). elu1, relu: φ(q)ᵀφ(k) "
                + "normalised (eps 1e-6); favor<m>: FAVOR+ with m\northogonal random features, an unbiased estimate "
                + "of exp(q·k/√D). '-': no causal form. Inputs (v ~ N(0, 1) in all):\n"
                + "random: q, k ~ N(0, 1); low-rank: q, k of rank " + rank + " per head; peaked: blocks of "
                + LinearInputs.PEAK_BLOCK + " tokens share a direction,\neach query scoring ~" + LinearInputs.PEAK_SCORE
                + " against its block's keys and ~N(0, 5) against the others.\n");
        return report;
    }
}
