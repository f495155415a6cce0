package dev.panamax.bench.report;

import java.util.Locale;

/** Number formatting for tables and messages; "-" stands for "not measured". */
public final class Units {
    public static final String NONE = "-";

    private Units() {
    }

    /** Binary units: "512 B", "1.5 KiB", "32.0 MiB", "2.00 GiB". */
    public static String bytes(long bytes) {
        if (bytes < 0) {
            return NONE;
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int u = -1;
        while (value >= 1024 && u < units.length - 1) {
            value /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, value >= 100 ? "%.0f %s" : value >= 10 ? "%.1f %s" : "%.2f %s", value, units[u]);
    }

    /** Milliseconds with about three significant digits. */
    public static String millis(double ms) {
        if (Double.isNaN(ms)) {
            return NONE;
        }
        if (ms >= 100) {
            return String.format(Locale.ROOT, "%.0f", ms);
        }
        if (ms >= 10) {
            return String.format(Locale.ROOT, "%.1f", ms);
        }
        if (ms >= 1) {
            return String.format(Locale.ROOT, "%.2f", ms);
        }
        return String.format(Locale.ROOT, "%.3f", ms);
    }

    /** A rate or ratio with one decimal (GFLOP/s, percent). */
    public static String oneDecimal(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? NONE : String.format(Locale.ROOT, "%.1f", value);
    }

    /** A speed ratio: "3.2x". */
    public static String times(double ratio) {
        if (Double.isNaN(ratio) || Double.isInfinite(ratio)) {
            return NONE;
        }
        return String.format(Locale.ROOT, ratio >= 10 ? "%.0fx" : "%.1fx", ratio);
    }

    /** An error magnitude: "3.1e-07". */
    public static String error(double value) {
        return Double.isNaN(value) ? NONE : String.format(Locale.ROOT, "%.1e", value);
    }

    /** Seconds or milliseconds, whichever reads better. */
    public static String duration(double ms) {
        return ms >= 1000 ? String.format(Locale.ROOT, "%.2f s", ms / 1000) : millis(ms) + " ms";
    }
}
