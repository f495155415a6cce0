package dev.panamax.bench.cli;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Panamax;
import dev.panamax.Tensor;
import dev.panamax.bench.attention.AttentionSweep;
import dev.panamax.bench.attention.Flops;
import dev.panamax.bench.sweep.SgemmRate;
import dev.panamax.bench.attention.SweepConfig;
import dev.panamax.bench.sweep.Rates;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.baseline.Baselines;
import dev.panamax.bench.demo.ReferenceRowCheck;
import dev.panamax.bench.demo.RowSample;
import dev.panamax.bench.report.SweepTable;
import dev.panamax.bench.report.Units;
import dev.panamax.bench.sweep.Ceiling;
import dev.panamax.bench.sweep.Repeats;
import dev.panamax.bench.sweep.SweepResult;
import dev.panamax.bench.sweep.SweepRunner;
import dev.panamax.bench.sweep.Timing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code panamax demo}: a realistic long-sequence workload, checked against the
 * float64 reference and timed against the unfused baseline and the sgemm rate.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run fused attention on a long-context workload and check it: one long document "
                + "(16k tokens, 8 query heads sharing 2 key/value heads, head dim 64, causal) and a packed batch of "
                + "documents of uneven length (cu_seqlens), each checked against the float64 reference on sampled "
                + "query rows (all heads, every key the row sees); a 32k-token document through a sliding window with "
                + "global tokens and through a BigBird layout, checked the same way and timed beside dense causal; "
                + "a Mamba block (causal conv1d + selective scan) over a 64k-token sequence and 256 decode steps, "
                + "checked against float64 on sampled channels; a Mixture-of-Experts layer (8 experts, top-2, "
                + "capacity-limited) over 8k tokens, its routing checked against float64 on every token and its "
                + "output on sampled tokens; exact softmax attention beside elu+1 and FAVOR+ linear attention over a "
                + "64k-token sequence (time, memory, error against exact), exact checked on sampled rows and each "
                + "approximation on one head against its float64 reference; "
                + "then a speed table: fused vs unfused (sgemm, softmax, sgemm) vs oneDNN sgemm.",
                "Exits 1 if a check fails. Takes a little over a minute on 2 cores.", ""})
final class DemoCommand implements Callable<Integer> {
    private static final int HEADS = 8;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = 64;
    /** Document lengths of the packed batch, as fractions of --seq-len: deliberately uneven. */
    private static final double[] DOCUMENT_SHARES = {0.37, 0.02, 0.21, 0.09, 0.26, 0.05};
    /** Queries are drawn wider than keys so softmax rows are peaked, as in trained models, not flat. */
    private static final double QUERY_AMPLITUDE = 3;
    /** fp32 kernel against float64 over up to 16k keys: errors are ~1e-6; these bounds catch real bugs. */
    static final double OUT_TOLERANCE = 1e-4;
    static final double LSE_TOLERANCE = 1e-5;

    @Spec
    CommandSpec spec;

    @Option(names = "--seq-len", defaultValue = "16384", paramLabel = "N", order = 1,
            description = "Tokens in the long document, and about the total of the packed batch "
                    + "(default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--sparse-len", defaultValue = "32768", paramLabel = "N", order = 2,
            description = "Tokens in the sparse-attention document (default: ${DEFAULT-VALUE}).")
    int sparseLen;

    @Option(names = "--ssm-len", defaultValue = "65536", paramLabel = "L", order = 2,
            description = "Tokens the state-space (Mamba) block prefills (default: ${DEFAULT-VALUE}).")
    int ssmLen;

    @Option(names = "--decode-steps", defaultValue = "256", paramLabel = "T", order = 2,
            description = "Tokens the state-space block then decodes one at a time (default: ${DEFAULT-VALUE}).")
    int decodeSteps;

    @Option(names = "--moe-tokens", defaultValue = "8192", paramLabel = "T", order = 2,
            description = "Tokens through the Mixture-of-Experts layer (default: ${DEFAULT-VALUE}).")
    int moeTokens;

    @Option(names = "--linear-tokens", defaultValue = "65536", paramLabel = "N", order = 2,
            description = "Tokens of the sequence through exact and linear attention (default: ${DEFAULT-VALUE}).")
    int linearTokens;

    @Option(names = "--check-rows", defaultValue = "128", paramLabel = "ROWS", order = 2,
            description = "Query rows per workload checked against the float64 reference (default: ${DEFAULT-VALUE}).")
    int checkRows;

