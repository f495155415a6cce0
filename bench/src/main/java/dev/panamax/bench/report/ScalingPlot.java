package dev.panamax.bench.report;

import dev.panamax.bench.attention.SweepRow;
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
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Time and extra memory against N, log-log, fused against naive: the picture
 * of O(N²) against O(N) memory. Two panels side by side in one PNG.
 */
public final class ScalingPlot {
    private static final int PANEL_WIDTH = 640;
    private static final int PANEL_HEIGHT = 480;

    private ScalingPlot() {
    }

    public static void write(Path file, List<SweepRow> rows, String title) throws IOException {
        // Rendering needs no display; set before AWT initialises.
        System.setProperty("java.awt.headless", "true");
        XYChart time = panel("Time - " + title, "time (ms)");
        addSeries(time, "fused", rows, r -> true, SweepRow::fusedMillis);
        addSeries(time, "naive", rows, SweepRow::hasNaive, SweepRow::naiveMillis);
        if (!rows.isEmpty()) {
            for (int p = 0; p < rows.get(0).peers().size(); p++) {
                int index = p;
                addSeries(time, rows.get(0).peers().get(p).name(), rows,
                        r -> !Double.isNaN(r.peers().get(index).millis()), r -> r.peers().get(index).millis());
            }
        }
        XYChart memory = panel("Extra native memory: workspace + out", "extra memory (MiB)");
        addSeries(memory, "fused", rows, r -> true, r -> r.fusedBytes() / (1024.0 * 1024.0));
        addSeries(memory, "naive", rows, SweepRow::hasNaive, r -> r.naiveBytes() / (1024.0 * 1024.0));
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(List.of(time, memory), 1, 2, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static XYChart panel(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(title)
                .xAxisTitle("sequence length N").yAxisTitle(yTitle).build();
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

    private static void addSeries(XYChart chart, String name, List<SweepRow> rows, Predicate<SweepRow> present,
                                  ToDoubleFunction<SweepRow> value) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (SweepRow r : rows) {
            double y = present.test(r) ? value.applyAsDouble(r) : Double.NaN;
            // Log axes need positive values.
            if (y > 0) {
                xs.add((double) r.shape().seqLen());
                ys.add(y);
            }
        }
        if (!xs.isEmpty()) {
            chart.addSeries(name, xs, ys).setMarker(SeriesMarkers.CIRCLE);
        }
    }
}
