package dev.panamax.bench.cli;

import dev.panamax.bench.report.ScalingPlot;
import dev.panamax.bench.report.SweepCsv;
import dev.panamax.bench.report.SweepTable;
import dev.panamax.bench.report.Units;
import dev.panamax.bench.sweep.Ceiling;
import dev.panamax.bench.sweep.OpSweep;
import dev.panamax.bench.sweep.Repeats;
import dev.panamax.bench.sweep.SweepResult;
import dev.panamax.bench.sweep.SweepRunner;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * What every {@code bench <op>} shares (a picocli mixin): the repeat and
 * output options, and the run itself: title, in-run ceiling, the sweep with
 * progress on stderr, then the table, its legend, the CSV and the plot.
 */
final class SweepOutput {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--repeats", defaultValue = "5", paramLabel = "R", order = 7,
            description = "Timed runs per implementation and size; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "W", order = 8,
            description = "Untimed runs before timing (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--plot", paramLabel = "FILE.png", order = 11,
            description = "Draw time and extra memory against the size (log-log) into a PNG.")
    Path plot;

    @Option(names = "--csv", paramLabel = "FILE.csv", order = 12, description = "Write the raw rows as CSV.")
    Path csv;

    @Option(names = "--quiet", order = 14, description = "No progress lines on stderr.")
    boolean quiet;

    /** Progress lines on stderr, or nothing with --quiet. */
    Consumer<String> progress() {
        PrintWriter err = spec.commandLine().getErr();
        return quiet ? line -> { } : line -> {
            err.println("bench: " + line);
            err.flush();
        };
    }

    /**
     * Runs the sweep and prints (and writes) its report.
     *
     * @param ceiling measures the in-run ceiling the fused rate is rated against; null for none
     */
    <S> void run(OpSweep<S> op, int threads, Callable<Ceiling> ceiling) throws Exception {
        // Bad options fail before a long sweep rather than after it.
        Repeats runs = new Repeats(warmup, repeats, 0);
        requireWritableParent("--csv", csv);
        requireWritableParent("--plot", plot);
        PrintWriter out = spec.commandLine().getOut();
        Consumer<String> progress = progress();
        out.println(op.title());
        out.flush();
        Ceiling measured = null;
        if (ceiling != null) {
            progress.accept("measuring the in-run ceiling ...");
            measured = ceiling.call();
            progress.accept(measured.description() + ": " + Units.oneDecimal(measured.rate()) + " "
                    + op.workUnit().rateLabel());
        }
        SweepResult result = new SweepRunner(runs, progress).run(op, measured, threads);
        out.println();
        out.print(SweepTable.render(result));
        out.println();
        out.print(SweepTable.legend(result));
        if (csv != null) {
            SweepCsv.write(csv, result);
            out.println("CSV written to " + csv);
        }
        if (plot != null) {
            ScalingPlot.write(plot, result);
            out.println("Plot written to " + plot);
        }
        out.flush();
    }

    private static void requireWritableParent(String option, Path file) {
        if (file == null) {
            return;
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(option + " " + file + ": directory " + parent + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + " " + file + " is a directory");
        }
    }
}
