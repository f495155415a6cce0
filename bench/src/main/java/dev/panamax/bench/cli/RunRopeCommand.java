package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Rope;
import dev.panamax.RopeConfig;
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
import java.util.concurrent.Callable;

/**
 * {@code panamax run rope}: rotary position embedding on .npy files. x and positions are memory-mapped and
 * the output is written through a mapping of the output file: no tensor is copied.
 */
@Command(name = "rope", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Rotary position embedding, out = rope(x), on NumPy .npy files (float32, C order).",
                "",
                "  x, out      [B, N, H, D] or [N, H, D]",
                "  positions   int32 [B, N] or [N] (rank-3 x: [N]); without it row n has position n",
                "",
                "Each row's position (plus --rope-offset) rotates the feature pairs of its first --rope-dim",
                "features in every head; the other features pass through. Scalings follow Hugging Face",
                "transformers' modeling_rope_utils.",
                ""},
        footer = {"", "Example:",
                "  panamax run rope --x q.npy --out q_rope.npy --rope-scaling yarn --rope-factor 4 "
                        + "--rope-original-max-position 4096",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunRopeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--x", required = true, paramLabel = "FILE.npy", order = 1,
            description = "Input, float32: [B, N, H, D] or [N, H, D].")
    Path x;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", order = 2,
            description = "Output written here (created or replaced): float32, the shape of x.")
    Path out;

    @Option(names = "--positions", paramLabel = "FILE.npy", order = 3,
            description = "Positions, int32 [B, N] or [N] (default: row n has position n).")
    Path positions;

    @Mixin
    RopeFlags rope;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        RopeConfig config = rope.toConfig();
        try (NpyIo files = new NpyIo(); Context ctx = threads.openContext()) {
            NpyArray xa = files.input("--x", x, DType.F32, 3, 4, " ([B, N, H, D] or [N, H, D])");
            rope.checkHeadDim(xa.shape()[xa.rank() - 1], "--x");
            NpyArray pa = positions == null ? null
                    : files.input("--positions", positions, DType.I32, 1, xa.rank() == 4 ? 2 : 1,
                            xa.rank() == 4 ? " ([B, N] or [N])" : " ([N] for a rank-3 x)");
            Tensor p = pa == null ? null : pa.tensor();
            if (p != null && (p.shape(p.rank() - 1) != xa.shape()[xa.rank() - 3]
                    || (p.rank() == 2 && p.shape(0) != xa.shape()[0]))) {
                throw new IllegalArgumentException("--positions " + positions + ": " + pa.describe()
                        + " must be [B, N] or [N] of --x " + NpyHeader.formatShape(xa.shape()));
            }
            Tensor outT = files.output("--out", out, DType.F32, xa.shape()).tensor();

            long start = System.nanoTime();
            Rope.apply(ctx, xa.tensor(), p, config, outT);
            double ms = (System.nanoTime() - start) / 1e6;
            files.commit();

            PrintWriter w = spec.commandLine().getOut();
            w.printf(Locale.ROOT, "rope: x %s%s, %s -> %s %s in %s on %d thread(s)%n", xa.describe(),
                    pa != null ? ", positions " + pa.describe() : "", config, out, NpyHeader.formatShape(xa.shape()),
                    Units.duration(ms), ctx.numThreads());
            w.flush();
            return ExitCodes.OK;
        }
    }
}
