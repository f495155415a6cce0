package dev.panamax.bench.peers;

import dev.panamax.CausalConv1d;
import dev.panamax.CausalConv1dOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.attention.PeerLoader;
import dev.panamax.bench.peers.CausalConv1dPeer.ConvShape;
import dev.panamax.bench.peers.SsdPeer.SsdShape;
import dev.panamax.bench.sweep.TensorData;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * Checks the state-space peers on random inputs: every {@link CausalConv1dPeer} against
 * {@code CausalConv1d.runReference} (float64), every {@link SsdPeer} against the float64 recurrence of its Javadoc
 * ({@link #ssdReference}). An error is max |peer - reference| / max |reference| and must be &lt;= 1e-4. Each
 * prepared peer runs twice with out poisoned in between, as in {@link PeerCheck}. Shapes have non-power-of-two
 * C, L, H, P, N, silu on and off, with and without bias, and G = 1, G dividing H and G not dividing H.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp panamax-bench.jar dev.panamax.bench.peers.SsmPeerCheck [threads]
 * </pre>
 * Prints one line per (peer, shape) and "N passed, N failed"; exits 1 on a failure. {@link PeerCheck} runs it too.
 */
public final class SsmPeerCheck {
    static final double RELATIVE_TOLERANCE = 1e-4;

    private SsmPeerCheck() {
    }

    public static void main(String[] args) throws Exception {
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

    /** Every check, one line each, into {@code tally}; no registered peer of a kind is a failure. */
    static void run(Context ctx, int threads, PeerCheck.Tally tally) {
        List<CausalConv1dPeer> convPeers = PeerLoader.load(CausalConv1dPeer.class,
                m -> System.out.println("WARN " + m));
        List<SsdPeer> ssdPeers = PeerLoader.load(SsdPeer.class, m -> System.out.println("WARN " + m));
        tally.report(!convPeers.isEmpty(), "CausalConv1dPeer registered: " + convPeers.size());
        tally.report(!ssdPeers.isEmpty(), "SsdPeer registered: " + ssdPeers.size());
        List<ConvShape> convShapes = List.of(new ConvShape(1, 37, 19, 4, true, true),
                new ConvShape(2, 300, 77, 4, false, true), new ConvShape(2, 129, 50, 3, true, false),
                new ConvShape(1, 2, 33, 4, true, true), new ConvShape(1, 64, 96, 1, true, true),
                new ConvShape(3, 1, 21, 5, false, false));
        for (ConvShape s : convShapes) {
            for (CausalConv1dPeer peer : convPeers) {
                checkConv(ctx, peer, s, threads, tally);
            }
        }
        List<SsdShape> ssdShapes = List.of(new SsdShape(1, 37, 3, 5, 1, 7), new SsdShape(2, 300, 3, 5, 1, 7),
                new SsdShape(2, 300, 3, 5, 3, 7), new SsdShape(1, 37, 6, 5, 2, 7), new SsdShape(1, 37, 3, 5, 2, 7),
                new SsdShape(1, 300, 4, 64, 1, 64));
        for (SsdShape s : ssdShapes) {
            for (SsdPeer peer : ssdPeers) {
                checkSsd(peer, s, threads, tally);
            }
        }
    }

    private static void checkConv(Context ctx, CausalConv1dPeer peer, ConvShape s, int threads, PeerCheck.Tally tally) {
        long seed = 7L * s.seqLen() + s.channels();
        try (Arena arena = Arena.ofShared()) {
            Tensor x = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.channels()), seed);
            Tensor weight = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.channels(), s.width()), seed + 1);
            Tensor bias = s.withBias()
                    ? TensorData.uniform(Tensor.allocate(arena, DType.F32, s.channels()), seed + 2) : null;
            Tensor ref = Tensor.allocate(arena, DType.F64, x.shape());
            CausalConv1d.runReference(ctx, x, weight, CausalConv1dOptions.builder().bias(bias).silu(s.silu()).build(),
                    ref, null);
            Tensor out = Tensor.allocate(arena, DType.F32, x.shape());
            try (CausalConv1dPeer.Prepared p = peer.prepare(s, x, weight, bias, out, threads)) {
                p.run();
                p.writeOutput();
                out.segment().fill((byte) 0x7f);
                p.run();
                p.writeOutput();
            }
            report(tally, peer.name(), s.toString(), out, ref);
        } catch (Exception | LinkageError e) {
            tally.report(false, String.format("%-40s %s: %s", peer.name(), s, e));
        }
    }

    private static void checkSsd(SsdPeer peer, SsdShape s, int threads, PeerCheck.Tally tally) {
        long seed = 11L * s.seqLen() + s.groups();
        try (Arena arena = Arena.ofShared()) {
            Tensor x = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.heads(),
                    s.headDim()), seed);
            Tensor dt = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.heads()),
                    seed + 1, 0.001, 0.1);
            Tensor a = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.heads()), seed + 2, -8, -1);
            Tensor b = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.groups(),
                    s.stateDim()), seed + 3);
            Tensor c = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.groups(),
                    s.stateDim()), seed + 4);
            Tensor ref = ssdReference(arena, s, x, dt, a, b, c);
            Tensor out = Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.heads(), s.headDim());
            try (SsdPeer.Prepared p = peer.prepare(s, x, dt, a, b, c, out, threads)) {
                p.run();
                out.segment().fill((byte) 0x7f);
                p.run();
            }
            report(tally, peer.name(), s.toString(), out, ref);
        } catch (Exception | LinkageError e) {
            tally.report(false, String.format("%-40s %s: %s", peer.name(), s, e));
        }
    }

    private static void report(PeerCheck.Tally tally, String name, String shape, Tensor out, Tensor ref) {
        double err = PeerCheck.maxAbsDiff(out, ref);
        double scale = maxAbs(ref);
        double rel = err / Math.max(scale, Double.MIN_NORMAL);
        tally.report(rel <= RELATIVE_TOLERANCE, String.format("%-40s %s max|err| = %.3e, / max|ref| %.3e = %.3e",
                name, shape, err, scale, rel));
    }

    private static double maxAbs(Tensor f64) {
        double max = 0;
        for (long i = 0; i < f64.elementCount(); i++) {
            max = Math.max(max, Math.abs(f64.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i)));
        }
        return max;
    }

    /**
     * The SSD recurrence of {@link SsdPeer} in float64 on the F32 inputs: out [B, L, H, P] F64, the state
     * s [P, N] per (batch, head) starting at zero.
     */
    static Tensor ssdReference(Arena arena, SsdShape s, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c) {
        int bs = s.batch(), l = s.seqLen(), h = s.heads(), p = s.headDim(), g = s.groups(), n = s.stateDim();
        Tensor out = Tensor.allocate(arena, DType.F64, bs, l, h, p);
        MemorySegment o = out.segment();
        double[] state = new double[p * n];
        for (int batch = 0; batch < bs; batch++) {
            for (int head = 0; head < h; head++) {
                Arrays.fill(state, 0);
                double aH = at(a, head);
                int group = s.groupOf(head);
                for (int t = 0; t < l; t++) {
                    long row = (long) batch * l + t;
                    double step = at(dt, row * h + head);
                    double decay = Math.exp(step * aH);
                    long xBase = (row * h + head) * p;
                    long bcBase = (row * g + group) * n;
                    for (int i = 0; i < p; i++) {
                        double v = step * at(x, xBase + i);
                        double y = 0;
                        for (int j = 0; j < n; j++) {
                            double sij = decay * state[i * n + j] + v * at(b, bcBase + j);
                            state[i * n + j] = sij;
                            y += sij * at(c, bcBase + j);
                        }
                        o.setAtIndex(ValueLayout.JAVA_DOUBLE, xBase + i, y);
                    }
                }
            }
        }
        return out;
    }

    private static double at(Tensor t, long index) {
        return t.segment().getAtIndex(ValueLayout.JAVA_FLOAT, index);
    }
}
