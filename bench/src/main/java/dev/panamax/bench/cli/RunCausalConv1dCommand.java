package dev.panamax.bench.cli;

import dev.panamax.CausalConv1d;
import dev.panamax.CausalConv1dOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.NpyArray;
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
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code panamax run causal-conv1d}: Mamba's causal depthwise conv1d on .npy files (inputs mapped, not copied). */
@Command(name = "causal-conv1d", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Mamba's causal depthwise convolution on NumPy .npy files (float32/int32, C order):",
                "",
                "  out[t, c] = act(bias[c] + sum_k weight[c, k]·x[t - W + 1 + k, c])   (act = SiLU with --silu)",
                "",
                "  x, out              [B, L, C], or [total, C] with --cu-seqlens",
                "  weight              [C, W], W in 1..8;  bias [C]",
                "  state in/out        [B, C, W - 1]: the inputs before the first token / the last W - 1",
                ""},
        footer = {"", "Example:",
                "  panamax run causal-conv1d --x x.npy --weight w.npy --bias b.npy --silu --out y.npy "
                        + "--state-out conv_state.npy",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunCausalConv1dCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--x", required = true, paramLabel = "FILE.npy", order = 1,
            description = "Input, float32: [B, L, C], or [total, C] with --cu-seqlens.")
    Path x;

    @Option(names = "--weight", required = true, paramLabel = "FILE.npy", order = 2,
            description = "Weights, float32 [C, W], W in 1..8.")
    Path weight;

    @Option(names = "--bias", paramLabel = "FILE.npy", order = 3, description = "Bias, float32 [C].")
    Path bias;

    @Option(names = "--silu", order = 4, description = "SiLU on the output (Mamba's activation).")
    boolean silu;

    @Option(names = "--state-in", paramLabel = "FILE.npy", order = 5,
            description = "Inputs before the first token, float32 [B, C, W - 1], oldest first (default zeros).")
    Path stateIn;

    @Option(names = "--cu-seqlens", paramLabel = "FILE.npy", order = 6,
            description = "int32 [B + 1]: packed variable-length sequences.")
    Path cuSeqlens;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", order = 7,
            description = "Output written here: float32, shaped like x.")
    Path out;

    @Option(names = "--state-out", paramLabel = "FILE.npy", order = 8,
            description = "The last W - 1 inputs of each sequence written here: float32 [B, C, W - 1].")
    Path stateOut;

    @Mixin
    ThreadsOption threads;

    /** The library's argument names and these flags. */
    private static final Map<String, String> FLAGS = Map.of("x", "--x", "weight", "--weight", "bias", "--bias",
            "stateIn", "--state-in", "cuSeqlens", "--cu-seqlens", "out", "--out", "stateOut", "--state-out");

    @Override
    public Integer call() throws IOException {
        try (NpyIo files = new NpyIo(); Context ctx = threads.openContext()) {
            String hint = cuSeqlens != null ? " ([total, C] with --cu-seqlens)" : " ([B, L, C])";
            NpyArray xa = files.input("--x", x, DType.F32, cuSeqlens != null ? 2 : 3, hint);
            NpyArray wa = files.input("--weight", weight, DType.F32, 2, " ([C, W])");
            CausalConv1dOptions.Builder o = CausalConv1dOptions.builder().silu(silu);
            if (bias != null) o.bias(files.input("--bias", bias, DType.F32, 1, " ([C])").tensor());
            if (stateIn != null) o.stateIn(files.input("--state-in", stateIn, DType.F32, 3, " ([B, C, W - 1])").tensor());
            long batch = xa.shape()[0];
            if (cuSeqlens != null) {
                NpyArray cu = files.input("--cu-seqlens", cuSeqlens, DType.I32, 1, " ([B + 1])");
                batch = cu.shape()[0] - 1;
                o.cuSeqlens(cu.tensor());
            }
            Tensor outT = files.output("--out", out, DType.F32, xa.shape()).tensor();
            Tensor stateT = stateOut == null ? null
                    : files.output("--state-out", stateOut, DType.F32, Math.max(batch, 0), wa.shape()[0],
                            Math.max(wa.shape()[1] - 1, 0)).tensor();
            long start = System.nanoTime();
            try {
                CausalConv1d.run(ctx, xa.tensor(), wa.tensor(), o.build(), outT, stateT);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ScanFlags.withFlag(e.getMessage(), FLAGS), e);
            }
            double ms = (System.nanoTime() - start) / 1e6;
            files.commit();
            PrintWriter w = spec.commandLine().getOut();
            w.printf(Locale.ROOT, "causal-conv1d: x %s, weight %s -> %s %s in %s on %d thread(s)%n", xa.describe(),
                    wa.describe(), out, NpyHeader.formatShape(xa.shape()), Units.duration(ms), ctx.numThreads());
            w.flush();
            return ExitCodes.OK;
        }
    }
}
