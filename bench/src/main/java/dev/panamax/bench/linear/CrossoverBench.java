package dev.panamax.bench.linear;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Panamax;
import dev.panamax.Tensor;
import dev.panamax.bench.report.TextTable;
import dev.panamax.bench.report.Units;
import dev.panamax.bench.sweep.Repeats;
import dev.panamax.bench.sweep.Rounds;
import dev.panamax.bench.sweep.SweepArgs;
import dev.panamax.bench.sweep.TensorData;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code bench linear --mode crossover}: exact fused attention ({@link Attention#forward}) and every
 * {@link Approximation}, timed in the same rounds ({@link Rounds}) at each N of a grid, causal and not; then, per
 * approximation and mask, the N from which it stays faster than the exact kernel ({@link Crossover}).
 */
public final class CrossoverBench {
    private final Context ctx;
    private final LinearDims dims;
    private final List<Approximation> candidates;
    private final List<Integer> seqLens;
    private final List<Boolean> masks;
    private final Repeats repeats;
    private final long seed;
    private final Consumer<String> progress;

    public CrossoverBench(Context ctx, LinearDims dims, List<Approximation> candidates, List<Integer> seqLens,
                          List<Boolean> masks, Repeats repeats, long seed, Consumer<String> progress) {
        this.ctx = ctx;
        this.dims = dims;
        this.candidates = List.copyOf(candidates);
        this.seqLens = List.copyOf(seqLens);
        this.masks = List.copyOf(masks);
        this.repeats = repeats;
        this.seed = seed;
        this.progress = progress;
        AccuracyBench.requireSquareHeads(dims);
        if (this.candidates.isEmpty()) throw new IllegalArgumentException("--features: give at least one");
        if (this.seqLens.isEmpty()) throw new IllegalArgumentException("--n: give at least one sequence length");
        for (int i = 0; i < this.seqLens.size(); i++) {
            SweepArgs.positive("--n", this.seqLens.get(i));
            if (i > 0 && this.seqLens.get(i) <= this.seqLens.get(i - 1)) {
                throw new IllegalArgumentException("--n: the crossover grid must ascend, got " + this.seqLens);
            }
        }
    }

    public String title() {
        return String.format(Locale.ROOT, "Linear attention against exact fused attention, crossover: %s, float32, "
                + "%d thread(s), ISA %s", dims.describe(), ctx.numThreads(), Panamax.cpuIsa().name());
    }

    public LinearReport run() throws Exception {
        List<String> header = new ArrayList<>(List.of("N", "mask", "exact ms"));
        List<String> csv = new ArrayList<>(List.of("n", "causal", "batch", "heads", "d", "chunk", "threads",
                "exact_ms"));
        for (Approximation a : candidates) {
            header.add(a.name() + " ms");
            csv.add(a.name() + "_ms");
        }
        LinearReport report = new LinearReport(title(), header, csv);
        int nc = candidates.size();
        TextTable summary = new TextTable(List.of("approximation", "mask", "faster from N"));
        int total = masks.size() * seqLens.size(), step = 0;
        long b = dims.batch(), h = dims.heads(), d = dims.dk();
        for (boolean causal : masks) {
            double[] exactMs = new double[seqLens.size()];
            double[][] candMs = new double[nc][seqLens.size()];
            for (int i = 0; i < seqLens.size(); i++) {
                int n = seqLens.get(i);
                String where = "[" + (++step) + "/" + total + "] " + (causal ? "causal" : "non-causal") + " N=" + n;
                progress.accept(where + " ...");
                long start = System.nanoTime();
                try (Arena arena = Arena.ofShared()) {
                    Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h, d), seed, -1, 1);
                    Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h, d), seed + 1, -1, 1);
                    Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h, d), seed + 2, -1, 1);
                    Tensor exactOut = Tensor.allocate(arena, DType.F32, b, n, h, d);
                    AttentionOptions o = AttentionOptions.builder().causal(causal).build();
                    List<Rounds.Entry> entries = new ArrayList<>();
                    entries.add(new Rounds.Entry(() -> Attention.forward(ctx, q, k, v, o, exactOut, null), false));
                    List<Integer> running = new ArrayList<>();
                    for (int c = 0; c < nc; c++) {
                        Approximation a = candidates.get(c);
                        candMs[c][i] = Double.NaN;
                        if (causal && !a.supportsCausal()) continue;
                        Tensor out = Tensor.allocate(arena, DType.F32, b, n, h, d);
                        Approximation.Prepared p = a.prepare(ctx, arena, q, k, v, causal, out);
                        entries.add(new Rounds.Entry(p::run, false));
                        running.add(c);
                    }
                    List<Rounds.Outcome> outcomes = Rounds.run(repeats.warmup(), repeats.repeats(), 0,
                            Rounds.REWARM_BELOW_MILLIS, entries);
                    exactMs[i] = outcomes.get(0).millis();
                    for (int r = 0; r < running.size(); r++) candMs[running.get(r)][i] = outcomes.get(r + 1).millis();
                }
                List<String> cells = new ArrayList<>(List.of(Integer.toString(n), causal ? "causal" : "none",
                        Units.millis(exactMs[i])));
                List<String> csvCells = new ArrayList<>(List.of(Integer.toString(n), Boolean.toString(causal),
                        Long.toString(b), Long.toString(h), Long.toString(d), Long.toString(dims.effectiveChunk()),
                        Integer.toString(ctx.numThreads()), LinearReport.num(exactMs[i])));
                for (int c = 0; c < nc; c++) {
                    cells.add(Units.millis(candMs[c][i]));
                    csvCells.add(LinearReport.num(candMs[c][i]));
                }
                report.add(cells, csvCells);
                progress.accept(where + " done in " + Units.duration((System.nanoTime() - start) / 1e6));
            }
            List<Long> sizes = seqLens.stream().map(Integer::longValue).toList();
            for (int c = 0; c < nc; c++) {
                Crossover x = Crossover.find(sizes, exactMs, candMs[c]);
                summary.addRow(candidates.get(c).name(), causal ? "causal" : "none", x.describe());
            }
        }
        report.appendSection(summary.render());
        report.legend("ms: median wall time after warm-up; all of one row run once per round, in turn. exact: "
                + "Panamax's fused\nsoftmax attention (Attention.forward); the others: LinearAttention.run with that "
                + "feature map (normalised).\nfaster from N: the smallest N of the grid from which the approximation "
                + "is faster at every larger N,\n~ the crossing interpolated in log-log between the grid points around "
                + "it; '<= N': faster everywhere;\n'> N': not faster at the end of the grid.\n");
        return report;
    }
}
