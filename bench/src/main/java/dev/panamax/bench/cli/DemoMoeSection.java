package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.ExpertWeights;
import dev.panamax.MoE;
import dev.panamax.MoeActivation;
import dev.panamax.MoeRouterOptions;
import dev.panamax.RouterOutputs;
import dev.panamax.Tensor;
import dev.panamax.bench.report.Units;
import dev.panamax.bench.sweep.Rates;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.bench.sweep.Timing;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The demo's Mixture-of-Experts section: one layer (a router GEMM, softmax top-2 with renormalised weights and a
 * capacity factor that drops some assignments, SwiGLU experts, the weighted sum) over a batch of tokens, timed, with
 * its routing statistics. Checked against the float64 reference in two parts, since the reference of the whole
 * layer is plain loops on one thread: the routing of every token (the reference given the kernel's logits, with
 * experts of width 1 that cost nothing), then the outputs of sampled tokens (each expert's feed-forward by the
 * reference on the sampled rows routed to it, summed with the reference's weights over the slots it kept), the
 * tokens with a dropped assignment among them. The logits (x·gate) of the sampled tokens are checked in Java.
 */
final class DemoMoeSection {
    static final int EXPERTS = 8;
    static final int TOP_K = 2;
    static final int DMODEL = 256;
    static final int HIDDEN = 512;
    static final double CAPACITY_FACTOR = 1.25;
    /**
     * The tokens share a mean direction (x uniform in [-1 + MEAN, 1 + MEAN)), as embeddings do: the router then
     * favours some experts, and the busiest go past their capacity.
     */
    static final double MEAN = 0.3;
    /** fp32 products over d = 256 and h = 512 against float64, outputs of order 1: errors ~1e-6. */
    static final double TOLERANCE = 1e-4;

    private final Context ctx;
    private final PrintWriter out;
    private final int n;
    private final int checkRows;
    private final long seed;

    DemoMoeSection(Context ctx, PrintWriter out, int n, int checkRows, long seed) {
        this.ctx = ctx;
        this.out = out;
        this.n = n;
        this.checkRows = checkRows;
        this.seed = seed;
    }

    /** Runs the section; false when a check fails. */
    boolean run(String step) throws Exception {
        long t = n, d = DMODEL, h = HIDDEN, e = EXPERTS;
        long capacity = (long) Math.ceil(CAPACITY_FACTOR * t * TOP_K / e);
        out.printf(Locale.ROOT, "%n%s A Mixture-of-Experts layer over %d tokens%n", step, n);
        out.printf(Locale.ROOT, "      x [%d, %d] -> router (gate [%d, %d], softmax, top-%d, renormalized) -> %d SwiGLU "
                + "experts (w1, w3 [%d, %d, %d], w2 [%d, %d, %d]) -> weighted sum;%n      capacity factor %.2f: each "
                + "expert takes at most %d of the %d assignments, in token order, the rest are dropped.%n", t, d, d, e,
                TOP_K, e, e, d, h, e, h, d, CAPACITY_FACTOR, capacity, t * TOP_K);
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = rand(arena, seed + 20, -1 + MEAN, 1 + MEAN, t, d);
            Tensor gate = rand(arena, seed + 21, -0.15, 0.15, d, e);
            Tensor w1 = rand(arena, seed + 22, -0.15, 0.15, e, d, h), w3 = rand(arena, seed + 23, -0.15, 0.15, e, d, h);
            Tensor w2 = rand(arena, seed + 24, -0.1, 0.1, e, h, d);
            ExpertWeights weights = new ExpertWeights(w1, w2, w3);
            MoeRouterOptions options = MoeRouterOptions.builder().topK(TOP_K).renormalize(true)
                    .capacityFactor(CAPACITY_FACTOR).build();
            Tensor logits = Tensor.allocate(arena, DType.F32, t, e), y = Tensor.allocate(arena, DType.F32, t, d);
            RouterOutputs routed = RouterOutputs.allocate(arena, t, TOP_K, e);
            long workspaceBytes = MoE.workspaceBytes(ctx, x, gate, logits, options, weights, MoeActivation.SILU, y);
            MemorySegment workspace = workspaceBytes == 0 ? null : arena.allocate(workspaceBytes, 64);
            double ms = Timing.medianMillis(1, 3, 1500, () -> MoE.forward(ctx, x, gate, logits, options, weights,
                    MoeActivation.SILU, y, routed, workspace));

            int[] counts = routed.counts().toIntArray();
            byte[] dropped = routed.dropped().toByteArray();
            long droppedCount = 0, lostTokens = 0;
            for (int i = 0; i < t; i++) {
                int slotsDropped = 0;
                for (int s = 0; s < TOP_K; s++) slotsDropped += dropped[i * TOP_K + s];
                droppedCount += slotsDropped;
                if (slotsDropped == TOP_K) lostTokens++;
            }
            long kept = t * TOP_K - droppedCount;
            double flops = Rates.sgemmFlops(t, e, d) + 3 * Rates.sgemmFlops(kept, h, d);
            float aux = routed.auxLoss().getFloat(0), z = routed.zLoss().getFloat(0);
            out.printf(Locale.ROOT, "      forward: %s (%s GFLOP/s over the router and the kept assignments; median "
                    + "of 3 after a warm-up); workspace %s.%n", Units.duration(ms),
                    Units.oneDecimal(Rates.gflopsPerSecond(flops, ms)), Units.bytes(workspaceBytes));
            out.printf(Locale.ROOT, "      routing: tokens per expert (before capacity) %s, capacity %d; %d of %d assignments dropped "
                    + "(%.1f%%), %d token(s) lost both experts; aux loss %.4f, z loss %.4f.%n",
                    Arrays.toString(counts), capacity, droppedCount, t * TOP_K, 100.0 * droppedCount / (t * TOP_K),
                    lostTokens, aux, z);

            long start = System.nanoTime();
            Reference ref = new Reference(arena, t, e);
            ref.route(logits, options);
            long[] rows = sample(ref.dropped);
            double logitErr = logitError(x, gate, logits, rows);
            double outErr = ref.outputs(x, weights, y, rows);
            int withDrop = 0;
            for (long r : rows) {
                boolean any = false;
                for (int s = 0; s < TOP_K; s++) any |= ref.dropped[(int) r * TOP_K + s] != 0;
                if (any) withDrop++;
            }
            boolean routingOk = Arrays.equals(ref.indices, routed.indices().toIntArray())
                    && Arrays.equals(ref.dropped, dropped) && Arrays.equals(ref.counts, counts);
            double weightErr = maxDiff(routed.weights().toDoubleArray(), ref.weights);
            double lossErr = Math.max(Math.abs(aux - ref.aux) / Math.max(1, Math.abs(ref.aux)),
                    Math.abs(z - ref.z) / Math.max(1, Math.abs(ref.z)));
            boolean ok = routingOk && weightErr <= 1e-6 && lossErr <= 1e-5 && logitErr <= TOLERANCE
                    && outErr <= TOLERANCE;
            out.printf(Locale.ROOT, "      float64 check: the routing of all %d tokens (experts, drops and counts %s; "
                    + "max |weight - ref| = %s; losses within %s) and the outputs of %d tokens (%d with a dropped "
                    + "expert): max |out - ref| = %s (tolerance %s), max |logit - ref| = %s (%s): %s%n", t,
                    routingOk ? "equal" : "DIFFER", Units.error(weightErr), Units.error(lossErr), rows.length,
                    withDrop, Units.error(outErr), Units.error(TOLERANCE), Units.error(logitErr),
                    Units.duration((System.nanoTime() - start) / 1e6), ok ? "PASS" : "FAIL");
            out.flush();
            return ok;
        }
    }

    /**
     * The checked tokens: {@code checkRows / 2} evenly spaced (the first and the last among them), the rest spread
     * evenly over the tokens that had an assignment dropped.
     */
    private long[] sample(byte[] dropped) {
        TreeSet<Long> rows = new TreeSet<>();
        int even = Math.max(2, checkRows / 2);
        for (int i = 0; i < even; i++) rows.add(Math.round((double) i * (n - 1) / (even - 1)));
        long[] withDrop = new long[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            boolean any = false;
            for (int s = 0; s < TOP_K; s++) any |= dropped[i * TOP_K + s] != 0;
            if (any) withDrop[m++] = i;
        }
        int more = Math.min(m, checkRows - even);
        for (int i = 0; i < more; i++) rows.add(withDrop[(int) ((long) i * m / more)]);
        return rows.stream().mapToLong(Long::longValue).toArray();
    }

    /** The kernel's logits of the sampled tokens against x·gate in double: max |got - want|. */
    private static double logitError(Tensor x, Tensor gate, Tensor logits, long[] rows) {
        long d = x.shape(1), e = gate.shape(1);
        double worst = 0;
        for (long r : rows) {
            for (long j = 0; j < e; j++) {
                double want = 0;
                for (long q = 0; q < d; q++) want += (double) x.getFloat(r, q) * gate.getFloat(q, j);
                worst = worse(worst, Math.abs(logits.getFloat(r, j) - want));
            }
        }
        return worst;
    }

    /** The float64 reference, by parts. */
    private final class Reference {
        final Arena arena;
        final long t, e;
        int[] indices, counts;
        byte[] dropped;
        double[] weights;
        double aux, z;

        Reference(Arena arena, long t, long e) {
            this.arena = arena;
            this.t = t;
            this.e = e;
        }

        /**
         * The router and capacity of every token from the given logits. The reference runs whole layers: x [T, 1]
         * and experts of width 1 (zeros) make one that costs nothing beyond the routing.
         */
        void route(Tensor logits, MoeRouterOptions options) {
            RouterOutputs r = new RouterOutputs(Tensor.allocate(arena, DType.I32, t, TOP_K),
                    Tensor.allocate(arena, DType.F64, t, TOP_K), Tensor.allocate(arena, DType.I32, e),
                    Tensor.allocate(arena, DType.U8, t, TOP_K), Tensor.allocate(arena, DType.F64, 1),
                    Tensor.allocate(arena, DType.F64, 1));
            ExpertWeights none = new ExpertWeights(Tensor.allocate(arena, DType.F32, e, 1, 1),
                    Tensor.allocate(arena, DType.F32, e, 1, 1));
            MoE.forwardReference(ctx, Tensor.allocate(arena, DType.F32, t, 1), null, logits, options, none,
                    MoeActivation.SILU, Tensor.allocate(arena, DType.F64, t, 1), r);
            indices = r.indices().toIntArray();
            counts = r.counts().toIntArray();
            dropped = r.dropped().toByteArray();
            weights = r.weights().toDoubleArray();
            aux = r.auxLoss().getDouble(0);
            z = r.zLoss().getDouble(0);
        }

        /**
         * The layer's output on the sampled rows: for each expert, the reference's feed-forward of the sampled rows
         * it kept (a layer of one expert, k = 1: its weight is softmax of one logit, exactly 1), weighted by the
         * reference's weights; max |y - ref| over those rows.
         */
        double outputs(Tensor x, ExpertWeights w, Tensor y, long[] rows) {
            long d = x.shape(1), h = w.w1().shape(2);
            double[][] want = new double[rows.length][(int) d];
            for (int ex = 0; ex < e; ex++) {
                int[] slots = new int[rows.length * TOP_K];
                int m = 0;
                for (int i = 0; i < rows.length; i++) {
                    for (int s = 0; s < TOP_K; s++) {
                        int a = (int) rows[i] * TOP_K + s;
                        if (indices[a] == ex && dropped[a] == 0) slots[m++] = i * TOP_K + s;
                    }
                }
                if (m == 0) continue;
                Tensor xe = Tensor.allocate(arena, DType.F32, m, d);
                for (int j = 0; j < m; j++) {
                    MemorySegment.copy(x.segment(), rows[slots[j] / TOP_K] * d * Float.BYTES, xe.segment(),
                            j * d * Float.BYTES, d * Float.BYTES);
                }
                ExpertWeights one = new ExpertWeights(expert(w.w1(), ex), expert(w.w2(), ex), expert(w.w3(), ex));
                Tensor ye = Tensor.allocate(arena, DType.F64, m, d);
                MoE.forwardReference(ctx, xe, null, Tensor.allocate(arena, DType.F32, m, 1), MoeRouterOptions.defaults(1),
                        one, MoeActivation.SILU, ye, null);
                for (int j = 0; j < m; j++) {
                    int i = slots[j] / TOP_K;
                    double weight = weights[(int) rows[i] * TOP_K + slots[j] % TOP_K];
                    for (int q = 0; q < d; q++) {
                        want[i][q] += weight * ye.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, (long) j * d + q);
                    }
                }
            }
            double worst = 0;
            for (int i = 0; i < rows.length; i++) {
                for (int q = 0; q < d; q++) worst = worse(worst, Math.abs(y.getFloat(rows[i], q) - want[i][q]));
            }
            return worst;
        }
    }

    /** Expert {@code ex} of [E, a, b] as a [1, a, b] view. */
    private static Tensor expert(Tensor w, int ex) {
        long bytes = w.shape(1) * w.shape(2) * Float.BYTES;
        return Tensor.wrap(w.segment().asSlice(ex * bytes, bytes), DType.F32, 1, w.shape(1), w.shape(2));
    }

    private static double maxDiff(double[] got, double[] want) {
        double worst = 0;
        for (int i = 0; i < want.length; i++) worst = worse(worst, Math.abs(got[i] - want[i]));
        return worst;
    }

    /** The larger error; NaN (a kernel writing garbage) sticks. */
    private static double worse(double current, double err) {
        return Double.isNaN(current) || Double.isNaN(err) ? Double.NaN : Math.max(current, err);
    }

    /** Uniform values in [lo, hi). */
    private static Tensor rand(Arena arena, long seed, double lo, double hi, long... shape) {
        return TensorData.uniform(Tensor.allocate(arena, DType.F32, shape), seed, lo, hi);
    }
}
