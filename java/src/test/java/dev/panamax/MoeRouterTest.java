package dev.panamax;

import static dev.panamax.MoeTestSupport.E;
import static dev.panamax.MoeTestSupport.K;
import static dev.panamax.MoeTestSupport.assertBitsEqual;
import static dev.panamax.MoeTestSupport.poisonedInts;
import static dev.panamax.MoeTestSupport.poisonedOutputs;
import static dev.panamax.SelectiveScanTest.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.foreign.Arena;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * {@link MoE#route} through the Java API: the router against its closed form computed here (top-k with a tie,
 * softmax and sigmoid scores, renormalisation, capacity, aux and z losses, only indices and weights asked), and its
 * noise (the same for the same seed on any thread count, other routes for another seed). Every output is poisoned
 * first and every element checked.
 */
class MoeRouterTest {
    /** The router in float64, written here from panamax.h's definitions. */
    record Routed(int[] indices, double[] weights, int[] counts, byte[] dropped, double aux, double z) {
        static Routed of(double[][] logits, int k, MoeScoring scoring, boolean renormalize, double capacityFactor) {
            int t = logits.length, e = logits[0].length;
            int[] idx = new int[t * k], counts = new int[e];
            double[] w = new double[t * k], meanScore = new double[e];
            double z = 0;
            for (int i = 0; i < t; i++) {
                double m = Arrays.stream(logits[i]).max().orElseThrow(), sum = 0;
                for (double l : logits[i]) sum += Math.exp(l - m);
                double lse = m + Math.log(sum);
                z += lse * lse;
                double[] s = new double[e];
                for (int j = 0; j < e; j++) {
                    s[j] = scoring == MoeScoring.SOFTMAX ? Math.exp(logits[i][j] - lse) : 1 / (1 + Math.exp(-logits[i][j]));
                    meanScore[j] += s[j] / t;
                }
                boolean[] taken = new boolean[e];
                double ksum = 0;
                for (int slot = 0; slot < k; slot++) {
                    int best = -1;
                    for (int j = 0; j < e; j++) {
                        if (!taken[j] && (best < 0 || s[j] > s[best])) best = j;   // ties: the lower index
                    }
                    taken[best] = true;
                    idx[i * k + slot] = best;
                    w[i * k + slot] = s[best];
                    ksum += s[best];
                    counts[best]++;
                }
                if (renormalize) {
                    for (int slot = 0; slot < k; slot++) w[i * k + slot] /= ksum;
                }
            }
            long cap = capacityFactor == 0 ? (long) t * k : (long) Math.ceil(capacityFactor * t * k / e);
            int[] kept = new int[e];
            byte[] dropped = new byte[t * k];
            for (int i = 0; i < t * k; i++) {
                if (kept[idx[i]] >= cap) dropped[i] = 1;
                else kept[idx[i]]++;
            }
            double aux = 0;
            for (int j = 0; j < e; j++) aux += (double) counts[j] / (t * k) * meanScore[j];
            return new Routed(idx, w, counts, dropped, e * aux, z / t);
        }
    }

    @Test
    void routerMatchesItsClosedFormWithATieCapacityAndLosses() {
        // Token 2 ties experts 0 and 1 exactly (the lower index first); capacity 0.5 keeps ceil(0.75) = 1 per expert.
        double[][] logits = {{1.0, 2.5, -0.5, 0.3}, {0.2, 0.1, 3.0, -1.0}, {2.0, 2.0, 1.0, 0.0}};
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor l = Tensor.allocate(arena, DType.F32, 3, 4);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) l.setDouble(logits[i][j], i, j);
            }
            for (MoeScoring scoring : MoeScoring.values()) {
                for (boolean renormalize : new boolean[] {false, true}) {
                    for (double cf : new double[] {0, 0.5}) {
                        MoeRouterOptions o = MoeRouterOptions.builder().topK(2).scoring(scoring).renormalize(renormalize)
                                .capacityFactor(cf).build();
                        String what = scoring + (renormalize ? " renormalised" : "") + " capacity " + cf;
                        Routed want = Routed.of(logits, 2, scoring, renormalize, cf);
                        RouterOutputs r = poisonedOutputs(arena, 3, 2, 4, DType.F32);
                        MoE.route(ctx, null, null, l, o, r);
                        assertArrayEquals(want.indices, r.indices().toIntArray(), what + ": indices");
                        assertArrayEquals(want.counts, r.counts().toIntArray(), what + ": counts");
                        assertArrayEquals(want.dropped, r.dropped().toByteArray(), what + ": dropped");
                        double[] w = r.weights().toDoubleArray();
                        for (int i = 0; i < w.length; i++) assertEquals(want.weights[i], w[i], 1e-6, what + ": weights");
                        assertEquals(want.aux, r.auxLoss().getDouble(0), 1e-6 * want.aux, what + ": auxLoss");
                        assertEquals(want.z, r.zLoss().getDouble(0), 1e-6 * want.z, what + ": zLoss");
                    }
                }
            }
            // The expected drops of capacity 0.5: token 1's second choice and both of token 2's.
            assertArrayEquals(new byte[] {0, 0, 0, 1, 1, 1}, Routed.of(logits, 2, MoeScoring.SOFTMAX, false, 0.5).dropped);
            // Only indices and weights: the rest stays absent.
            Tensor idx = poisonedInts(arena, DType.I32, 3, 2), w = TestSupport.poisoned(arena, DType.F32, 3, 2);
            MoE.route(ctx, null, null, l, MoeRouterOptions.defaults(2), new RouterOutputs(idx, w));
            assertArrayEquals(new int[] {1, 0, 2, 0, 0, 1}, idx.toIntArray());
        }
    }

    @Test
    void noiseIsTheSameForTheSameSeedAndChangesWithIt() {
        try (Arena arena = Arena.ofConfined(); Context one = Context.create(1); Context two = Context.create(2)) {
            Tensor logits = uniform(arena, 700, -0.1, 0.1, 200, E);
            MoeRouterOptions o = MoeRouterOptions.builder().topK(K).noiseStd(1).noiseSeed(5).build();
            RouterOutputs a = poisonedOutputs(arena, 200, K, E, DType.F32), b = poisonedOutputs(arena, 200, K, E, DType.F32);
            RouterOutputs c = poisonedOutputs(arena, 200, K, E, DType.F32), q = poisonedOutputs(arena, 200, K, E, DType.F32);
            MoE.route(one, null, null, logits, o, a);
            MoE.route(two, null, null, logits, o, b);
            MoE.route(two, null, null, logits, o.toBuilder().noiseSeed(6).build(), c);
            MoE.route(two, null, null, logits, o.toBuilder().noiseStd(0).build(), q);
            assertArrayEquals(a.indices().toIntArray(), b.indices().toIntArray(), "same seed, any thread count");
            assertBitsEqual(a.zLoss(), b.zLoss(), "same seed: zLoss");
            assertFalse(Arrays.equals(a.indices().toIntArray(), c.indices().toIntArray()), "another seed, other routes");
            assertFalse(Arrays.equals(a.indices().toIntArray(), q.indices().toIntArray()), "noise changes the routes");
        }
    }
}
