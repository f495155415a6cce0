package dev.panamax.bench.peers;

import dev.panamax.Tensor;

/**
 * Another attention implementation a JVM user could call instead of Panamax,
 * timed in the same run on the same inputs. Implementations live in
 * {@code bench/src/peers} (Maven profile {@code peers}) and are found with
 * {@link java.util.ServiceLoader}, so the CLI builds without them.
 */
public interface AttentionPeer {

    /** A short name for tables, e.g. "onnxruntime MultiHeadAttention". */
    String name();

    /**
     * Whether this peer computes the shape exactly (e.g. some ops are non-causal only, most have no
     * window, softcap or block layout): a sweep skips the peer where this is false.
     */
    boolean supports(AttentionShape shape);

    /**
     * Builds whatever the peer needs (session, model) for the shape, reading
     * q [B, N, H, D], k and v [B, N, Hkv, D] and writing out [B, N, H, D]
     * (all F32, contiguous) on each {@link Prepared#run()}.
     */
    Prepared prepare(AttentionShape shape, Tensor q, Tensor k, Tensor v, Tensor out, int threads) throws Exception;

    /** One prepared forward pass, run repeatedly by the benchmark. */
    interface Prepared extends AutoCloseable {
        void run() throws Exception;

        @Override
        void close() throws Exception;
    }

    /**
     * The problem a peer is asked to solve: self-attention over N = {@code seqLen} tokens, q [B, N, H, D],
     * k and v [B, N, Hkv, D], with the sparse variants of issue 8. Scores are s = q·k / sqrt(D),
     * replaced by c·tanh(s / c) when {@code softcap} c &gt; 0; then query i sees key j iff
     * <ul>
     *   <li>not causal, or j &lt;= i;</li>
     *   <li>{@code windowLeft} is -1, or j &gt;= i - windowLeft (so windowLeft = 0 with causal sees
     *   only itself);</li>
     *   <li>there is no {@code layout}, or it visits tile (i / block, j / block) for i's head.</li>
     * </ul>
     * A peer's {@link AttentionPeer#supports} answers false for a combination it cannot compute exactly.
     *
     * @param windowLeft -1 = unbounded, else how far left of its own position a query sees
     * @param softcap    0 = off, else a finite c &gt; 0
     * @param layout     null = every tile, else a square layout over N with 1 or H heads
     */
    record AttentionShape(int batch, int seqLen, int heads, int kvHeads, int headDim, boolean causal,
                          int windowLeft, float softcap, BlockLayout layout) {

        public AttentionShape {
            if (windowLeft < -1) {
                throw new IllegalArgumentException("windowLeft: -1 (none) or >= 0, got " + windowLeft);
            }
            if (!(softcap >= 0) || Float.isInfinite(softcap)) {
                throw new IllegalArgumentException("softcap: 0 (off) or a finite value > 0, got " + softcap);
            }
            if (layout != null) {
                int blocks = Math.ceilDiv(seqLen, layout.block());
                if ((layout.heads() != 1 && layout.heads() != heads) || layout.rows() != blocks
                        || layout.cols() != blocks) {
                    throw new IllegalArgumentException("layout: expected [1 or " + heads + ", " + blocks + ", "
                            + blocks + "] for N = " + seqLen + " and block " + layout.block() + ", got " + layout);
                }
            }
        }

        /** A dense shape: no window, no softcap, no layout. */
        public AttentionShape(int batch, int seqLen, int heads, int kvHeads, int headDim, boolean causal) {
            this(batch, seqLen, heads, kvHeads, headDim, causal, -1, 0f, null);
        }

        public AttentionShape withWindowLeft(int windowLeft) {
            return new AttentionShape(batch, seqLen, heads, kvHeads, headDim, causal, windowLeft, softcap, layout);
        }

        public AttentionShape withSoftcap(float softcap) {
            return new AttentionShape(batch, seqLen, heads, kvHeads, headDim, causal, windowLeft, softcap, layout);
        }

        public AttentionShape withLayout(BlockLayout layout) {
            return new AttentionShape(batch, seqLen, heads, kvHeads, headDim, causal, windowLeft, softcap, layout);
        }

        /** No window, softcap or layout: the plain (causal or not) attention every peer started with. */
        public boolean isDense() {
            return windowLeft < 0 && softcap == 0 && layout == null;
        }

        /** The query-key pairs visited, summed over batch and heads (the FLOPs are 4·D per pair). */
        public long visitedPairs() {
            int layoutHeads = layout == null ? 1 : layout.heads();
            long pairs = 0;
            for (int h = 0; h < layoutHeads; h++) {
                pairs += visitedPairs(h);
            }
            return (long) batch * (layoutHeads == 1 ? heads : 1) * pairs;
        }

        /** Pairs visited by one query head of one sequence. */
        private long visitedPairs(int head) {
            long pairs = 0;
            for (int i = 0; i < seqLen; i++) {
                int lo = windowLeft < 0 ? 0 : Math.max(0, i - windowLeft);
                int hi = causal ? i : seqLen - 1;
                if (layout == null) {
                    pairs += Math.max(0, hi - lo + 1);
                    continue;
                }
                int b = layout.block();
                for (int col = lo / b; col <= hi / b; col++) {
                    if (layout.visits(head, i / b, col)) {
                        pairs += Math.min(hi, (col + 1) * b - 1) - Math.max(lo, col * b) + 1;
                    }
                }
            }
            return pairs;
        }
    }
}
