package dev.panamax.bench.sweep;

/**
 * How often each implementation runs on each shape.
 *
 * @param warmup       untimed runs first
 * @param repeats      timed runs; the median is reported
 * @param budgetMillis stop repeating once the timed runs took this long (0 = always run all repeats)
 */
public record Repeats(int warmup, int repeats, double budgetMillis) {

    public Repeats {
        if (repeats <= 0) {
            throw new IllegalArgumentException("--repeats must be positive, got " + repeats);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        }
    }
}
