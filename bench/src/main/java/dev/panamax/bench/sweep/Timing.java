package dev.panamax.bench.sweep;

import java.util.Arrays;

/** Wall-clock timing: the median of several runs after warm-up runs. */
public final class Timing {

    /** Something to time; may throw (peers do). */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    private Timing() {
    }

    /** The median in milliseconds of {@code repeats} runs (at least one), after {@code warmup} untimed runs. */
    public static double medianMillis(int warmup, int repeats, Action action) throws Exception {
        return medianMillis(warmup, repeats, 0, action);
    }

    /**
     * As {@link #medianMillis(int, int, Action)}, but stops repeating (after at
     * least one timed run) once the timed runs have taken {@code budgetMillis};
     * 0 means no budget. A run that alone exceeds the budget is timed once: its
     * first run counts, without warm-up, since a warm-up would double the wait
     * for an effect that is small at that length.
     */
    public static double medianMillis(int warmup, int repeats, double budgetMillis, Action action) throws Exception {
        for (int i = 0; i < warmup; i++) {
            double ms = timeOnce(action);
            if (budgetMillis > 0 && ms > budgetMillis) {
                return ms;
            }
        }
        double[] times = new double[Math.max(1, repeats)];
        int done = 0;
        double spent = 0;
        while (done < times.length) {
            times[done] = timeOnce(action);
            spent += times[done++];
            if (budgetMillis > 0 && spent >= budgetMillis) {
                break;
            }
        }
        return median(Arrays.copyOf(times, done));
    }

    static double timeOnce(Action action) throws Exception {
        long start = System.nanoTime();
        action.run();
        return (System.nanoTime() - start) / 1e6;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
