package dev.panamax.bench.peers;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.attention.PeerLoader;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.bench.peers.AttentionPeer.AttentionShape;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Checks every registered peer against Panamax's float64 reference on small
 * random shapes (B=1, H=8, Hkv=8 and 2, D=64, N=17 and 257, causal and not):
 * max |peer - reference| must be &lt;= 1e-4. Each prepared peer runs twice (the
 * second result is the one compared) so stale-state bugs show. Then the sparse
 * shapes (window, softcap, block layout): {@link SparsePeerCheck}; then the state-space
 * peers (causal conv1d, SSD): {@link SsmPeerCheck}; then the FFT convolution peers: {@link FftPeerCheck};
 * then the linear attention peers: {@link LinearPeerCheck}.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp panamax-bench.jar dev.panamax.bench.peers.PeerCheck [threads]</pre>
 * Prints one line per (peer, shape) and "N passed, N failed"; exits 1 on a failure.
 */
public final class PeerCheck {
    static final double TOLERANCE = 1e-4;

    private PeerCheck() {
    }

    /** Counts of the checks run, each reported on its own line. */
    static final class Tally {
        int passed;
        int failed;
        int skipped;

        void report(boolean ok, String line) {
            System.out.println((ok ? "ok   " : "FAIL ") + line);
            if (ok) {
                passed++;
            } else {
                failed++;
            }
        }
    }

    /** The peers found by {@link java.util.ServiceLoader}; one that fails to load is reported and left out. */
    public static List<AttentionPeer> peers() {
        return PeerLoader.load(message -> System.out.println("WARN " + message));
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        List<AttentionPeer> peers = peers();
        if (peers.isEmpty()) {
            System.out.println("no AttentionPeer registered");
            System.exit(1);
        }
        Tally tally = new Tally();
        try (Context ctx = Context.create(threads)) {
            for (int n : new int[] {17, 257}) {
                for (int hkv : new int[] {8, 2}) {
                    for (boolean causal : new boolean[] {false, true}) {
                        AttentionShape shape = new AttentionShape(1, n, 8, hkv, 64, causal);
                        try (Arena arena = Arena.ofConfined()) {
                            Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, n, 8, 64), 1);
                            Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, n, hkv, 64), 2);
                            Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, n, hkv, 64), 3);
                            Tensor ref = Tensor.allocate(arena, DType.F64, 1, n, 8, 64);
                            AttentionOptions options = AttentionOptions.builder().causal(causal).build();
                            Attention.forwardReference(ctx, q, k, v, options, ref, null);
                            for (AttentionPeer peer : peers) {
                                if (!peer.supports(shape)) {
                                    tally.skipped++;
                                    continue;
                                }
                                Tensor out = runTwice(peer, shape, q, k, v, arena, threads, tally);
                                if (out != null) {
                                    double err = maxAbsDiff(out, ref);
                                    tally.report(err <= TOLERANCE, String.format("%-40s %s max|err| = %.3e",
                                            peer.name(), shape, err));
                                }
                            }
                        }
                    }
                }
            }
            SparsePeerCheck.run(ctx, peers, threads, tally);
            SsmPeerCheck.run(ctx, threads, tally);
            FftPeerCheck.run(ctx, threads, tally);
            MoePeerCheck.run(threads, tally);
            LinearPeerCheck.run(ctx, threads, tally);
        }
        System.out.println(tally.passed + " passed, " + tally.failed + " failed, " + tally.skipped + " skipped");
        if (tally.failed > 0) {
            System.exit(1);
        }
    }

    /**
     * Prepares the peer and runs it twice, poisoning out in between so the second run must rewrite all
     * of it (stale-state bugs show); the output, or null after reporting the failure.
     */
    static Tensor runTwice(AttentionPeer peer, AttentionShape shape, Tensor q, Tensor k, Tensor v, Arena arena,
                           int threads, Tally tally) {
        Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
        try (AttentionPeer.Prepared p = peer.prepare(shape, q, k, v, out, threads)) {
            p.run();
            out.segment().fill((byte) 0x7f);
            p.run();
            return out;
        } catch (Exception | LinkageError e) {
            tally.report(false, String.format("%-40s %s: %s", peer.name(), shape, e));
            return null;
        }
    }

    /** max |out - ref| with out F32 and ref F64 (NaN counts as infinite). */
    static double maxAbsDiff(Tensor out, Tensor ref) {
        MemorySegment a = out.segment();
        MemorySegment b = ref.segment();
        double max = 0;
        for (long i = 0, n = out.elementCount(); i < n; i++) {
            double d = Math.abs(a.getAtIndex(ValueLayout.JAVA_FLOAT, i) - b.getAtIndex(ValueLayout.JAVA_DOUBLE, i));
            if (!(d <= max)) {
                max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
            }
        }
        return max;
    }
}
