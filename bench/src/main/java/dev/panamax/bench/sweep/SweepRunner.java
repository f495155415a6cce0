package dev.panamax.bench.sweep;

import dev.panamax.bench.report.Units;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Times an {@link OpSweep}: for each shape, its inputs are allocated once
 * (outside the timing), the fused call, each baseline and each peer are made
 * ready on them, then they run {@link Repeats} times in rounds, one run of each
 * per round ({@link Rounds}). A failing fused call or baseline fails the
 * sweep; a failing peer is reported and left out of that row.
 */
public final class SweepRunner {
    private final Repeats repeats;
    private final Consumer<String> progress;

    /** @param progress gets one plain line per step (no terminal control codes) */
    public SweepRunner(Repeats repeats, Consumer<String> progress) {
        this.repeats = repeats;
        this.progress = progress;
    }

    /** Measures every shape in order. */
    public <S> SweepResult run(OpSweep<S> op, Ceiling ceiling, int threads) throws Exception {
        List<SweepRow> rows = new ArrayList<>();
        List<S> shapes = op.shapes();
        for (int i = 0; i < shapes.size(); i++) {
            S shape = shapes.get(i);
            String step = "[" + (i + 1) + "/" + shapes.size() + "] " + op.sizeName() + "=" + op.size(shape);
            progress.accept(step + " ...");
            long start = System.nanoTime();
            SweepRow row = measure(op, shape, step);
            rows.add(row);
            progress.accept(step + " done in " + Units.duration((System.nanoTime() - start) / 1e6) + ": "
                    + summary(op, row));
        }
        return new SweepResult(op, ceiling, threads, rows);
    }

    private <S> SweepRow measure(OpSweep<S> op, S shape, String step) throws Exception {
        try (Arena arena = Arena.ofShared()) {  // shared: baselines may use worker threads (CopyRate.Copier)
            Trial trial = op.prepare(shape, arena);
            int nb = op.baselineNames().size(), np = op.peerNames().size();
            List<Candidate> candidates = new ArrayList<>();
            try {
                candidates.add(trial.fused());
                for (int b = 0; b < nb; b++) {
                    candidates.add(trial.baseline(b));
                }
                for (int p = 0; p < np; p++) {
                    candidates.add(preparePeer(trial, p, op.peerNames().get(p), step));
                }
                // Every candidate that runs, timed in rounds (Rounds): peers may fail, the rest may not.
                List<Rounds.Entry> entries = new ArrayList<>();
                List<Integer> running = new ArrayList<>();
                for (int c = 0; c < candidates.size(); c++) {
                    if (candidates.get(c).skipped() == null) {
                        entries.add(new Rounds.Entry(candidates.get(c).action(), c > nb));
                        running.add(c);
                    }
                }
                List<Rounds.Outcome> outcomes = Rounds.run(repeats.warmup(), repeats.repeats(), repeats.budgetMillis(),
                        Rounds.REWARM_BELOW_MILLIS,
                        entries);
                Measurement[] measured = new Measurement[candidates.size()];
                for (int r = 0; r < running.size(); r++) {
                    int c = running.get(r);
                    Rounds.Outcome o = outcomes.get(r);
                    if (o.failure() != null) {
                        String why = failed(o.failure());
                        progress.accept(step + ": peer " + op.peerNames().get(c - 1 - nb) + " " + why);
                        measured[c] = Measurement.skipped(why);
                        continue;
                    }
                    Candidate cand = candidates.get(c);
                    double diff = cand.maxAbsDiff() == null ? Double.NaN : cand.maxAbsDiff().getAsDouble();
                    measured[c] = new Measurement(o.millis(), cand.extraBytes(), diff, null, cand.work());
                }
                for (int c = 0; c < candidates.size(); c++) {
                    if (measured[c] == null) measured[c] = Measurement.skipped(candidates.get(c).skipped());
                }
                return new SweepRow(op.size(shape), op.shapeValues(shape), op.work(shape), measured[0],
                        List.of(measured).subList(1, 1 + nb), List.of(measured).subList(1 + nb, 1 + nb + np));
            } finally {
                for (Candidate c : candidates) {
                    c.close();
                }
            }
        }
    }

    private Candidate preparePeer(Trial trial, int index, String name, String step) {
        try {
            return trial.peer(index);
        } catch (Exception | LinkageError e) {
            String why = failed(e);
            progress.accept(step + ": peer " + name + " " + why);
            return Candidate.skipped(why);
        }
    }

    private static String failed(Throwable e) {
        return "failed: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    }

    private static String summary(SweepLayout layout, SweepRow row) {
        StringBuilder sb = new StringBuilder("fused ").append(Units.millis(row.fused().millis())).append(" ms");
        for (int b = 0; b < row.baselines().size(); b++) {
            Measurement m = row.baselines().get(b);
            if (m.ran()) {
                sb.append(", ").append(layout.baselineNames().get(b)).append(' ')
                        .append(Units.millis(m.millis())).append(" ms");
            }
        }
        return sb.toString();
    }
}
