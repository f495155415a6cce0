package dev.panamax.bench.linear;

import java.util.ArrayList;
import java.util.List;

/** The {@link Approximation}s {@code --features} names. */
public final class Approximations {
    /** What accuracy and crossover measure when {@code --features} is not given. */
    public static final List<String> DEFAULT = List.of("elu1", "relu", "favor64", "favor128", "favor256");

    private Approximations() {
    }

    /**
     * The approximation called {@code name}: a feature map ({@link FeatureSpec#parse}). Linformer and pooled
     * attention get their names here when they are built.
     *
     * @param chunk causal chunk of the linear kernels (0 = the library's)
     * @param seed  random matrices (FAVOR)
     * @throws IllegalArgumentException naming the valid names
     */
    public static Approximation parse(String name, long chunk, long seed) {
        return new FeatureMapApproximation(FeatureSpec.parse(name), chunk, seed);
    }

    /** Every name of {@code names}, in order; duplicates are refused. */
    public static List<Approximation> parseAll(List<String> names, long chunk, long seed) {
        List<Approximation> out = new ArrayList<>();
        for (String n : names) {
            Approximation a = parse(n, chunk, seed);
            if (out.stream().anyMatch(x -> x.name().equals(a.name()))) {
                throw new IllegalArgumentException("--features: '" + a.name() + "' given twice");
            }
            out.add(a);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("--features: give at least one");
        return out;
    }
}
