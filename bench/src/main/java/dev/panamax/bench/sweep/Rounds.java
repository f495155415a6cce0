package dev.panamax.bench.sweep;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times several implementations of one shape in rounds: each round runs every
 * implementation once, in a fixed order, so that all of them meet the same
 * machine. On a shared VM the memory bandwidth and the time other threads
 * take (the JIT compiler early in a process, neighbours) drift over seconds;
 * timing one implementation's runs after the other's turned that drift into
 * ratios off by up to 2x (bench/RESULTS.md, 2026-11-29, RoPE). Warm-up rounds
 * come first. Per implementation the budget rules of
 * {@link Timing#medianMillis(int, int, double, Timing.Action)} hold: a
 * warm-up run over the budget is its only (timed) run, and its timed runs stop
 * once they have taken the budget.
 * <p>
 * A run shorter than {@code rewarmBelowMillis} follows an untimed run of
 * itself whenever another implementation ran in between: it then starts from
 * the state it left (caches, TLB, pages), as back-to-back calls do, not from
 * what the previous implementation left there. Measured without it: a 10 ms
 * window call read 67% of the dense rate right after an ORT run (76% warm),
 * and a 606 ms window call at N = 128k right after a 54 s dense one took
 * 3.8x its 64k time (2.2x run back to back). Runs beyond the threshold (the
 * O(N²) baselines at large N) are not doubled.
 */
public final class Rounds {

    /** One implementation; a tolerant one that throws is dropped and reported, any other fails the rounds. */
    public record Entry(Timing.Action action, boolean tolerant) {}

    /**
     * The outcome per entry: the median in milliseconds, or NaN with the
     * failure of a tolerant entry.
     */
    public record Outcome(double millis, Exception failure) {}

    /** The benchmark's threshold: runs up to 2 s get an untimed run of their own first in each round. */
    public static final double REWARM_BELOW_MILLIS = 2000;

    private Rounds() {
    }

    public static List<Outcome> run(int warmup, int repeats, double budgetMillis, double rewarmBelowMillis,
                                    List<Entry> entries) throws Exception {
        int n = entries.size();
        List<List<Double>> times = new ArrayList<>();
        double[] spent = new double[n];
        double[] last = new double[n];
        Arrays.fill(last, Double.POSITIVE_INFINITY);
        boolean[] done = new boolean[n];
        Exception[] failures = new Exception[n];
        for (int i = 0; i < n; i++) {
            times.add(new ArrayList<>());
        }
        for (int round = 0; round < warmup; round++) {
            for (int i = 0; i < n; i++) {
                if (done[i]) continue;
                double ms = runOnce(entries.get(i), i, failures, done);
                last[i] = ms;
                if (!done[i] && budgetMillis > 0 && ms > budgetMillis) {
                    times.get(i).add(ms);
                    done[i] = true;
                }
            }
        }
        for (int round = 0; round < Math.max(1, repeats); round++) {
            for (int i = 0; i < n; i++) {
                if (done[i]) continue;
                if (last[i] < rewarmBelowMillis && active(done) > 1) {
                    runOnce(entries.get(i), i, failures, done);
                    if (done[i]) continue;
                }
                double ms = runOnce(entries.get(i), i, failures, done);
                if (done[i]) continue;
                last[i] = ms;
                times.get(i).add(ms);
                spent[i] += ms;
                if (budgetMillis > 0 && spent[i] >= budgetMillis) done[i] = true;
            }
        }
        List<Outcome> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double[] t = times.get(i).stream().mapToDouble(Double::doubleValue).toArray();
            out.add(failures[i] != null ? new Outcome(Double.NaN, failures[i])
                    : new Outcome(Timing.median(t), null));
        }
        return out;
    }

    private static int active(boolean[] done) {
        int a = 0;
        for (boolean d : done) {
            if (!d) a++;
        }
        return a;
    }

    private static double runOnce(Entry e, int i, Exception[] failures, boolean[] done) throws Exception {
        try {
            return Timing.timeOnce(e.action());
        } catch (Exception ex) {
            if (!e.tolerant()) throw ex;
            failures[i] = ex;
            done[i] = true;
            return Double.NaN;
        }
    }
}
