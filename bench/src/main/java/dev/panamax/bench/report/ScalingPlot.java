package dev.panamax.bench.report;

import dev.panamax.bench.sweep.Measurement;
import dev.panamax.bench.sweep.SweepLayout;
import dev.panamax.bench.sweep.SweepResult;
import dev.panamax.bench.sweep.SweepRow;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Time and extra memory against the swept size, log-log, fused against the
 * baselines (and the peers' time): for attention, the picture of O(N²)
 * against O(N) memory. Two panels side by side in one PNG.
 */
public final class ScalingPlot {
    private static final int PANEL_WIDTH = 640;
    private static final int PANEL_HEIGHT = 480;
    private static final double MIB = 1024.0 * 1024.0;

    private ScalingPlot() {
    }

    public static void write(Path file, SweepResult result) throws IOException {
        // Rendering needs no display; set before AWT initialises.
        System.setProperty("java.awt.headless", "true");
        SweepLayout layout = result.layout();
        List<SweepRow> rows = result.rows();
        XYChart time = panel(layout, "Time - " + layout.plotTitle(), "time (ms)");
        XYChart memory = panel(layout, "Extra native memory: workspace + out", "extra memory (MiB)");
        addSeries(time, layout.fusedName(), rows, SweepRow::fused, m -> m.millis());
        addSeries(memory, layout.fusedName(), rows, SweepRow::fused, m -> m.extraBytes() / MIB);
        for (int b = 0; b < layout.baselineNames().size(); b++) {
            int index = b;
            addSeries(time, layout.baselineNames().get(b), rows, r -> r.baselines().get(index), m -> m.millis());
            addSeries(memory, layout.baselineNames().get(b), rows, r -> r.baselines().get(index),
                    m -> m.extraBytes() / MIB);
        }
        for (int p = 0; p < layout.peerNames().size(); p++) {
            int index = p;
            addSeries(time, layout.peerNames().get(p), rows, r -> r.peers().get(index), m -> m.millis());
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(List.of(time, memory), 1, 2, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static XYChart panel(SweepLayout layout, String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(title)
                .xAxisTitle(layout.sizeDescription()).yAxisTitle(yTitle).build();
        Styler styler = chart.getStyler();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        styler.setLegendPosition(Styler.LegendPosition.InsideNW);
        styler.setChartBackgroundColor(java.awt.Color.WHITE);
        // Plain numbers on the log axes ("10000", not "1E4").
        chart.getStyler().setXAxisDecimalPattern("#,##0.###");
        chart.getStyler().setYAxisDecimalPattern("#,##0.###");
        return chart;
    }

    private static void addSeries(XYChart chart, String name, List<SweepRow> rows,
                                  Function<SweepRow, Measurement> measurement, Function<Measurement, Double> value) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (SweepRow r : rows) {
            Measurement m = measurement.apply(r);
            double y = m.ran() ? value.apply(m) : Double.NaN;
            // Log axes need positive values (unknown memory is -1).
            if (y > 0) {
                xs.add((double) r.size());
                ys.add(y);
            }
        }
        if (!xs.isEmpty()) {
            chart.addSeries(name, xs, ys).setMarker(SeriesMarkers.CIRCLE);
        }
    }
}
