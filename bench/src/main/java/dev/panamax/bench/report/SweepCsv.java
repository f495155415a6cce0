package dev.panamax.bench.report;

import dev.panamax.bench.attention.PeerResult;
import dev.panamax.bench.attention.SweepRow;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The raw sweep rows as CSV: one row per N, empty cells where nothing was measured. */
public final class SweepCsv {
    private SweepCsv() {
    }

    public static void write(Path file, List<SweepRow> rows, List<String> peerNames, double sgemmGflops, int threads)
            throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            List<String> header = new ArrayList<>(List.of("n", "batch", "heads", "kv_heads", "head_dim", "causal",
                    "threads", "flops", "fused_ms", "fused_gflops", "fused_pct_sgemm", "fused_bytes", "naive_ms",
                    "naive_gflops", "naive_bytes", "speedup_vs_naive", "sgemm_gflops"));
            for (String name : peerNames) {
                String p = "peer_" + name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
                header.addAll(List.of(p + "_ms", p + "_gflops", p + "_max_abs_diff"));
            }
            w.write(String.join(",", header) + "\n");
            for (SweepRow r : rows) {
                var s = r.shape();
                List<String> cells = new ArrayList<>(List.of(
                        Integer.toString(s.seqLen()), Integer.toString(s.batch()), Integer.toString(s.heads()),
                        Integer.toString(s.kvHeads()), Integer.toString(s.headDim()), Boolean.toString(s.causal()),
                        Integer.toString(threads), num(r.flops()), num(r.fusedMillis()), num(r.fusedGflops()),
                        num(100 * r.fusedGflops() / sgemmGflops), Long.toString(r.fusedBytes()),
                        num(r.naiveMillis()), num(r.naiveGflops()), r.naiveBytes() < 0 ? "" : Long.toString(r.naiveBytes()),
                        num(r.speedupOverNaive()), num(sgemmGflops)));
                for (PeerResult p : r.peers()) {
                    cells.addAll(List.of(num(p.millis()), num(r.flops() / (p.millis() * 1e6)), num(p.maxAbsDiff())));
                }
                w.write(String.join(",", cells) + "\n");
            }
        }
    }

    private static String num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }
}
