package dev.panamax.bench.peers;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.FeatureMap;
import dev.panamax.LinearAttention;
import dev.panamax.LinearAttentionOptions;
import dev.panamax.LinearRecurrence;
import dev.panamax.LinearRecurrenceOptions;
import dev.panamax.LinearRule;
import dev.panamax.Tensor;
import dev.panamax.bench.attention.PeerLoader;
import dev.panamax.bench.linear.LinearInputs;
import dev.panamax.bench.peers.LinearPeer.LinearShape;
import dev.panamax.bench.peers.LinearPeer.Problem;
import dev.panamax.bench.sweep.TensorData;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Checks every {@link LinearPeer} on random inputs against Panamax's float64 references (the problems' Javadoc):
 * {@code LinearAttention.runReference} (elu1, causal, normalised) for {@link Problem#ELU1_CAUSAL} on q, k, v
 * uniform in [-1, 1); {@code LinearRecurrence.runReference} (GATED_DELTA) for {@link Problem#GATED_DELTA} on unit
 * q and k rows, v in [-1, 1), decay in [0.9, 1), beta in [0.05, 0.95), as {@code bench linear} times them. An
 * error is max |peer - reference| / max |reference| and must be &lt;= 1e-4. Each prepared peer runs twice with out
 * poisoned in between, as in {@link PeerCheck}. Shapes: non-power-of-two N, H, Dk, Dv; B = 2; and Dk = Dv = 64
 * (where ORT switches its products to MLAS).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp panamax-bench.jar dev.panamax.bench.peers.LinearPeerCheck [threads]
 * </pre>
 * Prints one line per (peer, shape) and "N passed, N failed"; exits 1 on a failure. {@link PeerCheck} runs it too.
 */
public final class LinearPeerCheck {
    static final double RELATIVE_TOLERANCE = 1e-4;

    private LinearPeerCheck() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        PeerCheck.Tally tally = new PeerCheck.Tally();
        try (Context ctx = Context.create(threads)) {
            run(ctx, threads, tally);
        }
        System.out.println(tally.passed + " passed, " + tally.failed + " failed, " + tally.skipped + " skipped");
        if (tally.failed > 0) {
            System.exit(1);
        }
    }

    /** The sizes checked for each problem: (B, N, H, Dk, Dv). */
    static List<int[]> sizes() {
        return List.of(new int[] {1, 37, 3, 5, 7}, new int[] {2, 300, 2, 16, 12}, new int[] {1, 1, 2, 8, 8},
                new int[] {1, 200, 2, 64, 64});
    }

    /** Every check, one line each, into {@code tally}; no registered peer, or a problem without one, is a failure. */
    static void run(Context ctx, int threads, PeerCheck.Tally tally) {
        List<LinearPeer> peers = PeerLoader.load(LinearPeer.class, m -> System.out.println("WARN " + m));
        for (Problem problem : Problem.values()) {
            long count = peers.stream().filter(p -> p.supports(problem)).count();
            tally.report(count > 0, "LinearPeer registered for " + problem + ": " + count);
        }
        for (Problem problem : Problem.values()) {
            for (int[] z : sizes()) {
                LinearShape s = new LinearShape(problem, z[0], z[1], z[2], z[3], z[4]);
                for (LinearPeer peer : peers) {
                    if (peer.supports(problem)) check(ctx, peer, s, threads, tally);
                }
            }
        }
    }

    private static void check(Context ctx, LinearPeer peer, LinearShape s, int threads, PeerCheck.Tally tally) {
        long b = s.batch(), n = s.seqLen(), h = s.heads(), dk = s.keyDim(), dv = s.valueDim();
        long seed = 13L * n + 7L * dk + dv;
        try (Arena arena = Arena.ofShared()) {
            Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h, dk), seed, -1, 1);
            Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h, dk), seed + 1, -1, 1);
            Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h, dv), seed + 2, -1, 1);
            Tensor ref = Tensor.allocate(arena, DType.F64, b, n, h, dv);
            Tensor decay = null, beta = null;
            if (s.problem() == Problem.ELU1_CAUSAL) {
                LinearAttentionOptions o = LinearAttentionOptions.builder().featureMap(FeatureMap.ELU1).causal(true)
                        .eps(LinearPeer.EPS).build();
                LinearAttention.runReference(ctx, q, k, v, o, ref, null, null);
            } else {
                LinearInputs.normalizeRows(q);
                LinearInputs.normalizeRows(k);
                decay = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h), seed + 3, 0.9, 1.0);
                beta = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h), seed + 4, 0.05, 0.95);
                LinearRecurrenceOptions o = LinearRecurrenceOptions.builder().decay(decay).beta(beta).build();
                LinearRecurrence.runReference(ctx, LinearRule.GATED_DELTA, q, k, v, o, ref, null);
            }
            Tensor out = Tensor.allocate(arena, DType.F32, b, n, h, dv);
            try (LinearPeer.Prepared p = peer.prepare(s, q, k, v, decay, beta, out, threads)) {
                p.run();
                p.writeOutput();
                out.segment().fill((byte) 0x7f);
                p.run();
                p.writeOutput();
            }
            double err = PeerCheck.maxAbsDiff(out, ref);
            double scale = maxAbs(ref);
            double rel = err / Math.max(scale, Double.MIN_NORMAL);
            tally.report(rel <= RELATIVE_TOLERANCE, String.format("%-44s %s max|err| = %.3e, / max|ref| %.3e = %.3e",
                    peer.name(), s, err, scale, rel));
        } catch (Exception | LinkageError e) {
            tally.report(false, String.format("%-44s %s: %s", peer.name(), s, e));
        }
    }

    private static double maxAbs(Tensor f64) {
        double max = 0;
        for (long i = 0; i < f64.elementCount(); i++) {
            max = Math.max(max, Math.abs(f64.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i)));
        }
        return max;
    }
}
