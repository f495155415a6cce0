package dev.panamax.bench.peers;

import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.attention.PeerLoader;
import dev.panamax.bench.peers.MoePeer.MoeShape;
import dev.panamax.bench.sweep.TensorData;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * Checks every {@link MoePeer} on random inputs (x uniform in [-1, 1], logits in [-2, 2], W1 in ±1/√d, W2 in
 * ±1/√h) against the float64 layer of {@link MoePeer}'s Javadoc, computed here in plain loops ({@link #reference}):
 * max |peer - reference| / max |reference| must be &lt;= 1e-4. Each prepared peer runs twice with out poisoned in
 * between, as in {@link PeerCheck}. Shapes: T = 37, d = 24, h = 40, E = 5, k = 2 (the base); T = 1; E = 8, k = 1;
 * d = h (where ORT's shape check tells its two weight layouts apart differently); k = E; and T = 1100 (ORT routes
 * tokens on several threads from T = 1024).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp panamax-bench.jar dev.panamax.bench.peers.MoePeerCheck [threads]
 * </pre>
 * Prints one line per (peer, shape) and "N passed, N failed"; exits 1 on a failure. {@link PeerCheck} runs it too.
 */
public final class MoePeerCheck {
    static final double RELATIVE_TOLERANCE = 1e-4;

    private MoePeerCheck() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        PeerCheck.Tally tally = new PeerCheck.Tally();
        run(threads, tally);
        System.out.println(tally.passed + " passed, " + tally.failed + " failed, " + tally.skipped + " skipped");
        if (tally.failed > 0) {
            System.exit(1);
        }
    }

    /** The shapes checked, in order. */
    static List<MoeShape> shapes() {
        return List.of(new MoeShape(37, 24, 40, 5, 2), new MoeShape(1, 24, 40, 5, 2), new MoeShape(37, 24, 40, 8, 1),
                new MoeShape(37, 32, 32, 6, 2), new MoeShape(19, 16, 48, 4, 4), new MoeShape(1100, 16, 24, 6, 2));
    }

    /** Every check, one line each, into {@code tally}; no registered peer is a failure. */
    static void run(int threads, PeerCheck.Tally tally) {
        List<MoePeer> peers = PeerLoader.load(MoePeer.class, m -> System.out.println("WARN " + m));
        tally.report(!peers.isEmpty(), "MoePeer registered: " + peers.size());
        for (MoeShape s : shapes()) {
            for (MoePeer peer : peers) {
                check(peer, s, threads, tally);
            }
        }
    }

    private static void check(MoePeer peer, MoeShape s, int threads, PeerCheck.Tally tally) {
        long seed = 31L * s.tokens() + 7L * s.experts() + s.topK();
        int t = s.tokens(), d = s.dmodel(), h = s.hidden(), e = s.experts();
        try (Arena arena = Arena.ofShared()) {
            Tensor x = TensorData.uniform(Tensor.allocate(arena, DType.F32, t, d), seed);
            Tensor logits = TensorData.uniform(Tensor.allocate(arena, DType.F32, t, e), seed + 1, 2);
            Tensor w1 = TensorData.uniform(Tensor.allocate(arena, DType.F32, e, d, h), seed + 2, 1 / Math.sqrt(d));
            Tensor w2 = TensorData.uniform(Tensor.allocate(arena, DType.F32, e, h, d), seed + 3, 1 / Math.sqrt(h));
            Tensor ref = reference(arena, s, x, logits, w1, w2);
            Tensor out = Tensor.allocate(arena, DType.F32, t, d);
            try (MoePeer.Prepared p = peer.prepare(s, x, logits, w1, w2, out, threads)) {
                p.run();
                out.segment().fill((byte) 0x7f);
                p.run();
            }
            double err = PeerCheck.maxAbsDiff(out, ref);
            double scale = maxAbs(ref);
            double rel = err / Math.max(scale, Double.MIN_NORMAL);
            tally.report(rel <= RELATIVE_TOLERANCE, String.format("%-40s %s max|err| = %.3e, / max|ref| %.3e = %.3e",
                    peer.name(), s, err, scale, rel));
        } catch (Exception | LinkageError ex) {
            tally.report(false, String.format("%-40s %s: %s", peer.name(), s, ex));
        }
    }

    private static double maxAbs(Tensor f64) {
        double max = 0;
        for (long i = 0; i < f64.elementCount(); i++) {
            max = Math.max(max, Math.abs(f64.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i)));
        }
        return max;
    }

    /**
     * The layer of {@link MoePeer} in float64 on the F32 inputs: softmax over each row of logits, the k largest
     * (descending, ties to the lower index), their weights renormalised to sum 1,
     * out[t] = Σ_slot w·(silu(x_t·W1[e])·W2[e]). Returns out [T, d] F64.
     */
    static Tensor reference(Arena arena, MoeShape s, Tensor x, Tensor logits, Tensor w1, Tensor w2) {
        int tokens = s.tokens(), d = s.dmodel(), h = s.hidden(), experts = s.experts(), k = s.topK();
        Tensor out = Tensor.allocate(arena, DType.F64, tokens, d);
        MemorySegment o = out.segment();
        double[] p = new double[experts];
        boolean[] taken = new boolean[experts];
        int[] chosen = new int[k];
        double[] a = new double[h];
        double[] y = new double[d];
        for (int t = 0; t < tokens; t++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < experts; j++) {
                max = Math.max(max, at(logits, (long) t * experts + j));
            }
            double sum = 0;
            for (int j = 0; j < experts; j++) {
                p[j] = Math.exp(at(logits, (long) t * experts + j) - max);
                sum += p[j];
            }
            for (int j = 0; j < experts; j++) {
                p[j] /= sum;
            }
            Arrays.fill(taken, false);
            double topSum = 0;
            for (int slot = 0; slot < k; slot++) {
                int best = -1;
                for (int j = 0; j < experts; j++) {
                    if (!taken[j] && (best < 0 || p[j] > p[best])) {
                        best = j;
                    }
                }
                taken[best] = true;
                chosen[slot] = best;
                topSum += p[best];
            }
            Arrays.fill(y, 0);
            for (int slot = 0; slot < k; slot++) {
                int e = chosen[slot];
                double w = p[e] / topSum;
                long w1Base = (long) e * d * h;
                for (int j = 0; j < h; j++) {
                    double acc = 0;
                    for (int i = 0; i < d; i++) {
                        acc += at(x, (long) t * d + i) * at(w1, w1Base + (long) i * h + j);
                    }
                    a[j] = acc / (1 + Math.exp(-acc));
                }
                long w2Base = (long) e * h * d;
                for (int i = 0; i < d; i++) {
                    double acc = 0;
                    for (int j = 0; j < h; j++) {
                        acc += a[j] * at(w2, w2Base + (long) j * d + i);
                    }
                    y[i] += w * acc;
                }
            }
            for (int i = 0; i < d; i++) {
                o.setAtIndex(ValueLayout.JAVA_DOUBLE, (long) t * d + i, y[i]);
            }
        }
        return out;
    }

    private static double at(Tensor t, long index) {
        return t.segment().getAtIndex(ValueLayout.JAVA_FLOAT, index);
    }
}
