package dev.panamax.bench.cli;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.FeatureMap;
import dev.panamax.LinearAttention;
import dev.panamax.LinearAttentionOptions;
import dev.panamax.Tensor;
import dev.panamax.bench.demo.ReferenceRowCheck;
import dev.panamax.bench.demo.RowSample;
import dev.panamax.bench.linear.RelativeError;
import dev.panamax.bench.report.Units;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.bench.sweep.Timing;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo's linear-attention section: one sequence through exact softmax attention (fused, {@link Attention}) and
 * through two kernel approximations of it ({@link LinearAttention}, causal, normalised): elu(x)+1 features and
 * FAVOR+ random features. Each is timed, with the memory it needs beyond its inputs and outputs, and the
 * approximations' error against exact is measured over the whole output. Checked against float64: exact on
 * sampled query rows (as the long document), each approximation on one whole head against its own reference
 * (heads are independent, so a strided view of one head is a complete problem of its own).
 */
final class DemoLinearSection {
    static final int HEADS = 8;
    static final int HEAD_DIM = 64;
    static final int FAVOR_FEATURES = 256;
    /** Runs over this are timed once (exact attention at 64k tokens takes tens of seconds on 2 cores). */
    static final double TIMING_BUDGET_MS = 1500;
    /**
     * fp32 chunked sums against the float64 token-by-token reference, relative to |want| + RMS(want): measured
     * 5e-6 (elu+1) and 2e-5 (FAVOR+) at 64k tokens; the bound catches a wrong token, chunk or head.
     */
    static final double LINEAR_TOLERANCE = 1e-4;

    private final Context ctx;
    private final PrintWriter out;
    private final int n;
    private final int checkRows;
    private final long seed;

    DemoLinearSection(Context ctx, PrintWriter out, int n, int checkRows, long seed) {
        this.ctx = ctx;
        this.out = out;
        this.n = n;
        this.checkRows = checkRows;
        this.seed = seed;
    }

    /** One row of the table. */
    private record Row(String method, double ms, String memory, String error) {}

