package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.bench.peers.CausalConv1dPeer;
import dev.panamax.bench.ssm.CausalConv1dSweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code panamax bench causal-conv1d}: Mamba's causal conv1d against the in-run copy bandwidth (and peers). */
@Command(name = "causal-conv1d", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time the causal depthwise conv1d (bias, final state, SiLU unless --no-silu) over a sweep of "
                + "sequence lengths on random float32 x [B, L, C], beside a multi-threaded copy of x timed in the same "
                + "rounds, and with --peers other JVM-callable implementations.",
                "Prints L, ms (median of --repeats after --warmup), GB/s of x read plus out written and the fraction "
                        + "of the copy's rate. Progress goes to stderr.", ""},
        footer = {"", "Example:", "  panamax bench causal-conv1d --n 65536 --channels 3072 --width 4 --peers"})
final class BenchCausalConv1dCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--n", split = ",", paramLabel = "L", order = 1, defaultValue = "4096,16384,65536",
            description = "Sequence lengths to sweep (default: ${DEFAULT-VALUE}).")
    List<Integer> seqLens;

    @Option(names = "--channels", defaultValue = "3072", paramLabel = "C", order = 2,
            description = "Channels C (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--width", defaultValue = "4", paramLabel = "W", order = 3,
            description = "Kernel width W, 1..8 (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B", order = 4,
            description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--no-silu", order = 5, description = "No SiLU on the output.")
    boolean noSilu;

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
        List<CausalConv1dPeer> peerList = peers.load(CausalConv1dPeer.class, output.progress(),
                spec.commandLine().getOut());
        try (Context ctx = threads.openContext()) {
            output.run(new CausalConv1dSweep(ctx, seqLens, batch, channels, width, !noSilu, seed, peerList),
                    ctx.numThreads(), null);
        }
        return ExitCodes.OK;
    }
}
