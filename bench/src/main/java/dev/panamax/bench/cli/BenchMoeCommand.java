package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.bench.moe.MoeDecodeSweep;
import dev.panamax.bench.moe.MoeLayerSweep;
import dev.panamax.bench.moe.MoeRoutingSweep;
import dev.panamax.bench.peers.MoePeer;
import dev.panamax.bench.sweep.SgemmRate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code panamax bench moe}: the Mixture-of-Experts layer against sgemm, copy and read bandwidth (and peers). */
@Command(name = "moe", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time the Mixture-of-Experts layer on random float32 inputs (softmax routing on given logits, "
                + "top k renormalised, dropless, SiLU, no biases). --mode picks what is measured:",
                "  layer    the whole layer over --tokens, in GFLOP/s of its expert GEMMs, against oneDNN sgemm "
                        + "measured in the same run, the expert stage alone and a dense FFN of the same flops; "
                        + "--peers adds ONNX Runtime's CPU MoE (ungated)",
                "  routing  router + permute + combine, in GB/s of the bytes they move, against a copy of as many "
                        + "bytes",
                "  decode   the whole layer for a few tokens, in GB/s of the expert weights it reads, against a "
                        + "read of as many bytes",
                "Prints ms (median of --repeats after --warmup), the rate and the ratios. Progress goes to stderr.",
                ""},
        footer = {"", "Examples:", "  panamax bench moe --tokens 8192 --experts 8 --peers",
                "  panamax bench moe --mode decode --tokens 1,16 --experts 64 --gated"})
final class BenchMoeCommand implements Callable<Integer> {
    enum Mode { layer, routing, decode }

    @Spec
    CommandSpec spec;

    @Option(names = "--mode", defaultValue = "layer", paramLabel = "MODE", order = 1,
            description = "layer, routing or decode (default: ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--tokens", split = ",", paramLabel = "T", order = 2,
            description = "Token counts to sweep (default: 8192; decode: 1,16).")
    List<Integer> tokens;

    @Option(names = "--dmodel", defaultValue = "1024", paramLabel = "d", order = 3,
            description = "Model width d (default: ${DEFAULT-VALUE}).")
    int dmodel;

    @Option(names = "--hidden", defaultValue = "4096", paramLabel = "h", order = 4,
            description = "Expert hidden width h (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--experts", defaultValue = "8", paramLabel = "E", order = 5,
            description = "Experts E (default: ${DEFAULT-VALUE}).")
    int experts;

    @Option(names = "--top-k", defaultValue = "2", paramLabel = "K", order = 6,
            description = "Experts per token k (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--gated", order = 7, description = "Gated experts (a W3 gate: act(x·W1) ⊙ (x·W3)).")
    boolean gated;

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
        List<Integer> t = tokens != null ? tokens : mode == Mode.decode ? List.of(1, 16) : List.of(8192);
        try (Context ctx = threads.openContext()) {
            switch (mode) {
                case layer -> {
                    List<MoePeer> peerList = peers.load(MoePeer.class, output.progress(), spec.commandLine().getOut());
                    output.run(new MoeLayerSweep(ctx, t, dmodel, hidden, experts, topK, gated, seed, peerList),
                            ctx.numThreads(), () -> SgemmRate.measure(ctx));
                }
                case routing -> output.run(new MoeRoutingSweep(ctx, t, dmodel, hidden, experts, topK, seed),
                        ctx.numThreads(), null);
                case decode -> output.run(new MoeDecodeSweep(ctx, t, dmodel, hidden, experts, topK, gated, seed),
                        ctx.numThreads(), null);
            }
        }
        return ExitCodes.OK;
    }
}
