package dev.panamax.bench.attention;

import dev.panamax.AttentionOptions;
import dev.panamax.AxialAxis;
import dev.panamax.BigBird;
import dev.panamax.BigBirdOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.RopeConfig;
import dev.panamax.Tensor;
import dev.panamax.bench.peers.AttentionPeer.AttentionShape;
import dev.panamax.bench.peers.BlockLayout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The sparse or positional variant an attention sweep measures (all off: dense attention).
 *
 * @param windowLeft -1, or a sliding window of that many keys left of the diagonal
 * @param softcap    0, or the softcap c
 * @param alibi      ALiBi with the slopes 2^(-8(h+1)/H)
 * @param density    0, or a random block layout of this density (diagonal blocks always on)
 * @param block      block size of the layouts and of top-k
 * @param bigbird    a BigBird layout (block, window 1, random 3, global 2)
 * @param topk       0, or dynamic top-k with this many blocks besides the local one
 * @param rope       fused RoPE (theta 10000, half style)
 * @param alsoBigbird also time a BigBird layout on the same inputs (a third line on the plot)
 * @param globals    0, or that many global tokens: positions 0 .. globals - 1 (causal, with a window)
 * @param axial      null, or "row" / "col": axial attention over a sqrt(N) x sqrt(N) grid
 */
