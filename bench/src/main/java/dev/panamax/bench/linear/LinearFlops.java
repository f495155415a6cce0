package dev.panamax.bench.linear;

/**
 * The flop counts the GFLOP/s of {@code bench linear} are based on: the multiply-adds (2 flops each) of the
 * chunked algorithms the kernels run (native/src/linear/linear_impl.h and delta_impl.h), counting only the
 * useful products: a masked intra-chunk product counts its lower triangle with the diagonal,
 * {@code q(q+1)/2} pairs for a chunk of q tokens, as {@code bench ssd} counts its own. Feature maps' element-wise
 * work (exp, max) and the normalising division are not counted; FAVOR's projection {@code W·x} is (a product).
 * The last chunk of a sequence may be partial; every chunk is counted at its own length.
 */
public final class LinearFlops {
    private LinearFlops() {
    }

    /**
     * Kernel linear attention ({@code LinearAttention.run}) over B sequences of N tokens, H query heads, Hkv
     * key/value heads, F features, value dim Dv (native/src/linear/TUNING.md counts the same; the normaliser's
     * sums are reductions, not counted). Per chunk of q tokens:
     * <pre>
     *   causal,     per query head:  q(q+1)/2·F      A = φ(Q)·φ(K)ᵀ, lower triangle with the diagonal
     *                                q(q+1)/2·Dv     A·V
     *                                q·F·Dv          φ(Q)·S, the state entering the chunk
     *               per kv head:     q·F·Dv          S += φ(K)ᵀ·V
     *   non-causal, per query head:  q·F·Dv          φ(Q)·S
     *               per kv head:     q·F·Dv          S += φ(K)ᵀ·V
     *   FAVOR (F = m), per row of q (H heads) and of k (Hkv heads): m·Dk for W·x
     * </pre>
     *
     * @param favorDk Dk when the map is FAVOR (its projection is counted), 0 for the element-wise maps
     */
    public static double featureAttention(long b, long n, long h, long hkv, long f, long dv, boolean causal,
                                          long chunk, long favorDk) {
        double w = dv;
        double macs = 0;
        if (causal) {
            for (long t0 = 0; t0 < n; t0 += chunk) {
                double q = Math.min(chunk, n - t0);
                macs += h * (q * (q + 1) / 2 * (f + w) + q * f * w) + hkv * q * f * w;
            }
        } else {
            macs = (double) n * (h + hkv) * f * w;
        }
        macs += (double) n * (h + hkv) * f * favorDk;
        return 2 * b * macs;
    }

    /**
     * The delta rules' chunked WY form ({@code LinearRecurrence.run}, DELTA and GATED_DELTA; the decay products
     * are element-wise and not counted), Dk the key dim, per chunk of q tokens:
     * <pre>
     *   per kv head:     q(q+1)/2·Dk     A = K·Kᵀ (strictly lower: counted with the diagonal)
     *                    q³/6            the unit lower-triangular solve (I + A)⁻¹
     *                    q·Dk·Dv         X = V − diag(γ)·K·S
     *                    q(q+1)/2·Dv     U = T'·X
     *                    q·Dk·Dv         S = γ·S + Kᵀ·U
     *   per query head:  q(q+1)/2·Dk     Q·Kᵀ, lower triangle with the diagonal
     *                    q(q+1)/2·Dv     its product with U
     *                    q·Dk·Dv         Q·S, the state entering the chunk
     * </pre>
     */
    public static double deltaRule(long b, long n, long h, long hkv, long dk, long dv, long chunk) {
        double macs = 0;
        for (long t0 = 0; t0 < n; t0 += chunk) {
            double q = Math.min(chunk, n - t0);
            double tri = q * (q + 1) / 2;
            macs += hkv * (tri * dk + q * q * q / 6 + 2 * q * dk * dv + tri * dv) + h * (tri * (dk + dv) + q * dk * dv);
        }
        return 2 * b * macs;
    }

    /**
     * Exact softmax attention over the same shape (for reference beside a crossover): QKᵀ and PV, 2·D flops per
     * query-key pair each, over N² pairs per head, N(N+1)/2 causal (as {@code bench attention} counts).
     */
    public static double exactAttention(long b, long n, long h, long d, boolean causal) {
        double pairs = causal ? (double) n * (n + 1) / 2 : (double) n * n;
        return 4.0 * b * h * d * pairs;
    }
}
