package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.MoE;
import dev.panamax.MoeRouterOptions;
import dev.panamax.RouterOutputs;
import dev.panamax.bench.npy.NpyHeader;
import dev.panamax.bench.report.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code panamax run moe-router}: the routing of a Mixture-of-Experts layer only (top-k, capacity, losses). */
@Command(name = "moe-router", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The router of a Mixture-of-Experts layer on NumPy .npy files (float32, C order): each "
                + "token's top-k experts, their weights, the capacity drops and the balancing losses:",
                "",
                "  scores[t] = softmax(logits[t]) or sigmoid(logits[t]); logits given or x·Wg",
                "  indices[t] = the k experts of highest score (ties: the lower index first)",
                "  weights[t] = their scores (divided by their sum with --renormalize)",
                "",
                "  logits [T, E];  x [T, d] with the gate weight Wg [d, E]",
                "  indices [T, k] int32;  weights [T, k];  dropped [T, k] uint8",
                "  counts [E] int32;  aux loss, z loss [1]",
                ""},
        footer = {"", "Example:",
                "  panamax run moe-router --logits l.npy --top-k 2 --capacity-factor 1.25 --indices-out i.npy "
                        + "--weights-out w.npy --dropped-out d.npy",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunMoeRouterCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--x", paramLabel = "FILE.npy", order = 1,
            description = "Tokens x, float32 [T, d]: required with --gate-weight (with --logits only its T is checked).")
    Path x;

    @Mixin
    MoeRouterFlags router;

    @Option(names = "--indices-out", required = true, paramLabel = "FILE.npy", order = 18,
            description = "Each token's experts written here: int32 [T, k], the highest score first.")
    Path indicesOut;

    @Option(names = "--weights-out", required = true, paramLabel = "FILE.npy", order = 19,
            description = "Their weights written here: float32 [T, k].")
    Path weightsOut;

    @Mixin
    MoeStatsFlags stats;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        PrintWriter w = spec.commandLine().getOut();
        try (NpyIo files = new NpyIo(); Context ctx = threads.openContext()) {
            MoeRouterFlags.Inputs in = router.inputs(files, x);
            try {
                MoeRouterOptions opts = router.options();
                RouterOutputs outputs = MoeRouterFlags.create(files, stats.with(indicesOut, weightsOut), in.tokens(),
                        opts.topK(), in.experts());
                long start = System.nanoTime();
                MoE.route(ctx, in.xTensor(), in.gateWeightTensor(), in.logitsTensor(), opts, outputs);
                double ms = (System.nanoTime() - start) / 1e6;
                files.commit();
                w.printf(Locale.ROOT, "moe-router: %s%s, %s -> %s %s%s in %s on %d thread(s)%n",
                        in.gateWeight() != null ? "x " + in.x().describe() + ", " : "", in.describe(),
                        router.describeOptions(opts), indicesOut,
                        NpyHeader.formatShape(outputs.indices().shape()), MoeRouterFlags.describeDrops(outputs),
                        Units.duration(ms), ctx.numThreads());
            } catch (RuntimeException e) {
                throw MoeRouterFlags.withFlag(e, MoeRouterFlags.FLAGS);
            }
            w.flush();
            return ExitCodes.OK;
        }
    }
}
