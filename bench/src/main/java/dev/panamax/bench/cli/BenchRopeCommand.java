package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.RopeStyle;
import dev.panamax.bench.peers.RopePeer;
import dev.panamax.bench.rope.RopeSweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code panamax bench rope}: standalone RoPE against the in-run copy bandwidth (and peers) over a sweep of N. */
@Command(name = "rope", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time standalone RoPE (out of place, theta 10000, row n at position n) over a sweep of sequence "
                + "lengths, on random float32 x [B, N, H, D], and with --peers other JVM-callable implementations.",
                "Prints N, ms (median of --repeats after --warmup), GB/s of x read plus out written, and %% of a "
                        + "multi-threaded copy's bandwidth measured in the same run. Progress goes to stderr.", ""},
        footer = {"", "Example:", "  panamax bench rope --n 4096 --heads 32 --head-dim 128 --rope-dim 64 --peers"})
final class BenchRopeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--n", split = ",", paramLabel = "N", order = 1, defaultValue = "1024,4096,16384",
            description = "Sequence lengths to sweep (default: ${DEFAULT-VALUE}).")
    List<Integer> seqLens;

    @Option(names = "--heads", defaultValue = "32", paramLabel = "H", order = 2,
            description = "Heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--head-dim", defaultValue = "128", paramLabel = "D", order = 3,
            description = "Head dimension (default: ${DEFAULT-VALUE}).")
    int headDim;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B", order = 4,
            description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--rope-dim", defaultValue = "0", paramLabel = "RD", order = 5,
            description = "Rotary dim: even, 2..D (default: 0 = D).")
    int rotaryDim;

    @Option(names = "--rope-style", defaultValue = "half", paramLabel = "half|interleaved", order = 6,
            description = "Pairs (i, i + rd/2) or (2i, 2i+1) (default: ${DEFAULT-VALUE}).")
    RopeStyle style;

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
        List<RopePeer> peerList = peers.load(RopePeer.class, output.progress(), spec.commandLine().getOut());
        try (Context ctx = threads.openContext()) {
            RopeSweep sweep = new RopeSweep(ctx, seqLens, batch, heads, headDim, rotaryDim, style, seed, peerList);
            // The ceiling is the copy baseline, timed in the rounds beside the kernel (CopyRate).
            output.run(sweep, ctx.numThreads(), null);
        }
        return ExitCodes.OK;
    }
}
