package dev.panamax.bench.linear;

import dev.panamax.FeatureMap;
import dev.panamax.LinearAttention;
import dev.panamax.LinearAttentionOptions;
import dev.panamax.Tensor;

import java.lang.foreign.Arena;
import java.util.Locale;

/**
 * A feature map as {@code bench linear} names it: "elu1", "relu", "identity", or "favor&lt;m&gt;" (FAVOR+ with m
 * random features, e.g. "favor256").
 *
 * @param map the feature map
 * @param m   FAVOR's feature count, 0 for the other maps
 */
public record FeatureSpec(FeatureMap map, int m) {

    public FeatureSpec {
        if (map == null) throw new IllegalArgumentException("--features: the map must not be null");
        if (map == FeatureMap.FAVOR && (m < 1 || m > LinearAttentionOptions.MAX_FEATURES)) {
            throw new IllegalArgumentException("--features: favor needs 1.." + LinearAttentionOptions.MAX_FEATURES
                    + " random features (e.g. favor256), got " + m);
        }
        if (map != FeatureMap.FAVOR && m != 0) {
            throw new IllegalArgumentException("--features: only favor takes a feature count, got " + m + " for "
                    + map);
        }
    }

    /**
     * The spec called {@code name}.
     *
     * @throws IllegalArgumentException naming the valid forms
     */
    public static FeatureSpec parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (n.startsWith("favor")) {
            String digits = n.substring("favor".length());
            if (!digits.matches("[0-9]{1,7}")) {
                throw new IllegalArgumentException("--features: '" + name + "': give FAVOR's feature count, e.g. "
                        + "favor256");
            }
            return new FeatureSpec(FeatureMap.FAVOR, Integer.parseInt(digits));
        }
        try {
            FeatureMap map = FeatureMap.fromName(n);
            return new FeatureSpec(map, 0);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--features: unknown feature map '" + name
                    + "'; valid: elu1, relu, identity, favor<m> (e.g. favor256)");
        }
    }

    /** The name {@link #parse} reads back: "elu1", "favor256". */
    public String name() {
        return map == FeatureMap.FAVOR ? "favor" + m : map.name().toLowerCase(Locale.ROOT);
    }

    /** F, the features per row, for key dim {@code dk}. */
    public long features(long dk) {
        return map == FeatureMap.FAVOR ? m : dk;
    }

    /** Dk when FAVOR's projection W·x is part of the work, else 0 (see {@link LinearFlops}). */
    public long projectionDk(long dk) {
        return map == FeatureMap.FAVOR ? dk : 0;
    }

    /**
     * The options of a {@code LinearAttention} call with this map (normalised, default eps), drawing FAVOR's
     * random matrix {@code [m, dk]} from {@code seed} in {@code arena} (outside any timing).
     */
    public LinearAttentionOptions.Builder options(Arena arena, long dk, long seed) {
        LinearAttentionOptions.Builder b = LinearAttentionOptions.builder().featureMap(map);
        if (map == FeatureMap.FAVOR) {
            Tensor w = LinearAttention.favorRandomMatrix(arena, m, dk, seed);
            b.randomMatrix(w);
        }
        return b;
    }

    @Override
    public String toString() {
        return name();
    }
}
