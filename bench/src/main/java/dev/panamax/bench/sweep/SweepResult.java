package dev.panamax.bench.sweep;

import java.util.List;

/**
 * A finished sweep: what the table, the CSV and the plot take.
 *
 * @param layout  names and units
 * @param ceiling the in-run ceiling, or null when none was measured
 * @param threads threads of the calls
 * @param rows    one per shape
 */
public record SweepResult(SweepLayout layout, Ceiling ceiling, int threads, List<SweepRow> rows) {

    public SweepResult {
        rows = List.copyOf(rows);
    }

    /** The rate of {@code m} on {@code row}, in the layout's unit; NaN when it did not run. */
    public double rate(SweepRow row, Measurement m) {
        return layout.workUnit().rate(Double.isNaN(m.work()) ? row.work() : m.work(), m.millis());
    }

    /** The fused call's rate as a percentage of the ceiling; NaN without a ceiling. */
    public double percentOfCeiling(SweepRow row) {
        return ceiling == null ? Double.NaN : 100 * rate(row, row.fused()) / ceiling.rate();
    }
}
