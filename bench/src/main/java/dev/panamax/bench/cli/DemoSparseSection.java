package dev.panamax.bench.cli;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.BigBird;
import dev.panamax.BigBirdOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.demo.ReferenceRowCheck;
import dev.panamax.bench.demo.RowSample;
import dev.panamax.bench.demo.SparseRowCheck;
import dev.panamax.bench.demo.VisitedPairs;
import dev.panamax.bench.report.Units;
import dev.panamax.bench.sweep.Rates;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.bench.sweep.Timing;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The demo's long-document section: one document through dense causal attention, through a causal
 * sliding window with global tokens (Longformer) and through a BigBird block layout, each sparse result
 * checked on sampled rows against the float64 reference, timed beside dense causal.
 */
final class DemoSparseSection {
    static final int HEADS = 8;
    static final int KV_HEADS = 2;
    static final int HEAD_DIM = 64;
    static final int WINDOW = 256;
    static final int BLOCK = 64;

    private final Context ctx;
    private final PrintWriter out;
    private final int n;
    private final int checkRows;
    private final long seed;

    DemoSparseSection(Context ctx, PrintWriter out, int n, int checkRows, long seed) {
        this.ctx = ctx;
        this.out = out;
        this.n = n;
        this.checkRows = checkRows;
        this.seed = seed;
    }

    /** Runs the section; false when a check fails. */
    boolean run(String step) throws Exception {
        out.printf(Locale.ROOT, "%n%s A %d-token document with sparse attention%n", step, n);
        out.printf(Locale.ROOT, "      q [1, %d, %d, %d], k/v [1, %d, %d, %d], causal; the same inputs through dense "
                + "causal attention, a %d-key sliding window with global tokens, and a BigBird layout.%n",
                n, HEADS, HEAD_DIM, n, KV_HEADS, HEAD_DIM, WINDOW);
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, n, HEADS, HEAD_DIM), seed + 10, 3);
            Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, n, KV_HEADS, HEAD_DIM), seed + 11);
            Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, n, KV_HEADS, HEAD_DIM), seed + 12);
            Tensor o = Tensor.allocate(arena, DType.F32, 1, n, HEADS, HEAD_DIM);
            Tensor lse = Tensor.allocate(arena, DType.F32, 1, HEADS, n);

            AttentionOptions dense = AttentionOptions.builder().causal(true).build();
            double denseMs = time(arena, q, k, v, dense, o, lse);
            row("dense causal", VisitedPairs.causal(n) * HEADS, denseMs, denseMs, null);

            int[] globals = globalTokens();
            Tensor g = Tensor.fromInts(arena, globals, globals.length);
            AttentionOptions window = AttentionOptions.builder().causal(true).window(WINDOW, 0).globalTokens(g).build();
            double windowMs = time(arena, q, k, v, window, o, lse);
            boolean[] isGlobal = new boolean[n];
            for (int x : globals) isGlobal[x] = true;
            ReferenceRowCheck.Result wr = SparseRowCheck.check(ctx, q, k, v, o, lse, rows(), (h, i, j) ->
                    j <= i && (j >= i - WINDOW || isGlobal[(int) i] || isGlobal[(int) j]));
            boolean windowOk = wr.passes(DemoCommand.OUT_TOLERANCE, DemoCommand.LSE_TOLERANCE);
            row(String.format(Locale.ROOT, "window %d + %d globals", WINDOW, globals.length),
                    VisitedPairs.windowWithGlobals(n, WINDOW, globals) * HEADS, windowMs, denseMs, wr);

            BigBirdOptions bb = BigBirdOptions.builder().block(BLOCK).windowBlocks(1).randomBlocks(3).globalBlocks(2)
                    .seed(seed).causal(true).build();
            Tensor layout = BigBird.layout(ctx, arena, n, n, HEADS, bb);
            AttentionOptions bigbird = AttentionOptions.builder().causal(true).blockMask(layout, BLOCK, BLOCK).build();
            double bigbirdMs = time(arena, q, k, v, bigbird, o, lse);
            long nb = layout.shape(3);
            ReferenceRowCheck.Result br = SparseRowCheck.check(ctx, q, k, v, o, lse, rows(), (h, i, j) -> j <= i
                    && layout.segment().get(ValueLayout.JAVA_BYTE, ((h * layout.shape(2)) + i / BLOCK) * nb + j / BLOCK) != 0);
            boolean bigbirdOk = br.passes(DemoCommand.OUT_TOLERANCE, DemoCommand.LSE_TOLERANCE);
            row(String.format(Locale.ROOT, "BigBird %d (w %d, r %d, g %d)", BLOCK, bb.windowBlocks(),
                    bb.randomBlocks(), bb.globalBlocks()), VisitedPairs.causalLayout(n, BLOCK, layout), bigbirdMs,
                    denseMs, br);
            out.printf("      (time: one call after a warm-up; GFLOP/s over the pairs each pattern visits, "
                    + "4*D flops each; checks on %d rows x %d heads each)%n", rows().length, HEADS);
            out.flush();
            return windowOk && bigbirdOk;
        }
    }

    private int[] globalTokens() {
        // A document's opening tokens plus one marker every 4096 tokens (section starts).
        int[] head = {0, 1, 2, 3, 4, 5, 6, 7};
        int[] markers = new int[Math.max(0, (n - 1) / 4096)];
        for (int i = 0; i < markers.length; i++) markers[i] = (i + 1) * 4096;
        int[] all = Arrays.copyOf(head, head.length + markers.length);
        System.arraycopy(markers, 0, all, head.length, markers.length);
        return Arrays.stream(all).filter(x -> x < n).distinct().sorted().toArray();
    }

    private long[] rows() {
        List<RowSample.Row> sample = RowSample.causal(new int[] {n}, checkRows, seed);
        long[] rows = sample.stream().mapToLong(RowSample.Row::row).toArray();
        // Global rows (0, a marker) and a random extra are among them: the first and last row always are.
        SplittableRandom r = new SplittableRandom(seed);
        long[] withMarker = Arrays.copyOf(rows, rows.length + 1);
        withMarker[rows.length] = n > 4096 ? 4096 : r.nextLong(n);
        return Arrays.stream(withMarker).distinct().sorted().toArray();
    }

    private double time(Arena arena, Tensor q, Tensor k, Tensor v, AttentionOptions options, Tensor o, Tensor lse)
            throws Exception {
        long bytes = Attention.workspaceBytes(ctx, q, k, v, options);
        MemorySegment ws = arena.allocate(bytes, 64);
        return Timing.medianMillis(1, 1, () -> Attention.forward(ctx, q, k, v, options, o, lse, ws));
    }

    private void row(String name, double pairs, double ms, double denseMs, ReferenceRowCheck.Result check) {
        double flops = 4.0 * HEAD_DIM * pairs;
        out.printf(Locale.ROOT, "      %-32s %9s  %7s GFLOP/s  %6.1fx dense  density %5.1f%%%s%n", name,
                Units.duration(ms), Units.oneDecimal(Rates.gflopsPerSecond(flops, ms)), denseMs / ms,
                100 * pairs / (VisitedPairs.causal(n) * HEADS),
                check == null ? "" : String.format(Locale.ROOT, "  max|out-ref| %s, lse %s %s",
                        Units.error(check.maxOutErr()), Units.error(check.maxLseErr()),
                        check.passes(DemoCommand.OUT_TOLERANCE, DemoCommand.LSE_TOLERANCE) ? "PASS" : "FAIL"));
        out.flush();
    }
}
