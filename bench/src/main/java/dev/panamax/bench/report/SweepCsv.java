package dev.panamax.bench.report;

import dev.panamax.bench.sweep.Measurement;
import dev.panamax.bench.sweep.SweepLayout;
import dev.panamax.bench.sweep.SweepResult;
import dev.panamax.bench.sweep.SweepRow;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The raw sweep rows as CSV: one row per shape, empty cells where nothing was measured. */
public final class SweepCsv {
    private SweepCsv() {
    }

    public static void write(Path file, SweepResult result) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(String.join(",", header(result)) + "\n");
            for (SweepRow row : result.rows()) {
                w.write(String.join(",", cells(result, row)) + "\n");
            }
        }
    }

    static List<String> header(SweepResult result) {
        SweepLayout layout = result.layout();
        String rate = layout.workUnit().csvRate();
        List<String> header = new ArrayList<>(layout.shapeColumns());
        header.addAll(List.of("threads", layout.workUnit().csvAmount(), "fused_ms", "fused_" + rate));
        if (result.ceiling() != null) {
            header.add("fused_pct_" + slug(result.ceiling().name()));
        }
        header.add("fused_bytes");
        for (String name : layout.baselineNames()) {
            String b = slug(name);
            header.addAll(List.of(b + "_ms", b + "_" + rate, b + "_bytes", "speedup_vs_" + b));
        }
        if (result.ceiling() != null) {
            header.add(slug(result.ceiling().name()) + "_" + rate);
        }
        for (String name : layout.peerNames()) {
            String p = "peer_" + slug(name);
            header.addAll(List.of(p + "_ms", p + "_" + rate, p + "_max_abs_diff"));
        }
        return header;
    }

    static List<String> cells(SweepResult result, SweepRow row) {
        List<String> cells = new ArrayList<>(row.shapeValues());
        cells.addAll(List.of(Integer.toString(result.threads()), num(row.work()), num(row.fused().millis()),
                num(result.rate(row, row.fused()))));
        if (result.ceiling() != null) {
            cells.add(num(result.percentOfCeiling(row)));
        }
        cells.add(bytes(row.fused()));
        for (Measurement b : row.baselines()) {
            cells.addAll(List.of(num(b.millis()), num(result.rate(row, b)), bytes(b), num(row.speedupOver(b))));
        }
        if (result.ceiling() != null) {
            cells.add(num(result.ceiling().rate()));
        }
        for (Measurement p : row.peers()) {
            cells.addAll(List.of(num(p.millis()), num(result.rate(row, p)), num(p.maxAbsDiff())));
        }
        return cells;
    }

    private static String bytes(Measurement m) {
        return m.extraBytes() < 0 ? "" : Long.toString(m.extraBytes());
    }

    private static String slug(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    }

    private static String num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }
}
