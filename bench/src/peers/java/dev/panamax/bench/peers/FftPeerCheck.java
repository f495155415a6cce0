package dev.panamax.bench.peers;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.FftConv;
import dev.panamax.Tensor;
import dev.panamax.bench.attention.PeerLoader;
import dev.panamax.bench.peers.FftConvPeer.ConvShape;
import dev.panamax.bench.sweep.TensorData;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks every {@link FftConvPeer} on random inputs (u and kernel uniform in [-1, 1]) against the float64 direct
 * convolution of its Javadoc ({@link #directReference}): max |peer - reference| / max |reference| must be
 * &lt;= 1e-5 (an FFT's rounding is relative to the output's scale, about log2(n)·1e-7 of it). Shapes: every
 * combination of C = 5, 17; L = 1, 37, 300; Lk = 1, 13, L; B = 1, 2 (Lk &gt; L too: the padding still
 * follows L + Lk - 1), and one longer shape (L = Lk = 5000, n = 16384). Each prepared peer runs and writes its
 * output twice with out poisoned in between, on tensors of a confined arena. The reference itself is first
 * compared with Panamax's {@code FftConv.runReference} on one shape.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp panamax-bench.jar dev.panamax.bench.peers.FftPeerCheck [threads]
 * </pre>
 * Prints one line per (peer, shape) and "N passed, N failed"; exits 1 on a failure. {@link PeerCheck} runs it too.
 */
public final class FftPeerCheck {
    static final double RELATIVE_TOLERANCE = 1e-5;

    private FftPeerCheck() {
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

    /** The shapes checked, in order, without repeats. */
    static List<ConvShape> shapes() {
        Set<ConvShape> shapes = new LinkedHashSet<>();
        for (int c : new int[] {5, 17}) {
            for (int l : new int[] {1, 37, 300}) {
                for (int lk : new int[] {1, 13, l}) {
                    for (int b : new int[] {1, 2}) {
                        shapes.add(new ConvShape(b, l, c, lk));
                    }
                }
            }
        }
        shapes.add(new ConvShape(1, 5000, 3, 5000));
        return new ArrayList<>(shapes);
    }

    /** Every check, one line each, into {@code tally}; no registered peer is a failure. */
    static void run(Context ctx, int threads, PeerCheck.Tally tally) {
        List<FftConvPeer> peers = PeerLoader.load(FftConvPeer.class, m -> System.out.println("WARN " + m));
        tally.report(!peers.isEmpty(), "FftConvPeer registered: " + peers.size());
        checkReference(ctx, tally);
        for (ConvShape s : shapes()) {
            for (FftConvPeer peer : peers) {
                check(peer, s, threads, tally);
            }
        }
    }

    private static void check(FftConvPeer peer, ConvShape s, int threads, PeerCheck.Tally tally) {
        long seed = 13L * s.seqLen() + 7L * s.kernelLen() + s.channels() + 1000L * s.batch();
        // Confined: a peer that reads the inputs from its own threads must not depend on a shared arena.
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.channels()),
                    seed, -1, 1);
            Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, s.channels(), s.kernelLen()), seed + 1,
                    -1, 1);
            Tensor ref = directReference(arena, u, k);
            Tensor out = Tensor.allocate(arena, DType.F32, u.shape());
            try (FftConvPeer.Prepared p = peer.prepare(s, u, k, out, threads)) {
                p.run();
                p.writeOutput();
                out.segment().fill((byte) 0x7f);
                p.run();
                p.writeOutput();
            }
            double err = PeerCheck.maxAbsDiff(out, ref);
            double scale = maxAbs(ref);
            double rel = err / Math.max(scale, Double.MIN_NORMAL);
            tally.report(rel <= RELATIVE_TOLERANCE, String.format("%-28s %s n=%d max|err| = %.3e, / max|ref| %.3e "
                    + "= %.3e", peer.name(), s, s.fftLength(), err, scale, rel));
        } catch (Exception | LinkageError e) {
            tally.report(false, String.format("%-28s %s: %s", peer.name(), s, e));
        }
    }

    /** Our reference against Panamax's float64 {@code FftConv.runReference} (no D) on one shape: equal to 1e-12. */
    private static void checkReference(Context ctx, PeerCheck.Tally tally) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = TensorData.uniform(Tensor.allocate(arena, DType.F32, 2, 37, 5), 3, -1, 1);
            Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, 5, 13), 4, -1, 1);
            Tensor ours = directReference(arena, u, k);
            Tensor theirs = Tensor.allocate(arena, DType.F64, 2, 37, 5);
            FftConv.runReference(ctx, u, k, null, theirs);
            double diff = 0;
            for (long i = 0; i < ours.elementCount(); i++) {
                diff = Math.max(diff, Math.abs(ours.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i)
                        - theirs.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i)));
            }
            tally.report(diff <= 1e-12 * maxAbs(theirs), String.format(
                    "direct reference = FftConv.runReference (B=2 L=37 C=5 Lk=13): max|diff| = %.3e", diff));
        } catch (RuntimeException | LinkageError e) {
            tally.report(false, "direct reference vs FftConv.runReference: " + e);
        }
    }

    /** out[b, t, c] = sum_{j <= min(t, Lk - 1)} kernel[c, j]·u[b, t - j, c] in float64; out [B, L, C] F64. */
    static Tensor directReference(Arena arena, Tensor u, Tensor kernel) {
        int b = (int) u.shape(0), l = (int) u.shape(1), c = (int) u.shape(2), lk = (int) kernel.shape(1);
        Tensor out = Tensor.allocate(arena, DType.F64, b, l, c);
        MemorySegment us = u.segment(), ks = kernel.segment(), os = out.segment();
        for (int seq = 0; seq < b; seq++) {
            for (int t = 0; t < l; t++) {
                for (int ch = 0; ch < c; ch++) {
                    double sum = 0;
                    for (int j = 0, last = Math.min(t, lk - 1); j <= last; j++) {
                        sum += (double) ks.getAtIndex(ValueLayout.JAVA_FLOAT, (long) ch * lk + j)
                                * us.getAtIndex(ValueLayout.JAVA_FLOAT, ((long) seq * l + t - j) * c + ch);
                    }
                    os.setAtIndex(ValueLayout.JAVA_DOUBLE, ((long) seq * l + t) * c + ch, sum);
                }
            }
        }
        return out;
    }

    private static double maxAbs(Tensor f64) {
        double max = 0;
        for (long i = 0; i < f64.elementCount(); i++) {
            max = Math.max(max, Math.abs(f64.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i)));
        }
        return max;
    }
}
