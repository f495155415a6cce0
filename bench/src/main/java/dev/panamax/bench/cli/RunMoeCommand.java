package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.ExpertWeights;
import dev.panamax.MoE;
import dev.panamax.MoeActivation;
import dev.panamax.MoeRouterOptions;
import dev.panamax.RouterOutputs;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.NpyArray;
import dev.panamax.bench.npy.NpyHeader;
import dev.panamax.bench.report.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code panamax run moe}: a Mixture-of-Experts layer on .npy files (inputs mapped, not copied). */
@Command(name = "moe", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A Mixture-of-Experts layer on NumPy .npy files (float32, C order): route each token to its "
                + "top-k experts, run their feed-forward, sum the outputs weighted:",
                "",
                "  scores[t] = softmax(logits[t]) or sigmoid(logits[t]); logits given or x·Wg",
                "  y_e(x) = act(x·w1[e] + b1[e]) [⊙ (x·w3[e] + b3[e])]·w2[e] + b2[e]",
                "  out[t] = sum over t's kept slots s of weights[t, s]·y_indices[t, s](x[t])",
                "",
                "  x, out [T, d];  logits [T, E];  gate weight Wg [d, E]",
                "  w1, w3 [E, d, h];  w2 [E, h, d];  b1, b3 [E, h];  b2 [E, d]",
                "  indices [T, k] int32;  weights [T, k];  dropped [T, k] uint8",
                "  counts [E] int32;  aux loss, z loss [1]",
                ""},
        footer = {"", "Example:",
                "  panamax run moe --x x.npy --gate-weight wg.npy --top-k 2 --renormalize --capacity-factor 1.25 "
                        + "--w1 w1.npy --w2 w2.npy --w3 w3.npy --out y.npy --counts-out counts.npy",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunMoeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--x", required = true, paramLabel = "FILE.npy", order = 1,
            description = "Input x, float32 [T, d].")
    Path x;

    @Mixin
    MoeRouterFlags router;

    @Option(names = "--w1", required = true, paramLabel = "FILE.npy", order = 10,
            description = "Experts' first weight, float32 [E, d, h].")
    Path w1;

    @Option(names = "--w2", required = true, paramLabel = "FILE.npy", order = 11,
            description = "Experts' output weight, float32 [E, h, d].")
    Path w2;

    @Option(names = "--w3", paramLabel = "FILE.npy", order = 12,
            description = "Experts' gate weight, float32 [E, d, h]: act(x·w1) ⊙ x·w3 (SwiGLU with silu).")
    Path w3;

    @Option(names = "--b1", paramLabel = "FILE.npy", order = 13, description = "Bias of w1, float32 [E, h].")
    Path b1;

    @Option(names = "--b2", paramLabel = "FILE.npy", order = 14, description = "Bias of w2, float32 [E, d].")
    Path b2;

    @Option(names = "--b3", paramLabel = "FILE.npy", order = 15, description = "Bias of w3, float32 [E, h] (with --w3).")
    Path b3;

    @Option(names = "--activation", paramLabel = "silu|gelu|gelu-tanh|relu", defaultValue = "silu", order = 16,
            converter = ActivationConverter.class,
            description = "The hidden layer's activation; gelu by erf (default: ${DEFAULT-VALUE}).")
    MoeActivation activation;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", order = 17,
            description = "Output written here: float32 [T, d].")
    Path out;

    @Option(names = "--indices-out", paramLabel = "FILE.npy", order = 18,
            description = "Each token's experts written here: int32 [T, k], the highest score first.")
    Path indicesOut;

    @Option(names = "--weights-out", paramLabel = "FILE.npy", order = 19,
            description = "Their weights written here: float32 [T, k].")
    Path weightsOut;

    @Mixin
    MoeStatsFlags stats;

    @Mixin
    ThreadsOption threads;

    /** The library's argument names and these flags. */
    private static final Map<String, String> FLAGS = flags();

    @Override
    public Integer call() throws IOException {
        PrintWriter w = spec.commandLine().getOut();
        try (NpyIo files = new NpyIo(); Context ctx = threads.openContext()) {
            MoeRouterFlags.Inputs in = router.inputs(files, x);
            NpyArray w1a = files.input("--w1", w1, DType.F32, 3, " ([E, d, h])");
            Tensor w2T = files.input("--w2", w2, DType.F32, 3, " ([E, h, d])").tensor();
            Tensor w3T = w3 == null ? null : files.input("--w3", w3, DType.F32, 3, " ([E, d, h])").tensor();
            Tensor b1T = b1 == null ? null : files.input("--b1", b1, DType.F32, 2, " ([E, h])").tensor();
            Tensor b2T = b2 == null ? null : files.input("--b2", b2, DType.F32, 2, " ([E, d])").tensor();
            Tensor b3T = b3 == null ? null : files.input("--b3", b3, DType.F32, 2, " ([E, h])").tensor();
            try {
                MoeRouterOptions opts = router.options();
                ExpertWeights weights = new ExpertWeights(w1a.tensor(), w2T, w3T, b1T, b2T, b3T);
                long[] outShape = in.x().shape();
                Tensor outT = files.output("--out", out, DType.F32, outShape).tensor();
                RouterOutputs outputs = MoeRouterFlags.create(files, stats.with(indicesOut, weightsOut), in.tokens(),
                        opts.topK(), in.experts());
                long start = System.nanoTime();
                MoE.forward(ctx, in.xTensor(), in.gateWeightTensor(), in.logitsTensor(), opts, weights, activation,
                        outT, outputs);
                double ms = (System.nanoTime() - start) / 1e6;
                files.commit();
                w.printf(Locale.ROOT, "moe: x %s, %s, %s; experts w1 %s, %s%s -> %s %s%s in %s on %d thread(s)%n",
                        in.x().describe(), in.describe(), router.describeOptions(opts), w1a.describe(),
                        w3 != null ? "gated " : "", ActivationConverter.name(activation), out,
                        NpyHeader.formatShape(outShape), MoeRouterFlags.describeDrops(outputs), Units.duration(ms),
                        ctx.numThreads());
            } catch (RuntimeException e) {
                throw MoeRouterFlags.withFlag(e, FLAGS);
            }
            w.flush();
            return ExitCodes.OK;
        }
    }

    private static Map<String, String> flags() {
        Map<String, String> m = new HashMap<>(MoeRouterFlags.FLAGS);
        m.putAll(Map.of("w1", "--w1", "w2", "--w2", "w3", "--w3", "b1", "--b1", "b2", "--b2", "b3", "--b3",
                "activation", "--activation", "out", "--out"));
        return Map.copyOf(m);
    }

    /** Reads silu, gelu, gelu-tanh (or gelu_tanh) and relu, in any case. */
    static final class ActivationConverter implements ITypeConverter<MoeActivation> {
        @Override
        public MoeActivation convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT).replace('_', '-')) {
                case "silu" -> MoeActivation.SILU;
                case "gelu" -> MoeActivation.GELU;
                case "gelu-tanh" -> MoeActivation.GELU_TANH;
                case "relu" -> MoeActivation.RELU;
                default -> throw new TypeConversionException("expected silu, gelu, gelu-tanh or relu, got '" + value
                        + "'");
            };
        }

        /** The flag's spelling of {@code a}. */
        static String name(MoeActivation a) {
            return a.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}
