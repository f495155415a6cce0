package dev.panamax.bench.cli;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.NpyArray;
import dev.panamax.bench.npy.NpyHeader;
import dev.panamax.bench.report.Units;
import picocli.CommandLine;
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
 * {@code panamax run attention}: fused attention forward on .npy files. Inputs
 * are memory-mapped and the outputs are written through a mapping of the output
 * files, so no tensor is copied on the way in or out.
 */
@Command(name = "attention", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fused attention forward, out = softmax(q k^T * scale) v, on NumPy .npy files",
                "(float32, C order; cu_seqlens int32). Inputs are memory-mapped, not copied.",
                "",
                "  layout   q                k, v                out              lse (--lse)",
                "  dense    [B, N, H, D]     [B, Nk, Hkv, D]     [B, N, H, D]     [B, H, N]",
                "  varlen   [total_q, H, D]  [total_k, Hkv, D]   [total_q, H, D]  [H, total_q]",
                "",
                "Varlen (packed sequences) needs --cu-seqlens-q and --cu-seqlens-k.",
                "Sparse and positional options (window, global tokens, ALiBi, softcap, block masks, top-k,",
                "axial) combine with causal, GQA, varlen and --lse; see panamax.h for the exact rules.",
                "H must be a multiple of Hkv (grouped-query / multi-query attention).",
                ""},
        footer = {"", "Example:",
                "  panamax run attention --q q.npy --k k.npy --v v.npy --out out.npy --causal",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunAttentionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--q", required = true, paramLabel = "FILE.npy", order = 1,
            description = "Queries, float32: [B, N, H, D], or [total_q, H, D] with --cu-seqlens-q.")
    Path q;

    @Option(names = "--k", required = true, paramLabel = "FILE.npy", order = 2,
            description = "Keys, float32: [B, Nk, Hkv, D], or [total_k, Hkv, D] with --cu-seqlens-k.")
    Path k;

    @Option(names = "--v", required = true, paramLabel = "FILE.npy", order = 3,
            description = "Values, float32, the shape of the keys.")
    Path v;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", order = 4,
            description = "Output written here (created or replaced): float32, the shape of q.")
    Path out;

    @Option(names = "--lse", paramLabel = "FILE.npy", order = 5,
            description = "Also write the log-sum-exp of each score row (natural log), float32 [B, H, N] "
                    + "or [H, total_q] for varlen. A row that sees no key gets -inf.")
    Path lse;

    @Option(names = "--causal", order = 6,
            description = "Causal mask aligned to the bottom-right corner: query i sees key j iff j <= i + (Nk - N).")
    boolean causal;

    @Option(names = "--scale", paramLabel = "S", defaultValue = "0", order = 7,
            description = "Score scale; 0 (the default) means 1/sqrt(D).")
    float scale;

    @Option(names = "--cu-seqlens-q", paramLabel = "FILE.npy", order = 8,
            description = "Packed variable-length batch: int32 [B+1] prefix sums of the query lengths (0 first). "
                    + "Needs --cu-seqlens-k.")
    Path cuSeqlensQ;

    @Option(names = "--cu-seqlens-k", paramLabel = "FILE.npy", order = 9,
            description = "int32 [B+1] prefix sums of the key lengths. Needs --cu-seqlens-q.")
    Path cuSeqlensK;

    @Mixin
    SparsityFlags sparsity;

    @Option(names = "--rope", order = 59,
            description = "Fused RoPE on q and k (key j at position j, query i at i + Nk - N, plus --rope-offset), "
                    + "with the --rope-* settings.")
    boolean rope;

    @Mixin
    RopeFlags ropeFlags;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        boolean varlen = cuSeqlensQ != null;
        if (varlen != (cuSeqlensK != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--cu-seqlens-q and --cu-seqlens-k go together: give both or neither");
        }
        try (NpyIo files = new NpyIo(); Context ctx = threads.openContext()) {
            int rank = varlen ? 3 : 4;
            String hint = varlen ? " (packed varlen layout [total, heads, D])"
                    : " (dense layout; packed varlen inputs of rank 3 need --cu-seqlens-q/-k)";
            NpyArray qa = files.input("--q", q, DType.F32, rank, hint);
            NpyArray ka = files.input("--k", k, DType.F32, rank, hint);
            NpyArray va = files.input("--v", v, DType.F32, rank, hint);
            AttentionOptions.Builder options = AttentionOptions.builder().causal(causal).scale(scale);
            if (varlen) {
                options.varlen(files.input("--cu-seqlens-q", cuSeqlensQ, DType.I32, 1).tensor(),
                        files.input("--cu-seqlens-k", cuSeqlensK, DType.I32, 1).tensor());
            }
            sparsity.apply(options, files, qa.tensor(), ka.tensor(), varlen);
            if (rope) {
                ropeFlags.checkHeadDim(qa.shape()[rank - 1], "--q");
                options.rope(ropeFlags.toConfig());
            }
            if (sparsity.layoutOut != null) {
                if (sparsity.topkBlocks == 0) {
                    throw SparsityFlags.bad("--layout-out", "needs --topk-blocks or the --bigbird-* flags");
                }
                long nq = varlen ? maxLength(files, true) : qa.shape()[1];
                long nk = varlen ? maxLength(files, false) : ka.shape()[1];
                long batch = varlen ? files.input("--cu-seqlens-q", cuSeqlensQ, DType.I32, 1).shape()[0] - 1 : qa.shape()[0];
                options.layoutOut(files.output("--layout-out", sparsity.layoutOut, DType.U8, batch, qa.shape()[rank - 2],
                        (nq + sparsity.blockQ - 1) / sparsity.blockQ, (nk + sparsity.blockK - 1) / sparsity.blockK).tensor());
            }
            AttentionOptions opts = options.build();
            long[] qShape = qa.shape();
            long[] lseShape = Attention.lseShape(qa.tensor(), opts);
            Tensor outT = files.output("--out", out, DType.F32, qShape).tensor();
            Tensor lseT = lse == null ? null : files.output("--lse", lse, DType.F32, lseShape).tensor();

            long start = System.nanoTime();
            Attention.forward(ctx, qa.tensor(), ka.tensor(), va.tensor(), opts, outT, lseT);
            double ms = (System.nanoTime() - start) / 1e6;
            files.commit();

            PrintWriter w = spec.commandLine().getOut();
            w.printf(Locale.ROOT, "attention: q %s, k/v %s, %s -> %s %s%s in %s on %d thread(s)%n",
                    qa.describe(), ka.describe(), opts, out, NpyHeader.formatShape(qShape),
                    lse != null ? " and " + lse + " " + NpyHeader.formatShape(lseShape) : "",
                    Units.duration(ms), ctx.numThreads());
            w.flush();
            return ExitCodes.OK;
        }
    }

    // The longest sequence of a varlen batch (for the block counts of --layout-out).
    private long maxLength(NpyIo files, boolean queries) throws IOException {
        int[] cu = files.input(queries ? "--cu-seqlens-q" : "--cu-seqlens-k", queries ? cuSeqlensQ : cuSeqlensK,
                DType.I32, 1).tensor().toIntArray();
        long longest = 0;
        for (int i = 1; i < cu.length; i++) longest = Math.max(longest, (long) cu[i] - cu[i - 1]);
        return longest;
    }
}
