package dev.panamax.bench.report;

import dev.panamax.bench.attention.PeerResult;
import dev.panamax.bench.attention.SweepRow;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The attention sweep as a text table. Peers get short labels (P1, P2, ...)
 * explained by a legend, so the table stays readable with long peer names.
 */
public final class SweepTable {
    private SweepTable() {
    }

    /** @param sgemmGflops the in-run oneDNN sgemm rate the "% sgemm" column divides by */
    public static String render(List<SweepRow> rows, List<String> peerNames, double sgemmGflops) {
        List<String> headers = new ArrayList<>(List.of("N", "fused ms", "fused GFLOP/s", "% sgemm", "fused mem",
                "naive ms", "naive GFLOP/s", "naive mem", "fused vs naive"));
        for (int p = 0; p < peerNames.size(); p++) {
            String label = "P" + (p + 1);
            headers.addAll(List.of(label + " ms", label + " GFLOP/s", "fused/" + label, label + " max|diff|"));
        }
        TextTable table = new TextTable(headers);
        for (SweepRow row : rows) {
            List<String> cells = new ArrayList<>(List.of(
                    Integer.toString(row.shape().seqLen()),
                    Units.millis(row.fusedMillis()),
                    Units.oneDecimal(row.fusedGflops()),
                    Units.oneDecimal(100 * row.fusedGflops() / sgemmGflops),
                    Units.bytes(row.fusedBytes()),
                    Units.millis(row.naiveMillis()),
                    Units.oneDecimal(row.naiveGflops()),
                    Units.bytes(row.naiveBytes()),
                    Units.times(row.speedupOverNaive())));
            for (PeerResult peer : row.peers()) {
                cells.addAll(List.of(
                        Units.millis(peer.millis()),
                        Units.oneDecimal(row.flops() / (peer.millis() * 1e6)),
                        Units.times(peer.millis() / row.fusedMillis()),
                        Units.error(peer.maxAbsDiff())));
            }
            table.addRow(cells);
        }
        StringBuilder sb = new StringBuilder(table.render());
        for (int p = 0; p < peerNames.size(); p++) {
            int index = p;
            String skipped = rows.stream().map(r -> r.peers().get(index).skipped()).filter(Objects::nonNull)
                    .distinct().collect(Collectors.joining("; "));
            sb.append("P").append(p + 1).append(" = ").append(peerNames.get(p));
            if (!skipped.isEmpty()) {
                sb.append(" (not run where '-': ").append(skipped).append(')');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** What the columns mean, printed under the table. */
    public static String legend(double sgemmGflops, int naiveMaxN, boolean withPeers) {
        return "ms: median wall time after warm-up. GFLOP/s counts 4*B*H*D per unmasked query-key pair.\n"
                + "% sgemm: of oneDNN sgemm 2048^3 in this run (" + Units.oneDecimal(sgemmGflops) + " GFLOP/s).\n"
                + "mem: extra native memory (fused: workspace + out; naive: its N x N score workspace + out).\n"
                + "naive runs only for N <= " + naiveMaxN + " (--naive-max-n)."
                + (withPeers ? " fused/Pi: how many times faster Panamax is than peer i; max|diff|: against Panamax's output."
                : "")
                + "\n";
    }
}
