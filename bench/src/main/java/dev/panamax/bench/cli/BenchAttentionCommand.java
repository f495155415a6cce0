package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.Panamax;
import dev.panamax.bench.attention.AttentionSweep;
import dev.panamax.bench.attention.PeerLoader;
import dev.panamax.bench.attention.SgemmRate;
import dev.panamax.bench.attention.SweepConfig;
import dev.panamax.bench.attention.SweepRow;
import dev.panamax.bench.peers.AttentionPeer;
import dev.panamax.bench.report.ScalingPlot;
import dev.panamax.bench.report.SweepCsv;
import dev.panamax.bench.report.SweepTable;
import dev.panamax.bench.report.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** {@code panamax bench attention}: fused against naive (and peers) over a sweep of N. */
@Command(name = "attention", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time fused attention forward against the naive O(N^2)-memory kernel (and, with --peers, other "
                + "JVM-callable implementations) over a sweep of sequence lengths, on random float32 inputs "
                + "q [B, N, H, D], k/v [B, N, Hkv, D].",
                "Prints N, fused ms (median of --repeats after --warmup), GFLOP/s, %% of the oneDNN sgemm 2048^3 rate "
                        + "measured in the same run, naive ms and GFLOP/s, the fused-vs-naive speedup, and the extra "
                        + "native memory of each. Progress goes to stderr, one plain line per step.", ""},
        footer = {"", "Example:", "  panamax bench attention --n 1024,4096,16384 --causal --plot attention.png"})
final class BenchAttentionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--n", split = ",", paramLabel = "N", order = 1,
            defaultValue = "512,1024,2048,4096,8192,16384",
            description = "Sequence lengths to sweep (default: ${DEFAULT-VALUE}).")
    List<Integer> seqLens;

    @Option(names = "--heads", defaultValue = "8", paramLabel = "H", order = 2,
            description = "Query heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--kv-heads", paramLabel = "HKV", order = 3,
            description = "Key/value heads for grouped-query attention; H must be a multiple (default: H).")
    Integer kvHeads;

    @Option(names = "--head-dim", defaultValue = "64", paramLabel = "D", order = 4,
            description = "Head dimension (default: ${DEFAULT-VALUE}).")
    int headDim;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B", order = 5,
            description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--causal", order = 6, description = "Causal masking (FLOPs count the unmasked half).")
    boolean causal;

    @Option(names = "--repeats", defaultValue = "5", paramLabel = "R", order = 7,
            description = "Timed runs per kernel and N; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "W", order = 8,
            description = "Untimed runs before timing (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--naive-max-n", defaultValue = "4096", paramLabel = "N", order = 9,
            description = "Largest N the naive kernel runs at: it needs an N x N score matrix per thread "
                    + "and is slow (default: ${DEFAULT-VALUE}).")
    int naiveMaxN;

    @Option(names = "--peers", order = 10,
            description = "Also time the peers found on the class path (a jar built with -Ppeers) and check their "
                    + "output against Panamax's (max |diff| per shape).")
    boolean peers;

    @Option(names = "--plot", paramLabel = "FILE.png", order = 11,
            description = "Draw time and extra memory against N (log-log, fused vs naive) into a PNG.")
    Path plot;

    @Option(names = "--csv", paramLabel = "FILE.csv", order = 12, description = "Write the raw rows as CSV.")
    Path csv;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED", order = 13,
            description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--quiet", order = 14, description = "No progress lines on stderr.")
    boolean quiet;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws Exception {
        SweepConfig config = new SweepConfig(seqLens, batch, heads, kvHeads != null ? kvHeads : heads, headDim, causal,
                warmup, repeats, 0, naiveMaxN, seed);
        requireWritableParent("--csv", csv);
        requireWritableParent("--plot", plot);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Consumer<String> progress = quiet ? line -> { } : line -> {
            err.println("bench: " + line);
            err.flush();
        };

        List<AttentionPeer> peerList = List.of();
        if (peers) {
            peerList = PeerLoader.load(progress);
            if (peerList.isEmpty()) {
                out.println("--peers: no peers found: this jar was built without -Ppeers (rebuild with "
                        + "'mvn -Ppeers package'); measuring Panamax alone.");
            }
        }
        List<String> peerNames = peerList.stream().map(AttentionPeer::name).toList();

        try (Context ctx = threads.openContext()) {
            out.printf(Locale.ROOT, "Attention forward: B=%d H=%d Hkv=%d D=%d %s, float32, %d thread(s), ISA %s%n",
                    config.batch(), config.heads(), config.kvHeads(), config.headDim(),
                    causal ? "causal" : "non-causal", ctx.numThreads(), Panamax.cpuIsa().name());
            out.flush();
            progress.accept("measuring oneDNN sgemm 2048^3 (median of 3) ...");
            double sgemm = SgemmRate.measure(ctx, SgemmRate.DEFAULT_SIZE, 3);
            progress.accept("oneDNN sgemm: " + Units.oneDecimal(sgemm) + " GFLOP/s");

            List<SweepRow> rows = new AttentionSweep(ctx, config, peerList, progress).run(row -> { });
            out.println();
            out.print(SweepTable.render(rows, peerNames, sgemm));
            out.println();
            out.print(SweepTable.legend(sgemm, naiveMaxN, !peerNames.isEmpty()));
            if (csv != null) {
                SweepCsv.write(csv, rows, peerNames, sgemm, ctx.numThreads());
                out.println("CSV written to " + csv);
            }
            if (plot != null) {
                String title = String.format(Locale.ROOT, "attention B=%d H=%d D=%d%s", batch, heads, headDim,
                        causal ? " causal" : "");
                ScalingPlot.write(plot, rows, title);
                out.println("Plot written to " + plot);
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    /** Fails before a long sweep rather than after it. */
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
