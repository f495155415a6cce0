package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.bench.peers.SsdPeer;
import dev.panamax.bench.ssm.SsdSweep;
import dev.panamax.bench.sweep.SgemmRate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code panamax bench ssd}: Mamba-2's chunked SSD against the in-run sgemm rate (and peers). */
@Command(name = "ssd", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time the Mamba-2 SSD (chunked algorithm) over a sweep of sequence lengths on random float32 "
                + "inputs, rated in GFLOP/s of the chunked algorithm against oneDNN sgemm 2048^3 measured in the same "
                + "run and, with --peers, other JVM-callable implementations on the same inputs.",
                "Prints L, ms (median of --repeats after --warmup), GFLOP/s, % of sgemm and the ratios. Progress goes "
                        + "to stderr.", ""},
        footer = {"", "Example:", "  panamax bench ssd --n 65536 --heads 24 --head-dim 64 --state-dim 128 --peers"})
final class BenchSsdCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--n", split = ",", paramLabel = "L", order = 1, defaultValue = "4096,16384,65536",
            description = "Sequence lengths to sweep (default: ${DEFAULT-VALUE}).")
    List<Integer> seqLens;

    @Option(names = "--heads", defaultValue = "24", paramLabel = "H", order = 2,
            description = "Heads H (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--head-dim", defaultValue = "64", paramLabel = "P", order = 3,
            description = "Head dim P (default: ${DEFAULT-VALUE}).")
    int headDim;

    @Option(names = "--state-dim", defaultValue = "128", paramLabel = "N", order = 4,
            description = "State size N (default: ${DEFAULT-VALUE}).")
    int stateDim;

    @Option(names = "--groups", defaultValue = "1", paramLabel = "G", order = 5,
            description = "Groups of B and C; divides H (default: ${DEFAULT-VALUE}).")
    int groups;

    @Option(names = "--chunk", defaultValue = "0", paramLabel = "T", order = 6,
            description = "Tokens per chunk, 1..512 (default: 0 = the library's, 64).")
    int chunk;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B", order = 7,
            description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    PeersOption peers;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED", order = 13,
            description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    ThreadsOption threads;

    @Mixin
    SweepOutput output;

    @Override
    public Integer call() throws Exception {
        List<SsdPeer> peerList = peers.load(SsdPeer.class, output.progress(), spec.commandLine().getOut());
        try (Context ctx = threads.openContext()) {
            SsdSweep sweep = new SsdSweep(ctx, seqLens, batch, heads, headDim, stateDim, groups, chunk, seed, peerList);
            output.run(sweep, ctx.numThreads(), () -> SgemmRate.measure(ctx));
        }
        return ExitCodes.OK;
    }
}
