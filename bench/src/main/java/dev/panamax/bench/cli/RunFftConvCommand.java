package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.FftConv;
import dev.panamax.FftConvMethod;
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

/** {@code panamax run fft-conv}: the long causal convolution of S4 layers on .npy files. */
@Command(name = "fft-conv", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The long causal depthwise convolution (S4) on NumPy .npy files (float32, C order):",
                "",
                "  out[b, t, c] = sum_{j <= t} kernel[c, j]·u[b, t - j, c] + D[c]·u[b, t, c]",
                "",
                "  u, out  [B, L, C];  kernel [C, Lk];  D [C]",
                ""},
        footer = {"", "Example:",
                "  panamax run fft-conv --u u.npy --kernel K.npy --D D.npy --out y.npy --method fft",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunFftConvCommand implements Callable<Integer> {
    /** The --method values. */
    enum Method {
        auto(FftConvMethod.AUTO), fft(FftConvMethod.FFT), direct(FftConvMethod.DIRECT);

        final FftConvMethod value;

        Method(FftConvMethod value) {
            this.value = value;
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--u", required = true, paramLabel = "FILE.npy", order = 1, description = "Input u, float32 [B, L, C].")
    Path u;

    @Option(names = "--kernel", required = true, paramLabel = "FILE.npy", order = 2,
            description = "Kernel, float32 [C, Lk] (Lk >= 1; e.g. from run s4-kernel).")
    Path kernel;

    @Option(names = "--D", paramLabel = "FILE.npy", order = 3, description = "D, float32 [C] (skip term D·u).")
    Path d;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", order = 4,
            description = "Output written here: float32, shaped like u.")
    Path out;

    @Option(names = "--method", defaultValue = "auto", paramLabel = "auto|fft|direct", order = 5,
            description = "FFT, the direct sum, or chosen by kernel length (default: ${DEFAULT-VALUE}: direct up to "
                    + "about 256-640 taps, by the measured crossover).")
    Method method;

    @Mixin
    ThreadsOption threads;

    private static final Map<String, String> FLAGS = Map.of("u", "--u", "kernel", "--kernel", "D", "--D", "out",
            "--out");

    @Override
    public Integer call() throws IOException {
        PrintWriter w = spec.commandLine().getOut();
        try (NpyIo files = new NpyIo(); Context ctx = threads.openContext()) {
            NpyArray ua = files.input("--u", u, DType.F32, 3, " ([B, L, C])");
            NpyArray ka = files.input("--kernel", kernel, DType.F32, 2, " ([C, Lk])");
            Tensor dT = d == null ? null : files.input("--D", d, DType.F32, 1, " ([C])").tensor();
            try {
                Tensor outT = files.output("--out", out, DType.F32, ua.shape()).tensor();
                long start = System.nanoTime();
                FftConv.run(ctx, ua.tensor(), ka.tensor(), dT, method.value, outT);
                double ms = (System.nanoTime() - start) / 1e6;
                files.commit();
                w.printf(Locale.ROOT, "fft-conv: u %s, kernel %s, method %s -> %s %s in %s on %d thread(s)%n",
                        ua.describe(), ka.describe(), method, out, NpyHeader.formatShape(ua.shape()),
                        Units.duration(ms), ctx.numThreads());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ScanFlags.withFlag(e.getMessage(), FLAGS), e);
            }
            w.flush();
            return ExitCodes.OK;
        }
    }
}
