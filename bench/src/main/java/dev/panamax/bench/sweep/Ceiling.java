package dev.panamax.bench.sweep;

/**
 * The in-run rate the fused call is rated against (e.g. oneDNN sgemm for a
 * compute-bound operator), measured in the same process with the same threads.
 *
 * @param name        the column suffix, e.g. "sgemm" ("% sgemm", "fused_pct_sgemm")
 * @param description what was measured, e.g. "oneDNN sgemm 2048^3"
 * @param rate        in the sweep's {@link WorkUnit} per second (giga)
 */
public record Ceiling(String name, String description, double rate) {}
