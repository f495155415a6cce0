package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Ssd;
import dev.panamax.SsdOptions;
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

/** {@code panamax run ssd}: the Mamba-2 SSD on .npy files (inputs mapped, not copied). */
@Command(name = "ssd", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The state-space dual of Mamba-2 (chunked algorithm) on NumPy .npy files (float32/int32, C order):",
                "",
                "  dt' = softplus(dt + bias) (--dt-softplus) or dt + bias",
                "  s_t = exp(dt'·A)·s_{t-1} + dt'·x_t ⊗ B_t  ([P, N] per head),  y_t = s_t·C_t + D·x_t",
                "",
                "  x, out             [B, L, H, P], or [total, H, P] with --cu-seqlens",
                "  dt                 [B, L, H] or [total, H];  A, D, dt bias [H]",
                "  B, C               [B, L, G, N] or [total, G, N] (G divides H)",
                "  state in/out       [B, H, P, N]",
                ""},
        footer = {"", "Example:",
                "  panamax run ssd --x x.npy --dt dt.npy --A A.npy --B B.npy --C C.npy --D D.npy --dt-softplus "
                        + "--chunk 64 --out y.npy --state-out s.npy",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunSsdCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--x", required = true, paramLabel = "FILE.npy", order = 1,
            description = "Input x, float32: [B, L, H, P], or [total, H, P] with --cu-seqlens.")
    Path x;

    @Option(names = "--dt", required = true, paramLabel = "FILE.npy", order = 2,
            description = "dt, float32 [B, L, H] or [total, H].")
    Path dt;

    @Option(names = "--A", required = true, paramLabel = "FILE.npy", order = 3,
            description = "A, float32 [H]: one scalar per head.")
    Path a;

    @Option(names = "--B", required = true, paramLabel = "FILE.npy", order = 4,
            description = "B, float32 [B, L, G, N] or [total, G, N]; G divides H.")
    Path b;

    @Option(names = "--C", required = true, paramLabel = "FILE.npy", order = 5,
            description = "C, float32, shaped like B.")
    Path c;

    @Option(names = "--D", paramLabel = "FILE.npy", order = 6, description = "D, float32 [H] (skip term D·x).")
    Path d;

    @Option(names = "--dt-bias", paramLabel = "FILE.npy", order = 7, description = "dt bias, float32 [H].")
    Path dtBias;

    @Option(names = "--dt-softplus", order = 8, description = "dt' = softplus(dt + bias) (Mamba-2's default).")
    boolean dtSoftplus;

    @Option(names = "--chunk", paramLabel = "T", defaultValue = "0", order = 9,
            description = "Tokens per chunk, 1..512 (0, the default: 64).")
    long chunk;

    @Option(names = "--state-in", paramLabel = "FILE.npy", order = 10,
            description = "Initial state, float32 [B, H, P, N] (default 0).")
    Path stateIn;

    @Option(names = "--cu-seqlens", paramLabel = "FILE.npy", order = 11,
            description = "int32 [B + 1]: packed variable-length sequences.")
    Path cuSeqlens;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", order = 12,
            description = "Output written here: float32, shaped like x.")
    Path out;

    @Option(names = "--state-out", paramLabel = "FILE.npy", order = 13,
            description = "Final state written here: float32 [B, H, P, N].")
    Path stateOut;

    @Mixin
    ThreadsOption threads;

    /** The library's argument names and these flags. */
    private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("x", "--x"), Map.entry("dt", "--dt"),
            Map.entry("A", "--A"), Map.entry("B", "--B"), Map.entry("C", "--C"), Map.entry("D", "--D"),
            Map.entry("dtBias", "--dt-bias"), Map.entry("stateIn", "--state-in"), Map.entry("cuSeqlens", "--cu-seqlens"),
            Map.entry("chunk", "--chunk"), Map.entry("out", "--out"), Map.entry("stateOut", "--state-out"));

    @Override
    public Integer call() throws IOException {
        PrintWriter w = spec.commandLine().getOut();
        try (NpyIo files = new NpyIo(); Context ctx = threads.openContext()) {
            boolean varlen = cuSeqlens != null;
            int lead = varlen ? 1 : 2;
            String xHint = varlen ? " ([total, H, P] with --cu-seqlens)" : " ([B, L, H, P])";
            String bHint = varlen ? " ([total, G, N])" : " ([B, L, G, N])";
            NpyArray xa = files.input("--x", x, DType.F32, lead + 2, xHint);
            Tensor dtT = files.input("--dt", dt, DType.F32, lead + 1, varlen ? " ([total, H])" : " ([B, L, H])").tensor();
            Tensor aT = files.input("--A", a, DType.F32, 1, " ([H])").tensor();
            NpyArray ba = files.input("--B", b, DType.F32, lead + 2, bHint);
            Tensor cT = files.input("--C", c, DType.F32, lead + 2, bHint).tensor();
            SsdOptions.Builder o = SsdOptions.builder().dtSoftplus(dtSoftplus);
            try {
                o.chunk(chunk);
                if (d != null) o.d(files.input("--D", d, DType.F32, 1, " ([H])").tensor());
                if (dtBias != null) o.dtBias(files.input("--dt-bias", dtBias, DType.F32, 1, " ([H])").tensor());
                if (stateIn != null) {
                    o.stateIn(files.input("--state-in", stateIn, DType.F32, 4, " ([B, H, P, N])").tensor());
                }
                long batch = xa.shape()[0];
                if (varlen) {
                    NpyArray cu = files.input("--cu-seqlens", cuSeqlens, DType.I32, 1, " ([B + 1])");
                    batch = cu.shape()[0] - 1;
                    o.cuSeqlens(cu.tensor());
                }
                SsdOptions opts = o.build();
                Tensor outT = files.output("--out", out, DType.F32, xa.shape()).tensor();
                Tensor stateT = stateOut == null ? null
                        : files.output("--state-out", stateOut, DType.F32, Math.max(batch, 0), xa.shape()[lead],
                                xa.shape()[lead + 1], ba.shape()[lead + 1]).tensor();
                long start = System.nanoTime();
                Ssd.run(ctx, xa.tensor(), dtT, aT, ba.tensor(), cT, opts, outT, stateT);
                double ms = (System.nanoTime() - start) / 1e6;
                files.commit();
                w.printf(Locale.ROOT, "ssd: x %s, B %s, chunk %d -> %s %s in %s on %d thread(s)%n", xa.describe(),
                        ba.describe(), chunk == 0 ? SsdOptions.DEFAULT_CHUNK : chunk, out,
                        NpyHeader.formatShape(xa.shape()), Units.duration(ms), ctx.numThreads());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ScanFlags.withFlag(e.getMessage(), FLAGS), e);
            }
            w.flush();
            return ExitCodes.OK;
        }
    }
}
