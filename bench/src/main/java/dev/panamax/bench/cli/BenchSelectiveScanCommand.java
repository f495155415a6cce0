package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.bench.ssm.SelectiveScanSweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code panamax bench selective-scan}: Mamba's selective scan against its in-run exp and copy ceilings. */
@Command(name = "selective-scan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time the selective scan (Mamba-1 with D, z, delta bias and softplus) over a sweep of "
                + "sequence lengths on random float32 inputs, beside as many vectorised exps, a copy of the bytes it "
                + "must move and (unless --no-sequential) the plain float32 loop on one thread, all in the same rounds.",
                "Prints L, ms (median of --repeats after --warmup), Gexp/s (one exp per token, channel and state) "
                        + "and the ratios. Progress goes to stderr.", ""},
        footer = {"", "Example:", "  panamax bench selective-scan --n 65536 --channels 1536 --states 16"})
final class BenchSelectiveScanCommand implements Callable<Integer> {
    @Option(names = "--n", split = ",", paramLabel = "L", order = 1, defaultValue = "4096,16384,65536",
            description = "Sequence lengths to sweep (default: ${DEFAULT-VALUE}).")
    List<Integer> seqLens;

    @Option(names = "--channels", defaultValue = "1536", paramLabel = "Dm", order = 2,
            description = "Channels Dm (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--states", defaultValue = "16", paramLabel = "Ns", order = 3,
            description = "States per channel Ns, 1..256 (default: ${DEFAULT-VALUE}).")
    int states;

    @Option(names = "--groups", defaultValue = "1", paramLabel = "G", order = 4,
            description = "Groups of B and C; divides Dm (default: ${DEFAULT-VALUE}).")
    int groups;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B", order = 5,
            description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--no-sequential", order = 6,
            description = "Skip the sequential-loop baseline (it takes seconds per run at large L).")
    boolean noSequential;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED", order = 13,
            description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    ThreadsOption threads;

    @Mixin
    SweepOutput output;

    @Override
    public Integer call() throws Exception {
        try (Context ctx = threads.openContext()) {
            SelectiveScanSweep sweep = new SelectiveScanSweep(ctx, seqLens, batch, channels, states, groups, seed,
                    !noSequential);
            output.run(sweep, ctx.numThreads(), null);
        }
        return ExitCodes.OK;
    }
}
