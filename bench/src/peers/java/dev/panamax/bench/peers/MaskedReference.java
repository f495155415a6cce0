package dev.panamax.bench.peers;

import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.peers.AttentionPeer.AttentionShape;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Float64 attention over an explicit N×N mask built here from the rules of {@link AttentionShape}
 * (causal, window, block layout, softcap): the reference for the sparse variants, which the library's
 * {@code Attention.forwardReference} does not take yet. Deliberately the plainest loops: a row that
 * sees no key gets 0.
 */
final class MaskedReference {
    private MaskedReference() {
    }

    /** mask[i·N + j]: whether query i of query head {@code head} sees key j. */
    static boolean[] mask(AttentionShape s, int head) {
        int n = s.seqLen();
        boolean[] mask = new boolean[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                boolean causal = !s.causal() || j <= i;
                boolean window = s.windowLeft() < 0 || j >= i - s.windowLeft();
                BlockLayout l = s.layout();
                boolean tile = l == null || l.visits(head, i / l.block(), j / l.block());
                mask[i * n + j] = causal && window && tile;
            }
        }
        return mask;
    }

    /** out [B, N, H, D] F64, allocated in {@code arena}, from contiguous F32 q [B, N, H, D], k and v [B, N, Hkv, D]. */
    static Tensor forward(Arena arena, AttentionShape s, Tensor q, Tensor k, Tensor v) {
        int b = s.batch();
        int n = s.seqLen();
        int h = s.heads();
        int hkv = s.kvHeads();
        int d = s.headDim();
        double scale = (float) (1.0 / Math.sqrt(d)); // an f32, like the library's scale and ORT's attribute
        double[] out = new double[b * n * h * d];
        double[] p = new double[n];
        for (int head = 0; head < h; head++) {
            boolean[] mask = mask(s, head);
            int kvHead = head / (h / hkv);
            for (int batch = 0; batch < b; batch++) {
                for (int i = 0; i < n; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        if (!mask[i * n + j]) {
                            continue;
                        }
                        double dot = 0;
                        for (int x = 0; x < d; x++) {
                            dot += (double) at(q, (((long) batch * n + i) * h + head) * d + x)
                                    * at(k, (((long) batch * n + j) * hkv + kvHead) * d + x);
                        }
                        double score = dot * scale;
                        if (s.softcap() > 0) {
                            score = s.softcap() * Math.tanh(score / s.softcap());
                        }
                        p[j] = score;
                        max = Math.max(max, score);
                    }
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        p[j] = mask[i * n + j] ? Math.exp(p[j] - max) : 0;
                        sum += p[j];
                    }
                    int o = ((batch * n + i) * h + head) * d;
                    for (int j = 0; j < n && sum > 0; j++) {
                        if (p[j] == 0) {
                            continue;
                        }
                        for (int x = 0; x < d; x++) {
                            out[o + x] += p[j] / sum * at(v, (((long) batch * n + j) * hkv + kvHead) * d + x);
                        }
                    }
                }
            }
        }
        Tensor ref = Tensor.allocate(arena, DType.F64, b, n, h, d);
        MemorySegment.copy(out, 0, ref.segment(), ValueLayout.JAVA_DOUBLE, 0, out.length);
        return ref;
    }

    private static float at(Tensor t, long index) {
        return t.segment().getAtIndex(ValueLayout.JAVA_FLOAT, index);
    }
}
