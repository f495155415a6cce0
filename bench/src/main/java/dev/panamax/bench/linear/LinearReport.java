package dev.panamax.bench.linear;

import dev.panamax.bench.report.TextTable;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one mode of {@code bench linear} prints: a title, a text table (formatted cells), the same rows as CSV
 * (raw numbers, empty where nothing was measured) and a legend under the table. A mode may add a second table
 * (the crossover summary) that goes to stdout only.
 */
public final class LinearReport {
    private final String title;
    private final TextTable table;
    private final List<String> csvHeader;
    private final List<List<String>> csvRows = new ArrayList<>();
    private final StringBuilder extra = new StringBuilder();
    private String legend = "";

    public LinearReport(String title, List<String> tableHeader, List<String> csvHeader) {
        this.title = title;
        this.table = new TextTable(tableHeader);
        this.csvHeader = List.copyOf(csvHeader);
    }

    public String title() {
        return title;
    }

    /** One row: its formatted cells and its CSV cells. */
    public void add(List<String> cells, List<String> csvCells) {
        if (csvCells.size() != csvHeader.size()) {
            throw new IllegalArgumentException("CSV row has " + csvCells.size() + " cells, header " + csvHeader.size());
        }
        table.addRow(cells);
        csvRows.add(List.copyOf(csvCells));
    }

    public int rowCount() {
        return table.rowCount();
    }

    /** Text printed after the table and before the legend (a second table). */
    public void appendSection(String text) {
        extra.append('\n').append(text);
    }

    public void legend(String text) {
        this.legend = text;
    }

    /** The table, any extra section and the legend. */
    public String render() {
        StringBuilder sb = new StringBuilder(table.render());
        sb.append(extra);
        if (!legend.isEmpty()) sb.append('\n').append(legend);
        return sb.toString();
    }

    public void writeCsv(Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(String.join(",", csvHeader) + "\n");
            for (List<String> row : csvRows) {
                w.write(String.join(",", row) + "\n");
            }
        }
    }

    /** A CSV number: 6 significant digits, empty for NaN or infinity. */
    public static String num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }
}
