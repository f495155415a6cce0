package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.bench.peers.FftConvPeer;
import dev.panamax.bench.ssm.FftConvSweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code panamax bench fft-conv}: S4's long convolution by Panamax's FFT, against peers. */
@Command(name = "fft-conv", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time the long causal convolution (S4) over a sweep of sequence lengths on random float32 "
                + "inputs with a decaying kernel as long as the sequence (or --kernel-len) and, with --peers, other "
                + "JVM-callable FFT convolutions on the same inputs.",
                "Prints L, ms (median of --repeats after --warmup), FFT-equivalent GFLOP/s and the ratios. Progress "
                        + "goes to stderr.", ""},
        footer = {"", "Example:", "  panamax bench fft-conv --n 65536,262144,1048576 --channels 256 --peers"})
final class BenchFftConvCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--n", split = ",", paramLabel = "L", order = 1, defaultValue = "65536,262144,1048576",
            description = "Sequence lengths to sweep (default: ${DEFAULT-VALUE}).")
    List<Integer> seqLens;

    @Option(names = "--channels", defaultValue = "256", paramLabel = "C", order = 2,
            description = "Channels C (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--kernel-len", defaultValue = "0", paramLabel = "Lk", order = 3,
            description = "Kernel taps (default: 0 = L).")
    int kernelLen;

    @Option(names = "--method", defaultValue = "auto", paramLabel = "auto|fft|direct", order = 4,
            description = "How Panamax computes it (default: ${DEFAULT-VALUE}).")
    RunFftConvCommand.Method method;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B", order = 5,
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
        List<FftConvPeer> peerList = peers.load(FftConvPeer.class, output.progress(), spec.commandLine().getOut());
        try (Context ctx = threads.openContext()) {
            FftConvSweep sweep = new FftConvSweep(ctx, seqLens, batch, channels, kernelLen, method.value, seed,
                    peerList);
            output.run(sweep, ctx.numThreads(), null);
        }
        return ExitCodes.OK;
    }
}
