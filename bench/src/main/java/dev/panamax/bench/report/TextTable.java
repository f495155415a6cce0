package dev.panamax.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A plain-text table: a header, a rule, right-aligned cells, no ANSI codes. */
public final class TextTable {
    private final List<String> headers;
    private final List<String[]> rows = new ArrayList<>();

    public TextTable(List<String> headers) {
        this.headers = List.copyOf(headers);
    }

    public TextTable(String... headers) {
        this(Arrays.asList(headers));
    }

    public TextTable addRow(List<String> cells) {
        if (cells.size() != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.size() + " cells, table has " + headers.size()
                    + " columns");
        }
        rows.add(cells.toArray(String[]::new));
        return this;
    }

    public TextTable addRow(String... cells) {
        return addRow(Arrays.asList(cells));
    }

    public int rowCount() {
        return rows.size();
    }

    /** The table, each line ending in a newline. */
    public String render() {
        int[] widths = new int[headers.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = headers.get(c).length();
            for (String[] row : rows) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        appendLine(sb, headers.toArray(String[]::new), widths);
        String[] rule = new String[widths.length];
        for (int c = 0; c < widths.length; c++) {
            rule[c] = "-".repeat(widths[c]);
        }
        appendLine(sb, rule, widths);
        for (String[] row : rows) {
            appendLine(sb, row, widths);
        }
        return sb.toString();
    }

    private static void appendLine(StringBuilder sb, String[] cells, int[] widths) {
        int start = sb.length();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                sb.append("  ");
            }
            sb.append(" ".repeat(widths[c] - cells[c].length())).append(cells[c]);
        }
        // No trailing spaces, so the output diffs cleanly.
        int end = sb.length();
        while (end > start && sb.charAt(end - 1) == ' ') {
            end--;
        }
        sb.setLength(end);
        sb.append('\n');
    }
}
