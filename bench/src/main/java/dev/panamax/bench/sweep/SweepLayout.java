package dev.panamax.bench.sweep;

import java.util.List;

/**
 * What a sweep's report shows, independent of how the shapes are run: the
 * table, the CSV and the plot are built from this and the measured rows.
 */
public interface SweepLayout {

    /** The line above the table: operator, the fixed shape parameters, dtype, threads. */
    String title();

    /** A short title for the plot. */
    String plotTitle();

    /** The table header of the swept size, e.g. "N". */
    String sizeName();

    /** The swept size in words, for the plot's axis, e.g. "sequence length N". */
    String sizeDescription();

    /** The CSV columns describing a shape, in the order of {@link SweepRow#shapeValues()}. */
    List<String> shapeColumns();

    /** What the work of a shape is counted in. */
    WorkUnit workUnit();

    /** The fused call's name in the plot's legend, e.g. the variant a sparse sweep times ("window 256"). */
    default String fusedName() {
        return "fused";
    }

    /** The baselines the fused call is compared with (e.g. "unfused"), in column order. */
    List<String> baselineNames();

    /** The peers (other libraries) measured, in column order. */
    List<String> peerNames();

    /** Lines under the table: how the work is counted, what the memory and the baselines are. */
    String legend();
}