    @Option(names = "--seed", defaultValue = "7", paramLabel = "SEED", order = 3,
            description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    ThreadsOption threads;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        if (seqLen < 64) {
            throw new IllegalArgumentException("--seq-len must be at least 64, got " + seqLen);
        }
        if (sparseLen < 64) {
            throw new IllegalArgumentException("--sparse-len must be at least 64, got " + sparseLen);
        }
        if (ssmLen < 1) {
            throw new IllegalArgumentException("--ssm-len must be at least 1, got " + ssmLen);
        }
        if (decodeSteps < 1) {
            throw new IllegalArgumentException("--decode-steps must be at least 1, got " + decodeSteps);
        }
        if (moeTokens < 1) {
            throw new IllegalArgumentException("--moe-tokens must be at least 1, got " + moeTokens);
        }
        if (linearTokens < 1) {
            throw new IllegalArgumentException("--linear-tokens must be at least 1, got " + linearTokens);
        }
        if (checkRows < 2) {
            throw new IllegalArgumentException("--check-rows must be at least 2, got " + checkRows);
        }
        out = spec.commandLine().getOut();
        long start = System.nanoTime();
        try (Context ctx = threads.openContext()) {
            out.printf("Panamax demo: fused attention on long sequences (%d thread(s), ISA %s)%n%n",
                    ctx.numThreads(), Panamax.cpuIsa().name());
            boolean documentOk = longDocument(ctx);
            boolean batchOk = packedBatch(ctx);
            boolean sparseOk = new DemoSparseSection(ctx, out, sparseLen, checkRows, seed).run("[3/7]");
            boolean ssmOk = new DemoSsmSection(ctx, out, ssmLen, decodeSteps, seed).run("[4/7]");
            boolean moeOk = new DemoMoeSection(ctx, out, moeTokens, checkRows, seed).run("[5/7]");
            boolean linearOk = new DemoLinearSection(ctx, out, linearTokens, checkRows, seed).run("[6/7]");
            speedTable(ctx);
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf(Locale.ROOT, "%nChecks against float64: %s. Total time %.1f s.%n",
                    documentOk && batchOk && sparseOk && ssmOk && moeOk && linearOk ? "PASS" : "FAIL", seconds);
            out.println("Next: 'panamax run attention --help' to run on your own .npy files, "
                    + "'panamax bench attention --plot attention.png' for the full sweep.");
            out.flush();
            if (!(documentOk && batchOk && sparseOk && ssmOk && moeOk && linearOk)) {
                List<String> failed = new java.util.ArrayList<>();
                if (!documentOk) failed.add("long document");
                if (!batchOk) failed.add("packed batch");
                if (!sparseOk) failed.add("sparse document");
                if (!ssmOk) failed.add("state-space block");
                if (!moeOk) failed.add("Mixture-of-Experts layer");
                if (!linearOk) failed.add("exact and linear attention");
                throw new CheckFailedException("demo: a kernel disagrees with the float64 reference ("
                        + String.join(", ", failed) + "); see the report above");
            }
        }
        return ExitCodes.OK;
    }

