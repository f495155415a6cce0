package dev.panamax.bench.sweep;

import dev.panamax.bench.report.Units;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Times an {@link OpSweep}: for each shape, its inputs are allocated once
 * (outside the timing), then the fused call, each baseline and each peer run
 * {@link Repeats} times on them. A failing fused call or baseline fails the
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
        try (Arena arena = Arena.ofConfined()) {
            Trial trial = op.prepare(shape, arena);
            Measurement fused = time(trial.fused());
            List<Measurement> baselines = new ArrayList<>();
            for (int b = 0; b < op.baselineNames().size(); b++) {
                baselines.add(time(trial.baseline(b)));
            }
            List<Measurement> peers = new ArrayList<>();
            for (int p = 0; p < op.peerNames().size(); p++) {
                peers.add(timePeer(trial, p, op.peerNames().get(p), step));
            }
            return new SweepRow(op.size(shape), op.shapeValues(shape), op.work(shape), fused, baselines, peers);
        }
    }

    private Measurement timePeer(Trial trial, int index, String name, String step) {
        try {
            return time(trial.peer(index));
        } catch (Exception | LinkageError e) {
            String why = "failed: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
            progress.accept(step + ": peer " + name + " " + why);
            return Measurement.skipped(why);
        }
    }

    private Measurement time(Candidate candidate) throws Exception {
        try (candidate) {
            if (candidate.skipped() != null) {
                return Measurement.skipped(candidate.skipped());
            }
            double ms = Timing.medianMillis(repeats.warmup(), repeats.repeats(), repeats.budgetMillis(),
                    candidate.action());
            double diff = candidate.maxAbsDiff() == null ? Double.NaN : candidate.maxAbsDiff().getAsDouble();
            return new Measurement(ms, candidate.extraBytes(), diff, null, candidate.work());
        }
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
