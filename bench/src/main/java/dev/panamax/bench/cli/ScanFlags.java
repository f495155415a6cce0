package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.SelectiveScan;
import dev.panamax.SelectiveScanOptions;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.NpyArray;
import dev.panamax.bench.npy.NpyHeader;
import dev.panamax.bench.report.Units;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The flags of {@code run selective-scan} and {@code run selective-scan-step} (a picocli mixin: the names
 * are the C fields in kebab case) and the run both share: inputs memory-mapped, outputs written through
 * mappings, the library's argument names turned back into these flags in error messages.
 */
final class ScanFlags {
    @Option(names = "--u", required = true, paramLabel = "FILE.npy", order = 1,
            description = "Input u, float32: [B, L, Dm], [total, Dm] with --cu-seqlens, [B, Dm] for a step.")
    Path u;

    @Option(names = "--delta", required = true, paramLabel = "FILE.npy", order = 2,
            description = "delta, float32, shaped like u.")
    Path delta;

    @Option(names = "--A", required = true, paramLabel = "FILE.npy", order = 3,
            description = "A, float32 [Dm, Ns] (Ns <= 256).")
    Path a;

    @Option(names = "--B", required = true, paramLabel = "FILE.npy", order = 4,
            description = "B, float32 [B, L, G, Ns], [total, G, Ns] or [B, G, Ns]; G divides Dm.")
    Path b;

    @Option(names = "--C", required = true, paramLabel = "FILE.npy", order = 5,
            description = "C, float32, shaped like B.")
    Path c;

    @Option(names = "--D", paramLabel = "FILE.npy", order = 6, description = "D, float32 [Dm] (skip term D·u).")
    Path d;

    @Option(names = "--z", paramLabel = "FILE.npy", order = 7,
            description = "z, float32 shaped like u: the output is multiplied by silu(z).")
    Path z;

    @Option(names = "--delta-bias", paramLabel = "FILE.npy", order = 8, description = "delta bias, float32 [Dm].")
    Path deltaBias;

    @Option(names = "--delta-softplus", order = 9, description = "dt = softplus(delta + bias) (Mamba's default).")
    boolean deltaSoftplus;

    @Option(names = "--state-in", paramLabel = "FILE.npy", order = 10,
            description = "Initial state, float32 [B, Dm, Ns] (default 0).")
    Path stateIn;

    @Option(names = "--cu-seqlens", paramLabel = "FILE.npy", order = 11,
            description = "int32 [B + 1]: packed variable-length sequences (not for a step).")
    Path cuSeqlens;

    @Option(names = "--chunk", paramLabel = "T", defaultValue = "0", order = 12,
            description = "Tokens per chunk along L (0, the default: automatic; not for a step).")
    long chunk;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", order = 13,
            description = "Output written here: float32, shaped like u.")
    Path out;

    @Option(names = "--state-out", paramLabel = "FILE.npy", order = 14,
            description = "Final state written here: float32 [B, Dm, Ns].")
    Path stateOut;

    /** The library's argument names and these flags. */
    private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("u", "--u"),
            Map.entry("delta", "--delta"), Map.entry("A", "--A"), Map.entry("B", "--B"), Map.entry("C", "--C"),
            Map.entry("D", "--D"), Map.entry("z", "--z"), Map.entry("deltaBias", "--delta-bias"),
            Map.entry("stateIn", "--state-in"), Map.entry("cuSeqlens", "--cu-seqlens"), Map.entry("chunk", "--chunk"),
            Map.entry("out", "--out"), Map.entry("stateOut", "--state-out"));

    /** Runs the scan (or one step) and prints one line. */
    int run(boolean step, ThreadsOption threads, PrintWriter w) throws IOException {
        String name = step ? "selective-scan-step" : "selective-scan";
        if (step && cuSeqlens != null) {
            throw new IllegalArgumentException("--cu-seqlens: a step takes one token per sequence ([B, Dm]), no varlen");
        }
        try (NpyIo files = new NpyIo(); Context ctx = threads.openContext()) {
            int rank = step || cuSeqlens != null ? 2 : 3;
            String uHint = step ? " ([B, Dm])" : cuSeqlens != null ? " ([total, Dm] with --cu-seqlens)" : " ([B, L, Dm])";
            String bHint = step ? " ([B, G, Ns])" : cuSeqlens != null ? " ([total, G, Ns])" : " ([B, L, G, Ns])";
            NpyArray ua = files.input("--u", u, DType.F32, rank, uHint);
            Tensor deltaT = files.input("--delta", delta, DType.F32, rank, uHint).tensor();
            NpyArray aa = files.input("--A", a, DType.F32, 2, " ([Dm, Ns])");
            Tensor bT = files.input("--B", b, DType.F32, rank + 1, bHint).tensor();
            Tensor cT = files.input("--C", c, DType.F32, rank + 1, bHint).tensor();
            SelectiveScanOptions.Builder o = SelectiveScanOptions.builder().deltaSoftplus(deltaSoftplus).chunk(chunk);
            if (d != null) o.d(files.input("--D", d, DType.F32, 1, " ([Dm])").tensor());
            if (z != null) o.z(files.input("--z", z, DType.F32, rank, uHint).tensor());
            if (deltaBias != null) o.deltaBias(files.input("--delta-bias", deltaBias, DType.F32, 1, " ([Dm])").tensor());
            if (stateIn != null) o.stateIn(files.input("--state-in", stateIn, DType.F32, 3, " ([B, Dm, Ns])").tensor());
            long batch = ua.shape()[0];
            if (cuSeqlens != null) {
                NpyArray cu = files.input("--cu-seqlens", cuSeqlens, DType.I32, 1, " ([B + 1])");
                batch = cu.shape()[0] - 1;
                o.cuSeqlens(cu.tensor());
            }
            Tensor outT = files.output("--out", out, DType.F32, ua.shape()).tensor();
            Tensor stateT = stateOut == null ? null
                    : files.output("--state-out", stateOut, DType.F32, Math.max(batch, 0), aa.shape()[0],
                            aa.shape()[1]).tensor();
            long start = System.nanoTime();
            try {
                SelectiveScanOptions opts = o.build();
                if (step) SelectiveScan.step(ctx, ua.tensor(), deltaT, aa.tensor(), bT, cT, opts, outT, stateT);
                else SelectiveScan.run(ctx, ua.tensor(), deltaT, aa.tensor(), bT, cT, opts, outT, stateT);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(withFlag(e.getMessage(), FLAGS), e);
            }
            double ms = (System.nanoTime() - start) / 1e6;
            files.commit();
            w.printf(Locale.ROOT, "%s: u %s, A %s -> %s %s in %s on %d thread(s)%n", name, ua.describe(), aa.describe(),
                    out, NpyHeader.formatShape(ua.shape()), Units.duration(ms), ctx.numThreads());
            w.flush();
            return ExitCodes.OK;
        }
    }

    /** "deltaBias: ..." becomes "--delta-bias: ..." ({@code flags}: the library's names and the flags). */
    static String withFlag(String message, Map<String, String> flags) {
        int colon = message.indexOf(':');
        if (colon <= 0) return message;
        String flag = flags.get(message.substring(0, colon));
        return flag == null ? message : flag + message.substring(colon);
    }
}