    private boolean longDocument(Context ctx) throws Exception {
        out.printf("[1/7] One long document%n");
        out.printf("      %d tokens, %d query heads sharing %d key/value heads (GQA %d:%d), head dim %d, causal, "
                + "float32; q [1, %d, %d, %d], k/v [1, %d, %d, %d].%n", seqLen, HEADS, KV_HEADS, HEADS, KV_HEADS,
                HEAD_DIM, seqLen, HEADS, HEAD_DIM, seqLen, KV_HEADS, HEAD_DIM);
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, seqLen, HEADS, HEAD_DIM), seed, QUERY_AMPLITUDE);
            Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, seqLen, KV_HEADS, HEAD_DIM), seed + 1);
            Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, seqLen, KV_HEADS, HEAD_DIM), seed + 2);
            Tensor o = Tensor.allocate(arena, DType.F32, 1, seqLen, HEADS, HEAD_DIM);
            Tensor lse = Tensor.allocate(arena, DType.F32, 1, HEADS, seqLen);
            AttentionOptions options = AttentionOptions.builder().causal(true).build();
            double flops = Flops.attention(new dev.panamax.bench.peers.AttentionPeer.AttentionShape(
                    1, seqLen, HEADS, KV_HEADS, HEAD_DIM, true));
            runFused(ctx, arena, q, k, v, options, o, lse, flops);
            out.printf("      Unfused attention (sgemm, softmax, sgemm) would need %s of score workspace for this "
                    + "(N x N matrices).%n", Units.bytes(Baselines.attentionUnfusedWorkspaceBytes(ctx, q, k, v, options)));
            return check(ctx, q, k, v, o, lse, new int[] {seqLen});
        }
    }

    private boolean packedBatch(Context ctx) throws Exception {
        int[] lengths = Arrays.stream(DOCUMENT_SHARES).mapToInt(s -> (int) Math.max(1, Math.round(s * seqLen))).toArray();
        int[] cu = new int[lengths.length + 1];
        for (int i = 0; i < lengths.length; i++) {
            cu[i + 1] = cu[i] + lengths[i];
        }
        int total = cu[lengths.length];
        out.printf("%n[2/7] A packed batch of %d documents of uneven length%n", lengths.length);
        out.printf("      lengths %s (%d tokens), packed back to back: q [%d, %d, %d], k/v [%d, %d, %d], "
                        + "cu_seqlens %s;%n      causal within each document, nothing attends across documents, no padding.%n",
                join(lengths), total, total, HEADS, HEAD_DIM, total, KV_HEADS, HEAD_DIM, join(cu));
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, total, HEADS, HEAD_DIM), seed + 3, QUERY_AMPLITUDE);
            Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, total, KV_HEADS, HEAD_DIM), seed + 4);
            Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, total, KV_HEADS, HEAD_DIM), seed + 5);
            Tensor o = Tensor.allocate(arena, DType.F32, total, HEADS, HEAD_DIM);
            Tensor lse = Tensor.allocate(arena, DType.F32, HEADS, total);
            Tensor cuSeqlens = Tensor.fromInts(arena, cu, cu.length);
            AttentionOptions options = AttentionOptions.builder().causal(true).varlen(cuSeqlens, cuSeqlens).build();
            runFused(ctx, arena, q, k, v, options, o, lse, Flops.attentionVarlen(lengths, HEADS, HEAD_DIM, true));
            return check(ctx, q, k, v, o, lse, lengths);
        }
    }

    private void runFused(Context ctx, Arena arena, Tensor q, Tensor k, Tensor v, AttentionOptions options, Tensor o,
                          Tensor lse, double flops) throws Exception {
        long workspaceBytes = Attention.workspaceBytes(ctx, q, k, v, options);
        MemorySegment workspace = arena.allocate(workspaceBytes, 64);
        double ms = Timing.medianMillis(0, 1, () -> Attention.forward(ctx, q, k, v, options, o, lse, workspace));
        long outBytes = TensorData.byteSize(o) + TensorData.byteSize(lse);
        out.printf(Locale.ROOT, "      fused forward: %s (%s GFLOP/s, first call); extra memory %s "
                        + "(out + lse %s, workspace %s).%n", Units.duration(ms),
                Units.oneDecimal(Rates.gflopsPerSecond(flops, ms)), Units.bytes(workspaceBytes + outBytes),
                Units.bytes(outBytes), Units.bytes(workspaceBytes));
    }

    private boolean check(Context ctx, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, int[] lengths) {
        long start = System.nanoTime();
        List<RowSample.Row> rows = RowSample.causal(lengths, checkRows, seed);
        ReferenceRowCheck.Result r = ReferenceRowCheck.check(ctx, q, k, v, 0, o, lse, rows);
        boolean pass = r.passes(OUT_TOLERANCE, LSE_TOLERANCE);
        long totalRows = Arrays.stream(lengths).asLongStream().sum();
        out.printf(Locale.ROOT, "      check against the float64 reference: %d of %d query rows (first and last of "
                        + "each document, evenly spaced and random), all %d heads, every key each row sees (%s):%n"
                        + "      max |out - ref| = %s (tolerance %s), max relative |lse - ref| = %s (tolerance %s)  %s%n",
                r.rows(), totalRows, r.heads(), Units.duration((System.nanoTime() - start) / 1e6),
                Units.error(r.maxOutErr()), Units.error(OUT_TOLERANCE), Units.error(r.maxLseErr()),
                Units.error(LSE_TOLERANCE), pass ? "PASS" : "FAIL (worst at row " + r.worstRow() + ")");
        out.flush();
        return pass;
    }

    private void speedTable(Context ctx) throws Exception {
        TreeSet<Integer> ns = new TreeSet<>(List.of(1024, 2048, seqLen));
        ns.removeIf(n -> n > seqLen);
        // The unfused baseline grows as N^2 in time and memory; runs over the budget are timed once.
        // Together this keeps the demo under a minute on 2 cores.
        int unfusedMaxN = 2048;
        SweepConfig config = new SweepConfig(List.copyOf(ns), 1, HEADS, KV_HEADS, HEAD_DIM, true, unfusedMaxN, seed);
        Ceiling sgemm = SgemmRate.measure(ctx);
        out.printf(Locale.ROOT, "%n[7/7] Speed: the long-document shape (causal, GQA %d:%d, D=%d) at a few lengths; "
                + "%s runs at %s GFLOP/s here%n%n", HEADS, KV_HEADS, HEAD_DIM, sgemm.description(),
                Units.oneDecimal(sgemm.rate()));
        out.flush();
        SweepResult result = new SweepRunner(new Repeats(1, 3, 1500), line -> { })
                .run(new AttentionSweep(ctx, config, List.of()), sgemm, ctx.numThreads());
        for (String line : SweepTable.render(result).split("\n")) {
            out.println("      " + line);
        }
        out.printf("      (median of up to 3 runs after a warm-up; runs over 1.5 s timed once. Unfused = two oneDNN "
                + "sgemm calls%n      with a row softmax between them, only up to N=%d: its N x N scores grow as "
                + "N^2, fused memory as N.)%n", unfusedMaxN);
    }

    private static String join(int[] values) {
        return Arrays.stream(values).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
