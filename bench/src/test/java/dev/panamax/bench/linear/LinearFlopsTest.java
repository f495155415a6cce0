package dev.panamax.bench.linear;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The flop formulas, against the products counted by hand and by brute force. */
class LinearFlopsTest {
    @Test
    void causalCountsEveryChunkAtItsOwnLength() {
        // N = 5 in chunks of 2: q = 2, 2, 1; H = 3, Hkv = 1, F = 4, Dv = 6 (the normaliser is not counted).
        long h = 3, hkv = 1, f = 4, w = 6;
        double macs = 0;
        for (long q : new long[] {2, 2, 1}) {
            macs += h * (q * (q + 1) / 2.0 * (f + w) + q * f * w) + hkv * q * f * w;
        }
        assertEquals(2 * 2 * macs, LinearFlops.featureAttention(2, 5, h, hkv, f, 6, true, 2, 0), 1e-9);
    }

    @Test
    void maskedProductsCountTheLowerTriangleWithTheDiagonal() {
        // Brute force: the (i, j) pairs with j <= i inside each chunk, one F-long dot and one w-long row each.
        long n = 300, chunk = 64, f = 5, dv = 3;
        long pairs = 0;
        for (long i = 0; i < n; i++) {
            for (long j = 0; j <= i; j++) {
                if (i / chunk == j / chunk) pairs++;
            }
        }
        double state = 2.0 * n * f * dv;  // φ(Q)·S and the state update, one head
        assertEquals(2 * (pairs * (f + dv) + state), LinearFlops.featureAttention(1, n, 1, 1, f, dv, true, chunk,
                0), 1e-6);
    }

    @Test
    void nonCausalIsTheStateProductsOnlyAndFavorAddsItsProjection() {
        assertEquals(2.0 * 100 * (8 + 2) * 16 * 64, LinearFlops.featureAttention(1, 100, 8, 2, 16, 64, false, 64, 0),
                1e-6);
        double plain = LinearFlops.featureAttention(1, 100, 8, 8, 256, 64, true, 64, 0);
        assertEquals(plain + 2.0 * 100 * 16 * 256 * 64, LinearFlops.featureAttention(1, 100, 8, 8, 256, 64, true, 64,
                64), 1e-3);
    }

    @Test
    void deltaRuleByHand() {
        // N = 3 in chunks of 2: q = 2, 1; H = 2, Hkv = 1, Dk = 4, Dv = 5.
        long h = 2, hkv = 1, dk = 4, dv = 5;
        double macs = 0;
        for (double q : new double[] {2, 1}) {
            double tri = q * (q + 1) / 2;
            macs += hkv * (tri * dk + q * q * q / 6 + 2 * q * dk * dv + tri * dv) + h * (tri * (dk + dv) + q * dk * dv);
        }
        assertEquals(2 * macs, LinearFlops.deltaRule(1, 3, h, hkv, dk, dv, 2), 1e-9);
    }

    @Test
    void exactAttentionAsBenchAttentionCountsIt() {
        assertEquals(4.0 * 2 * 8 * 64 * 100 * 100, LinearFlops.exactAttention(2, 100, 8, 64, false));
        assertEquals(4.0 * 2 * 8 * 64 * 100 * 101 / 2, LinearFlops.exactAttention(2, 100, 8, 64, true));
    }
}
