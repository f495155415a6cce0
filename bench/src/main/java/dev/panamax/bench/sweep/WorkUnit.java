package dev.panamax.bench.sweep;

/** What an operator's work is counted in, and how its rate is printed. */
public enum WorkUnit {
    /** Floating-point operations: compute-bound operators, rated in GFLOP/s. */
    FLOP("flops", "GFLOP/s", "gflops"),
    /** Bytes read and written: memory-bound operators, rated in GB/s. */
    BYTE("bytes_moved", "GB/s", "gbytes_per_s"),
    /** Exponentials: exp-bound operators (the selective scan: one per token, channel and state), in Gexp/s. */
    EXP("exps", "Gexp/s", "gexps_per_s");

    private final String csvAmount;
    private final String rateLabel;
    private final String csvRate;

    WorkUnit(String csvAmount, String rateLabel, String csvRate) {
        this.csvAmount = csvAmount;
        this.rateLabel = rateLabel;
        this.csvRate = csvRate;
    }

    /** The CSV column of the amount of work, e.g. "flops". */
    public String csvAmount() {
        return csvAmount;
    }

    /** The table's rate unit, e.g. "GFLOP/s". */
    public String rateLabel() {
        return rateLabel;
    }

    /** The CSV suffix of a rate column, e.g. "gflops". */
    public String csvRate() {
        return csvRate;
    }

    /** Giga-units per second: {@code amount} done in {@code millis}. */
    public double rate(double amount, double millis) {
        return amount / (millis * 1e6);
    }
}
