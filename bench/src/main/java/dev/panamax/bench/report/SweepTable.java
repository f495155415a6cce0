package dev.panamax.bench.report;

import dev.panamax.bench.sweep.Measurement;
import dev.panamax.bench.sweep.SweepLayout;
import dev.panamax.bench.sweep.SweepResult;
import dev.panamax.bench.sweep.SweepRow;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A sweep as a text table: the size, the fused call (time, rate, % of the
 * ceiling, extra memory), each baseline (time, rate, memory, how many times
 * faster fused is) and each peer. Peers get short labels (P1, P2, ...)
 * explained under the table, so it stays readable with long peer names.
 */
public final class SweepTable {
    private SweepTable() {
    }

    public static String render(SweepResult result) {
        SweepLayout layout = result.layout();
        String rate = layout.workUnit().rateLabel();
        List<String> headers = new ArrayList<>(List.of(layout.sizeName(), "fused ms", "fused " + rate));
        if (result.ceiling() != null) {
            headers.add("% " + result.ceiling().name());
        }
        headers.add("fused mem");
        for (String b : layout.baselineNames()) {
            headers.addAll(List.of(b + " ms", b + " " + rate, b + " mem", "vs " + b));
        }
        for (int p = 0; p < layout.peerNames().size(); p++) {
            String label = peerLabel(p);
            headers.addAll(List.of(label + " ms", label + " " + rate, "vs " + label, label + " max|diff|"));
        }
        TextTable table = new TextTable(headers);
        for (SweepRow row : result.rows()) {
            List<String> cells = new ArrayList<>(List.of(Long.toString(row.size()), Units.millis(row.fused().millis()),
                    Units.oneDecimal(result.rate(row, row.fused()))));
            if (result.ceiling() != null) {
                cells.add(Units.oneDecimal(result.percentOfCeiling(row)));
            }
            cells.add(Units.bytes(row.fused().extraBytes()));
            for (Measurement b : row.baselines()) {
                cells.addAll(List.of(Units.millis(b.millis()), Units.oneDecimal(result.rate(row, b)),
                        Units.bytes(b.extraBytes()), Units.times(row.speedupOver(b))));
            }
            for (Measurement p : row.peers()) {
                cells.addAll(List.of(Units.millis(p.millis()), Units.oneDecimal(result.rate(row, p)),
                        Units.times(row.speedupOver(p)), Units.error(p.maxAbsDiff())));
            }
            table.addRow(cells);
        }
        StringBuilder sb = new StringBuilder(table.render());
        for (int p = 0; p < layout.peerNames().size(); p++) {
            int index = p;
            String skipped = result.rows().stream().map(r -> r.peers().get(index).skipped()).filter(Objects::nonNull)
                    .distinct().collect(Collectors.joining("; "));
            sb.append(peerLabel(p)).append(" = ").append(layout.peerNames().get(p));
            if (!skipped.isEmpty()) {
                sb.append(" (not run where '-': ").append(skipped).append(')');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** What the columns mean, printed under the table. */
    public static String legend(SweepResult result) {
        SweepLayout layout = result.layout();
        StringBuilder sb = new StringBuilder("ms: median wall time after warm-up; every implementation runs once per round, in turn (after an untimed "
                + "run of its own when under 2 s). ").append(layout.legend());
        if (result.ceiling() != null) {
            sb.append("% ").append(result.ceiling().name()).append(": of ").append(result.ceiling().description())
                    .append(" in this run (").append(Units.oneDecimal(result.ceiling().rate())).append(' ')
                    .append(layout.workUnit().rateLabel()).append(").\n");
        }
        if (!layout.baselineNames().isEmpty() || !layout.peerNames().isEmpty()) {
            sb.append("vs X: how many times faster fused is than X.");
            if (!layout.peerNames().isEmpty()) {
                sb.append(" Pi max|diff|: largest |Pi out - fused out|.");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String peerLabel(int index) {
        return "P" + (index + 1);
    }
}