public record Sparsity(int windowLeft, float softcap, boolean alibi, double density, int block, boolean bigbird,
                       int topk, boolean rope, boolean alsoBigbird, int globals, String axial) {

    public static final Sparsity NONE = new Sparsity(-1, 0, false, 0, 64, false, 0, false, false, 0, null);

    /** Only a BigBird layout (window 1, random 3, global 2 blocks of {@code block}). */
    public static Sparsity bigBird(int block) {
        return new Sparsity(-1, 0, false, 0, block, true, 0, false, false, 0, null);
    }

    public Sparsity {
        if (windowLeft < -1) throw new IllegalArgumentException("--window-left: must be -1 or >= 0, got " + windowLeft);
        if (!(softcap >= 0) || Float.isInfinite(softcap)) throw new IllegalArgumentException("--softcap: must be finite and >= 0");
        if (density < 0 || density > 1) throw new IllegalArgumentException("--block-density: must be in [0, 1], got " + density);
        if (block < 1) throw new IllegalArgumentException("--block: must be >= 1, got " + block);
        if (topk < 0) throw new IllegalArgumentException("--topk-blocks: must be >= 0, got " + topk);
        int layouts = (density > 0 ? 1 : 0) + (bigbird ? 1 : 0) + (topk > 0 ? 1 : 0);
        if (layouts > 1) throw new IllegalArgumentException("--block-density, --bigbird, --topk-blocks: choose one");
        if (topk > 0 && windowLeft >= 0) throw new IllegalArgumentException("--topk-blocks: not with --window-left here");
        if (globals < 0) throw new IllegalArgumentException("--global-tokens: must be >= 0, got " + globals);
        if (globals > 0 && windowLeft < 0) throw new IllegalArgumentException("--global-tokens: with --window-left");
        if (axial != null && !axial.equals("row") && !axial.equals("col")) {
            throw new IllegalArgumentException("--axial: row or col, got " + axial);
        }
        if (axial != null && (windowLeft >= 0 || layouts > 0 || globals > 0)) {
            throw new IllegalArgumentException("--axial: not with a window, global tokens or a layout here");
        }
        if (alsoBigbird && (bigbird || layouts > 0 || softcap > 0 || alibi || rope)) {
            throw new IllegalArgumentException("--also-bigbird: compares a window (or dense) run with BigBird only");
        }
    }

    public boolean isDense() {
        return equals(NONE);
    }

    /** Whether the peers can be given this variant (they know windows, softcaps and layouts only). */
    public boolean peersCanRun() {
        return !alibi && topk == 0 && !rope && globals == 0 && axial == null;
    }

    public String describe() {
        List<String> parts = new ArrayList<>();
        if (windowLeft >= 0) parts.add("window " + windowLeft);
        if (softcap > 0) parts.add("softcap " + softcap);
        if (alibi) parts.add("ALiBi");
        if (density > 0) parts.add("block mask " + block + " density " + density);
        if (bigbird) parts.add("BigBird " + block + " (w 1, r 3, g 2)");
        if (topk > 0) parts.add("top-" + topk + " blocks of " + block);
        if (rope) parts.add("fused RoPE");
        if (globals > 0) parts.add(globals + " global tokens");
        if (axial != null) parts.add("axial " + axial + "s of a square grid");
        return String.join(", ", parts);
    }

    /** The peer-visible shape: the dense one with the window, softcap and layout of this variant. */
    AttentionShape shape(AttentionShape dense, Context ctx, long seed) {
        AttentionShape s = dense.withWindowLeft(windowLeft).withSoftcap(softcap);
        if (density > 0) return s.withLayout(randomLayout(dense, seed));
        if (bigbird) return s.withLayout(bigBirdLayout(dense, ctx, seed));
        return s;
    }

    private BlockLayout randomLayout(AttentionShape s, long seed) {
        int nb = Math.ceilDiv(s.seqLen(), block);
        byte[] mask = new byte[s.heads() * nb * nb];
        SplittableRandom r = new SplittableRandom(seed);
        for (int h = 0; h < s.heads(); h++) {
            for (int qb = 0; qb < nb; qb++) {
                for (int kb = 0; kb < nb; kb++) {
                    boolean on = kb == qb || (!(s.causal() && kb > qb) && r.nextDouble() < density);
                    mask[(h * nb + qb) * nb + kb] = (byte) (on ? 1 : 0);
                }
            }
        }
        return BlockLayout.square(mask, s.heads(), s.seqLen(), block);
    }

    private BlockLayout bigBirdLayout(AttentionShape s, Context ctx, long seed) {
        BigBirdOptions o = BigBirdOptions.builder().block(block).windowBlocks(1).randomBlocks(3).globalBlocks(2)
                .seed(seed).causal(s.causal()).build();
        try (Arena arena = Arena.ofConfined()) {
            Tensor layout = BigBird.layout(ctx, arena, s.seqLen(), s.seqLen(), s.heads(), o);
            return BlockLayout.square(layout.toByteArray(), s.heads(), s.seqLen(), block);
        }
    }

    static int gridSide(int n) {
        int side = (int) Math.round(Math.sqrt(n));
        if ((long) side * side != n) throw new IllegalArgumentException("--axial: N = " + n + " is not a square");
        return side;
    }

    /** The library options of this variant on {@code s} (tensors allocated in {@code arena}). */
    AttentionOptions options(AttentionShape s, Arena arena) {
        AttentionOptions.Builder b = AttentionOptions.builder().causal(s.causal());
        if (windowLeft >= 0) b.window(windowLeft, -1);
        b.softcap(softcap);
        if (alibi) {
            float[] slopes = new float[s.heads()];
            for (int h = 0; h < slopes.length; h++) slopes[h] = (float) Math.pow(2, -8.0 * (h + 1) / s.heads());
            b.alibiSlopes(Tensor.fromFloats(arena, slopes, slopes.length));
        }
        if (s.layout() != null) {
            BlockLayout l = s.layout();
            Tensor mask = Tensor.allocate(arena, DType.U8, 1, l.heads(), l.rows(), l.cols());
            MemorySegment.copy(MemorySegment.ofArray(l.toArray()), 0, mask.segment(), 0, l.toArray().length);
            b.blockMask(mask, block, block);
        }
        if (topk > 0) b.topkBlocks(topk, block, block);
        if (rope) b.rope(RopeConfig.builder().build());
        if (globals > 0) {
            int[] g = new int[Math.min(globals, s.seqLen())];
            for (int i = 0; i < g.length; i++) g[i] = i;
            b.globalTokens(Tensor.fromInts(arena, g, g.length));
        }
        if (axial != null) {
            int side = gridSide(s.seqLen());
            b.axial(axial.equals("row") ? AxialAxis.ROW : AxialAxis.COL, side, side);
        }
        return b.build();
    }

    /**
     * Query-key pairs visited on {@code s}, summed over batch and heads. Top-k (causal only): each query
     * block sees min(k, blocks before it) whole blocks plus its diagonal up to the row.
     */
    double visitedPairs(AttentionShape s) {
        if (axial != null) {
            double side = gridSide(s.seqLen());
            return s.batch() * s.heads() * side * (s.causal() ? side * (side + 1) / 2 : side * side);
        }
        if (globals > 0) {
            double pairs = 0;
            for (long i = 0; i < s.seqLen(); i++) {
                long below = Math.min(globals, Math.max(0, i - windowLeft));  // global keys left of the window
                pairs += i < globals ? i + 1 : Math.min(i, windowLeft) + 1 + below;
            }
            return pairs * s.batch() * s.heads();
        }
        if (topk == 0) return s.visitedPairs();
        double pairs = 0;
        for (long i = 0; i < s.seqLen(); i++) {
            long qb = i / block;
            pairs += Math.min(topk, qb) * (double) block + (i - qb * block + 1);
        }
        return pairs * s.batch() * s.heads();
    }
}
