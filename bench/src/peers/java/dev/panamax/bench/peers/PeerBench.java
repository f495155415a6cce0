package dev.panamax.bench.peers;

import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.attention.Flops;
import dev.panamax.bench.sweep.Rates;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.bench.peers.AttentionPeer.AttentionShape;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Times the registered peers (median of {@code repeats} runs after {@code warmup})
 * and prints GFLOP/s with {@link Flops#attention} (causal counts the unmasked half).
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp panamax-bench.jar dev.panamax.bench.peers.PeerBench \
 *     [n=4096[,8192]] [d=64,128] [h=8] [hkv=8] [causal=both|true|false] [threads=cores] \
 *     [warmup=2] [repeats=7] [peer=substring]</pre>
 */
public final class PeerBench {
    private PeerBench() {
    }

    public static void main(String[] args) throws Exception {
        int[] ns = {4096};
        int[] ds = {64, 128};
        int h = 8;
        int hkv = -1;
        boolean[] causals = {false, true};
        int threads = Runtime.getRuntime().availableProcessors();
        int warmup = 2;
        int repeats = 7;
        String filter = "";
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("expected key=value, got " + a);
            }
            switch (kv[0]) {
                case "n" -> ns = ints(kv[1]);
                case "d" -> ds = ints(kv[1]);
                case "h" -> h = Integer.parseInt(kv[1]);
                case "hkv" -> hkv = Integer.parseInt(kv[1]);
                case "causal" -> causals = kv[1].equals("both") ? new boolean[] {false, true}
                        : new boolean[] {Boolean.parseBoolean(kv[1])};
                case "threads" -> threads = Integer.parseInt(kv[1]);
                case "warmup" -> warmup = Integer.parseInt(kv[1]);
                case "repeats" -> repeats = Integer.parseInt(kv[1]);
                case "peer" -> filter = kv[1];
                default -> throw new IllegalArgumentException("unknown option " + kv[0]);
            }
        }
        if (hkv < 0) {
            hkv = h;
        }
        List<AttentionPeer> peers = PeerCheck.peers();
        System.out.printf(Locale.ROOT, "threads=%d warmup=%d repeats=%d cores=%d%n", threads, warmup, repeats,
                Runtime.getRuntime().availableProcessors());
        for (int d : ds) {
            for (int n : ns) {
                for (boolean causal : causals) {
                    AttentionShape shape = new AttentionShape(1, n, h, hkv, d, causal);
                    try (Arena arena = Arena.ofShared()) {
                        Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, n, h, d), 1);
                        Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, n, hkv, d), 2);
                        Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, 1, n, hkv, d), 3);
                        Tensor out = Tensor.allocate(arena, DType.F32, 1, n, h, d);
                        for (AttentionPeer peer : peers) {
                            if (!peer.name().contains(filter) || !peer.supports(shape)) {
                                continue;
                            }
                            try (AttentionPeer.Prepared p = peer.prepare(shape, q, k, v, out, threads)) {
                                for (int i = 0; i < warmup; i++) {
                                    p.run();
                                }
                                double[] ms = new double[repeats];
                                for (int i = 0; i < repeats; i++) {
                                    long t0 = System.nanoTime();
                                    p.run();
                                    ms[i] = (System.nanoTime() - t0) / 1e6;
                                }
                                double[] sorted = ms.clone();
                                Arrays.sort(sorted);
                                double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                                        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
                                double flops = Flops.attention(shape);
                                System.out.printf(Locale.ROOT,
                                        "%-38s N=%-6d H=%d Hkv=%d D=%-4d causal=%-5b median %9.2f ms  %7.1f GFLOP/s"
                                                + "  (min %.2f max %.2f ms; all %s)%n",
                                        peer.name(), n, h, hkv, d, causal, median,
                                        Rates.gflopsPerSecond(flops, median), sorted[0], sorted[sorted.length - 1],
                                        fmt(ms));
                            }
                        }
                    }
                }
            }
        }
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static String fmt(double[] ms) {
        List<String> parts = new ArrayList<>();
        for (double m : ms) {
            parts.add(String.format(Locale.ROOT, "%.1f", m));
        }
        return String.join(" ", parts);
    }
}
