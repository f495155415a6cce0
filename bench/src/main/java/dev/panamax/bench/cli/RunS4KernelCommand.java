package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.S4dKernel;
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

/** {@code panamax run s4-kernel}: the S4D convolution kernel from .npy parameters. */
@Command(name = "s4-kernel", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The convolution kernel of a diagonal state space (S4D, zero-order hold) from NumPy .npy files:",
                "",
                "  dt = exp(log_dt[c]),  Ā = exp(dt·A),  B̄ = (Ā - 1)/A·B,  K[c, l] = 2·Re(sum_n C·B̄·Ā^l)",
                "",
                "  A, B, C   complex [Ch, Nh]: complex64 .npy, or float32 [Ch, Nh, 2] (re, im)",
                "  log_dt    float32 [Ch];  out (K)  float32 [Ch, L]",
                ""},
        footer = {"", "Example:",
                "  panamax run s4-kernel --A A.npy --B B.npy --C C.npy --log-dt log_dt.npy --length 65536 --out K.npy",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunS4KernelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--A", required = true, paramLabel = "FILE.npy", order = 1,
            description = "A, complex64 [Ch, Nh] (or float32 [Ch, Nh, 2]); Re A <= 0 keeps K bounded.")
    Path a;

    @Option(names = "--B", required = true, paramLabel = "FILE.npy", order = 2, description = "B, shaped like A.")
    Path b;

    @Option(names = "--C", required = true, paramLabel = "FILE.npy", order = 3, description = "C, shaped like A.")
    Path c;

    @Option(names = "--log-dt", required = true, paramLabel = "FILE.npy", order = 4,
            description = "log of the step, float32 [Ch].")
    Path logDt;

    @Option(names = "--length", required = true, paramLabel = "L", order = 5, description = "Kernel length L >= 0.")
    long length;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", order = 6,
            description = "K written here: float32 [Ch, L].")
    Path out;

    @Mixin
    ThreadsOption threads;

    private static final Map<String, String> FLAGS = Map.of("A", "--A", "B", "--B", "C", "--C", "logDt", "--log-dt",
            "out", "--out", "length", "--length");

    @Override
    public Integer call() throws IOException {
        PrintWriter w = spec.commandLine().getOut();
        if (length < 0) throw new IllegalArgumentException("--length: must be >= 0, got " + length);
        try (NpyIo files = new NpyIo(); Context ctx = threads.openContext()) {
            String hint = " ([Ch, Nh] complex64, or float32 [Ch, Nh, 2])";
            NpyArray aa = files.input("--A", a, DType.F32, 3, hint);
            Tensor bT = files.input("--B", b, DType.F32, 3, hint).tensor();
            Tensor cT = files.input("--C", c, DType.F32, 3, hint).tensor();
            Tensor dtT = files.input("--log-dt", logDt, DType.F32, 1, " ([Ch])").tensor();
            try {
                Tensor outT = files.output("--out", out, DType.F32, aa.shape()[0], length).tensor();
                long start = System.nanoTime();
                S4dKernel.compute(ctx, aa.tensor(), bT, cT, dtT, outT);
                double ms = (System.nanoTime() - start) / 1e6;
                files.commit();
                w.printf(Locale.ROOT, "s4-kernel: A %s -> %s %s in %s on %d thread(s)%n", aa.describe(), out,
                        NpyHeader.formatShape(outT.shape()), Units.duration(ms), ctx.numThreads());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ScanFlags.withFlag(e.getMessage(), FLAGS), e);
            }
            w.flush();
            return ExitCodes.OK;
        }
    }
}