    /** Runs the section; false when a check fails. */
    boolean run(String step) throws Exception {
        long h = HEADS, d = HEAD_DIM, m = FAVOR_FEATURES;
        out.printf(Locale.ROOT, "%n%s Exact vs linear attention on one %d-token sequence%n", step, n);
        out.printf(Locale.ROOT, "      q, k, v [1, %d, %d, %d] uniform in [-1, 1), causal, float32: exact softmax "
                + "attention (fused, scale 1/sqrt(%d)),%n      and two approximations of it by normalised kernel "
                + "linear attention: elu(x)+1 features, and FAVOR+ with m = %d%n      orthogonal random features "
                + "(x' = x / %d^(1/4), so that phi(q).phi(k) estimates exp(q.k / sqrt(%d))).%n", n, h, d, d, m, d, d);
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, n, h, d), seed + 30);
            Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, n, h, d), seed + 31);
            Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, n, h, d), seed + 32);
            List<Row> table = new ArrayList<>();
            List<String> checks = new ArrayList<>();
            boolean ok = true;

            // Exact: the fused kernel, with the workspace it asks for.
            Tensor exact = Tensor.allocate(arena, DType.F32, 1, n, h, d);
            Tensor lse = Tensor.allocate(arena, DType.F32, 1, h, n);
            AttentionOptions causal = AttentionOptions.builder().causal(true).build();
            long workspaceBytes = Attention.workspaceBytes(ctx, q, k, v, causal);
            MemorySegment workspace = workspaceBytes == 0 ? null : arena.allocate(workspaceBytes, 64);
            double exactMs = Timing.medianMillis(1, 3, TIMING_BUDGET_MS,
                    () -> Attention.forward(ctx, q, k, v, causal, exact, lse, workspace));
            long scoreBytes = (long) n * n * h * Float.BYTES;
            table.add(new Row("exact", exactMs, String.format(Locale.ROOT, "workspace %s; unfused scores %s",
                    Units.bytes(workspaceBytes), Units.bytes(scoreBytes)), "-"));
            // A row here sees up to 4x the keys of the 16k-token document and all 8 heads have their own keys (4x its
            // 2): an eighth of its rows costs the float64 reference about as much (3 to 4 s on 2 cores at 64k).
            int rows = Math.max(2, checkRows / 8);
            long start = System.nanoTime();
            ReferenceRowCheck.Result r = ReferenceRowCheck.check(ctx, q, k, v, 0, exact, lse,
                    RowSample.causal(new int[] {n}, rows, seed));
            boolean exactOk = r.passes(DemoCommand.OUT_TOLERANCE, DemoCommand.LSE_TOLERANCE);
            ok &= exactOk;
            checks.add(String.format(Locale.ROOT, "exact: %d of %d query rows, all %d heads, every key each row "
                    + "sees (%s):%n      max |out - ref| = %s (tolerance %s), max relative |lse - ref| = %s (tolerance "
                    + "%s): %s", r.rows(), n, r.heads(), Units.duration((System.nanoTime() - start) / 1e6),
                    Units.error(r.maxOutErr()), Units.error(DemoCommand.OUT_TOLERANCE), Units.error(r.maxLseErr()),
                    Units.error(DemoCommand.LSE_TOLERANCE), exactOk ? "PASS" : "FAIL"));

            // The approximations share one output buffer: each is measured and checked before the next runs.
            Tensor approx = Tensor.allocate(arena, DType.F32, 1, n, h, d);
            Tensor favorMatrix = Tensor.allocate(arena, DType.F32, m, d);
            LinearAttention.favorRandomMatrix(ctx, seed + 33, favorMatrix);
            LinearAttentionOptions elu = LinearAttentionOptions.builder().featureMap(FeatureMap.ELU1).causal(true)
                    .build();
            LinearAttentionOptions favor = LinearAttentionOptions.builder().featureMap(FeatureMap.FAVOR)
                    .randomMatrix(favorMatrix).causal(true).build();
            int head = (int) Math.floorMod(seed, h);
            for (LinearAttentionOptions o : List.of(elu, favor)) {
                long f = o.featureMap() == FeatureMap.FAVOR ? m : d;
                Tensor state = Tensor.allocate(arena, DType.F32, 1, h, f, d);
                Tensor norm = Tensor.allocate(arena, DType.F32, 1, h, f);
                double ms = Timing.medianMillis(1, 3, TIMING_BUDGET_MS,
                        () -> LinearAttention.run(ctx, q, k, v, o, approx, state, norm));
                String name = o.featureMap() == FeatureMap.FAVOR ? "FAVOR+ m=" + m : "elu+1";
                String memory = String.format(Locale.ROOT, "state %s ([%d, %d, %d] + norm [%d, %d])",
                        Units.bytes(TensorData.byteSize(state) + TensorData.byteSize(norm)), h, f, d, h, f);
                if (o.randomMatrix() != null) {
                    memory += " + W " + Units.bytes(TensorData.byteSize(favorMatrix));
                }
                double error = RelativeError.frobenius(approx, exact);
                table.add(new Row(name, ms, memory, String.format(Locale.ROOT, "%.3f", error)));
                start = System.nanoTime();
                double err = checkHead(arena, q, k, v, o, approx, state, norm, head);
                boolean pass = err <= LINEAR_TOLERANCE;
                ok &= pass;
                checks.add(String.format(Locale.ROOT, "%s: head %d of %d, all %d tokens and the final state, against "
                        + "LinearAttention.runReference%n      (%s): worst error %s of the values' scale (bound %s): "
                        + "%s",
                        name, head, h, n, Units.duration((System.nanoTime() - start) / 1e6), Units.error(err),
                        Units.error(LINEAR_TOLERANCE), pass ? "PASS" : "FAIL"));
            }

            out.println();
            out.printf(Locale.ROOT, "      %-12s %9s  %-57s %s%n", "method", "time", "extra memory", "error vs exact");
            for (Row row : table) {
                out.printf(Locale.ROOT, "      %-12s %9s  %-57s %s%n", row.method(), Units.duration(row.ms()),
                        row.memory(), row.error());
            }
            out.printf(Locale.ROOT, "      (time: median of 3 runs after a warm-up, a run over %.1f s timed once; "
                    + "extra memory: beyond q, k, v, out;%n      unfused scores: the N x N x H float32 scores an "
                    + "unfused kernel fills; error: ||out - exact||_F / ||exact||_F.)%n", TIMING_BUDGET_MS / 1000);
            out.println("      The linear methods are approximations: their error is the price of O(N) time and a "
                    + "state that does not grow");
            out.println("      with N, where exact attention takes O(N^2) time. FAVOR+'s error falls as 1/sqrt(m) "
                    + "and grows with |q| and |k|.");
            for (String c : checks) {
                out.println("      float64 check, " + c);
            }
            out.flush();
            return ok;
        }
    }

    /**
     * The worst {@code |got - want| / (|want| + RMS(want))} of the approximation's output, final state and norm on
     * one head against the float64 reference of that head alone: the reference runs token by token on one thread,
     * and over all 8 heads it takes about 20 s at 64k tokens for FAVOR+ on 2 cores (2.4 s per head; elu+1 0.25 s).
     */
    private double checkHead(Arena arena, Tensor q, Tensor k, Tensor v, LinearAttentionOptions o, Tensor got,
                             Tensor gotState, Tensor gotNorm, int head) {
        long f = gotNorm.shape(2), d = HEAD_DIM;
        Tensor want = Tensor.allocate(arena, DType.F64, 1, n, 1, d);
        Tensor wantState = Tensor.allocate(arena, DType.F64, 1, 1, f, d);
        Tensor wantNorm = Tensor.allocate(arena, DType.F64, 1, 1, f);
        // q, k, v, out [1, N, H, D]: heads on dim 2; state [1, H, F, D] and norm [1, H, F]: on dim 1.
        LinearAttention.runReference(ctx, head(q, 2, head), head(k, 2, head), head(v, 2, head), o, want, wantState,
                wantNorm);
        double worst = error(head(got, 2, head), want);
        worst = worse(worst, error(head(gotState, 1, head), wantState));
        return worse(worst, error(head(gotNorm, 1, head), wantNorm));
    }

    /** Index {@code head} of dim {@code axis} (the heads) as a view of size 1 there: a problem of its own. */
    private static Tensor head(Tensor t, int axis, int head) {
        long[] shape = t.shape().clone();
        shape[axis] = 1;
        long offset = head * t.stride(axis) * t.dtype().byteSize();
        return Tensor.wrap(t.segment().asSlice(offset), t.dtype(), shape, t.strides());
    }

    /** max |got - want| / (|want| + RMS(want)): outputs average values of either sign and can be near 0. */
    private static double error(Tensor got, Tensor want) {
        double[] g = got.toDoubleArray(), r = want.toDoubleArray();
        double rms = 0;
        for (double x : r) rms += x * x;
        rms = Math.sqrt(rms / Math.max(1, r.length));
        double worst = 0;
        for (int i = 0; i < r.length; i++) {
            worst = worse(worst, Math.abs(g[i] - r[i]) / (Math.abs(r[i]) + rms + 1e-30));
        }
        return worst;
    }

    /** The larger error; NaN (a kernel writing garbage) sticks. */
    private static double worse(double current, double err) {
        return Double.isNaN(current) || Double.isNaN(err) ? Double.NaN : Math.max(current, err);
    }
}
