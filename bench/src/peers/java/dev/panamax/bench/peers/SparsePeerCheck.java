package dev.panamax.bench.peers;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.peers.AttentionPeer.AttentionShape;
import dev.panamax.bench.sweep.TensorData;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The sparse half of {@link PeerCheck}: every peer that {@linkplain AttentionPeer#supports supports} a
 * window, softcap or block-layout shape against {@link MaskedReference} (max |err| &lt;= 1e-4), after
 * that reference is itself checked against the library's {@code Attention.forwardReference} on dense
 * shapes. Each case also names a control, a nearby shape (window one wider, no softcap, no layout) whose
 * reference must differ from the peer's output by more than 1e-3: so an off-by-one window or an
 * ignored option fails instead of passing by accident. A case no peer supports fails, and so does a
 * peer that accepts what its kernel gets wrong (a layout row with no tile for SparseAttention).
 */
final class SparsePeerCheck {
    /** The least difference a control must show for the check to tell the two shapes apart. */
    static final double CONTROL_MIN = 1e-3;

    /**
     * @param shape     what the peers compute
     * @param amplitude of the uniform queries (softcap needs scores beyond ±c to matter)
     * @param control   a nearby shape the output must not match
     */
    record Case(AttentionShape shape, double amplitude, AttentionShape control) {}

    private SparsePeerCheck() {
    }

    static List<Case> cases() {
        AttentionShape gqa = new AttentionShape(1, 257, 8, 2, 64, true);
        AttentionShape mha = new AttentionShape(2, 257, 8, 8, 64, true);
        AttentionShape small = new AttentionShape(2, 130, 8, 8, 64, true);
        return List.of(
                new Case(gqa.withWindowLeft(0), 1, gqa.withWindowLeft(1)),
                new Case(mha.withWindowLeft(37), 1, mha.withWindowLeft(38)),
                new Case(gqa.withWindowLeft(63), 1, gqa.withWindowLeft(62)),
                new Case(gqa.withWindowLeft(400), 1, gqa.withWindowLeft(100)),
                new Case(gqa.withSoftcap(1), 4, gqa),
                new Case(small.withSoftcap(2).withWindowLeft(20), 4, small.withSoftcap(2).withWindowLeft(21)),
                new Case(gqa.withLayout(randomLayout(1, 257, 64, 0.4, 11)), 1, gqa),
                new Case(mha.withLayout(randomLayout(8, 257, 32, 0.3, 12)), 1, mha),
                new Case(gqa.withLayout(randomLayout(8, 257, 16, 0.2, 13)), 1, gqa),
                new Case(mha.withLayout(fullLayout(257, 64)), 1, mha.withLayout(diagonalLayout(257, 64))));
    }

    /**
     * Each query block row visits one random anchor tile at or left of the diagonal, then any tile
     * (future ones included, which causality masks) with probability {@code density}: so rows with
     * and without their diagonal tile, per head when {@code heads} &gt; 1.
     */
    static BlockLayout randomLayout(int heads, int seqLen, int block, double density, long seed) {
        int nb = Math.ceilDiv(seqLen, block);
        SplittableRandom random = new SplittableRandom(seed);
        byte[] mask = new byte[heads * nb * nb];
        for (int h = 0; h < heads; h++) {
            for (int r = 0; r < nb; r++) {
                int anchor = random.nextInt(r + 1);
                for (int c = 0; c < nb; c++) {
                    mask[(h * nb + r) * nb + c] = (byte) (c == anchor || random.nextDouble() < density ? 1 : 0);
                }
            }
        }
        return BlockLayout.square(mask, heads, seqLen, block);
    }

    static BlockLayout fullLayout(int seqLen, int block) {
        int nb = Math.ceilDiv(seqLen, block);
        byte[] mask = new byte[nb * nb];
        Arrays.fill(mask, (byte) 1);
        return BlockLayout.square(mask, 1, seqLen, block);
    }

    static BlockLayout diagonalLayout(int seqLen, int block) {
        int nb = Math.ceilDiv(seqLen, block);
        byte[] mask = new byte[nb * nb];
        for (int r = 0; r < nb; r++) {
            mask[r * nb + r] = 1;
        }
        return BlockLayout.square(mask, 1, seqLen, block);
    }

    /** Runs every check, printing one line each, into {@code tally}. */
    static void run(Context ctx, List<AttentionPeer> peers, int threads, PeerCheck.Tally tally) throws Exception {
        checkReferenceAgainstLibrary(ctx, tally);
        checkRefusals(tally);
        for (Case c : cases()) {
            check(c, peers, threads, tally);
        }
    }

    /** MaskedReference equals forwardReference where both apply (dense GQA, causal and not). */
    private static void checkReferenceAgainstLibrary(Context ctx, PeerCheck.Tally tally) {
        for (boolean causal : new boolean[] {false, true}) {
            AttentionShape s = new AttentionShape(2, 57, 8, 2, 24, causal);
            try (Arena arena = Arena.ofConfined()) {
                Tensor[] qkv = inputs(arena, s, 1);
                Tensor ref = Tensor.allocate(arena, DType.F64, s.batch(), s.seqLen(), s.heads(), s.headDim());
                Attention.forwardReference(ctx, qkv[0], qkv[1], qkv[2],
                        AttentionOptions.builder().causal(causal).build(), ref, null);
                MemorySegment mine = MaskedReference.forward(arena, s, qkv[0], qkv[1], qkv[2]).segment();
                MemorySegment library = ref.segment();
                double err = 0;
                for (long i = 0; i < ref.elementCount(); i++) {
                    double d = Math.abs(mine.getAtIndex(ValueLayout.JAVA_DOUBLE, i)
                            - library.getAtIndex(ValueLayout.JAVA_DOUBLE, i));
                    err = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(err, d);
                }
                tally.report(err <= 1e-12, String.format("%-40s %s max|err| = %.3e", "MaskedReference vs library",
                        s, err));
            }
        }
    }

    /** What the kernels would get wrong must be refused. */
    private static void checkRefusals(PeerCheck.Tally tally) {
        AttentionShape s = new AttentionShape(1, 257, 8, 2, 64, true);
        byte[] mask = randomLayout(1, 257, 64, 0.3, 5).toArray();
        Arrays.fill(mask, 2 * 5, 3 * 5, (byte) 0);
        AttentionShape emptyRow = s.withLayout(BlockLayout.square(mask, 1, 257, 64));
        tally.report(!new OnnxRuntimeSparseAttention().supports(emptyRow),
                "onnxruntime SparseAttention refuses a layout row with no tile (it would average V there)");
        tally.report(!new OnnxRuntimePeers.GroupQueryAttention().supports(s.withLayout(fullLayout(257, 64))),
                "onnxruntime GroupQueryAttention refuses a block layout");
        tally.report(!new OnnxRuntimePeers.GroupQueryAttention().supports(
                        new AttentionShape(1, 257, 8, 2, 64, false).withWindowLeft(8)),
                "onnxruntime GroupQueryAttention refuses a non-causal window");
    }

    private static void check(Case c, List<AttentionPeer> peers, int threads, PeerCheck.Tally tally) {
        AttentionShape s = c.shape();
        try (Arena arena = Arena.ofConfined()) {
            Tensor[] qkv = inputs(arena, s, c.amplitude());
            Tensor ref = MaskedReference.forward(arena, s, qkv[0], qkv[1], qkv[2]);
            Tensor control = MaskedReference.forward(arena, c.control(), qkv[0], qkv[1], qkv[2]);
            int ran = 0;
            for (AttentionPeer peer : peers) {
                if (!peer.supports(s)) {
                    tally.skipped++;
                    continue;
                }
                ran++;
                Tensor out = PeerCheck.runTwice(peer, s, qkv[0], qkv[1], qkv[2], arena, threads, tally);
                if (out == null) {
                    continue;
                }
                double err = PeerCheck.maxAbsDiff(out, ref);
                double apart = PeerCheck.maxAbsDiff(out, control);
                tally.report(err <= PeerCheck.TOLERANCE && apart > CONTROL_MIN,
                        String.format("%-40s %s max|err| = %.3e, vs control %s: %.3e", peer.name(), s, err,
                                describe(c.control()), apart));
            }
            if (ran == 0) {
                tally.report(false, "no peer supports " + s);
            }
        }
    }

    private static String describe(AttentionShape s) {
        return "(window " + s.windowLeft() + ", softcap " + s.softcap() + ", layout "
                + (s.layout() == null ? "none" : s.layout().toString()) + ")";
    }

    /** Fresh uniform q (amplitude {@code amplitude}), k and v for the shape. */
    private static Tensor[] inputs(Arena arena, AttentionShape s, double amplitude) {
        long seed = 31L * s.seqLen() + s.windowLeft();
        return new Tensor[] {
            TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.heads(), s.headDim()),
                    seed, amplitude),
            TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.kvHeads(), s.headDim()),
                    seed + 1),
            TensorData.uniform(Tensor.allocate(arena, DType.F32, s.batch(), s.seqLen(), s.kvHeads(), s.headDim()),
                    seed + 2)};
    }
}
