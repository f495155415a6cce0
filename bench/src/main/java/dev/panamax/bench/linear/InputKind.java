package dev.panamax.bench.linear;

import java.util.Locale;

/**
 * The inputs accuracy is measured on ({@link LinearInputs} makes them). With scale 1/√D, the softmax sees:
 * <ul>
 * <li>{@link #RANDOM}: q, k with independent N(0, 1) entries: scores about N(0, 1), a flat softmax;</li>
 * <li>{@link #LOW_RANK}: q and k of a head spanned by the same r random directions (rank-r q·kᵀ), entries of
 *     unit variance;</li>
 * <li>{@link #PEAKED}: the tokens of each block of {@value LinearInputs#PEAK_BLOCK} share a random direction u;
 *     k = √D·u plus N(0, 1/4) noise, q = {@value LinearInputs#PEAK_SCORE}·u plus the same noise, so each query
 *     scores about {@value LinearInputs#PEAK_SCORE} against the few keys of its block (those before it, causal)
 *     and about N(0, 5) against the rest: most of the softmax mass on a few keys.</li>
 * </ul>
 * v has N(0, 1) entries in every kind.
 */
public enum InputKind {
    RANDOM("random"),
    LOW_RANK("low-rank"),
    PEAKED("peaked");

    private final String cliName;

    InputKind(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** @throws IllegalArgumentException naming the valid names */
    public static InputKind parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (InputKind k : values()) {
            if (k.cliName.equals(n)) return k;
        }
        throw new IllegalArgumentException("--inputs: unknown kind '" + name + "'; valid: random, low-rank, peaked");
    }
}
