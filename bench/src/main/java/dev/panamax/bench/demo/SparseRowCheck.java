package dev.panamax.bench.demo;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Checks rows of a sparse attention result (window, global tokens, block layouts) against the float64
 * reference: for each sampled row and head, the keys the row sees are listed from the rule the caller
 * states (independently of the kernel's planning), gathered, and attended with no mask by the reference.
 * Costs O(N) per checked row and head. Works on one dense sequence: q [1, N, H, D], k/v [1, N, Hkv, D],
 * out like q, lse [1, H, N].
 */
public final class SparseRowCheck {

    /** Whether query row {@code i} of head {@code h} sees key {@code j}. */
    @FunctionalInterface
    public interface Rule {
        boolean sees(int h, long i, long j);
    }

    private SparseRowCheck() {
    }

    public static ReferenceRowCheck.Result check(Context ctx, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                                 long[] rows, Rule rule) {
        int heads = (int) q.shape(2);
        long n = q.shape(1), d = q.shape(3), kvHeads = k.shape(2), group = heads / kvHeads;
        long rowBytes = d * Float.BYTES;
        AttentionOptions plain = AttentionOptions.defaults();
        double maxOut = 0, maxLse = 0;
        long worstRow = -1;
        try (Arena arena = Arena.ofConfined()) {
            Tensor kSel = Tensor.allocate(arena, DType.F32, 1, n, 1, d);
            Tensor vSel = Tensor.allocate(arena, DType.F32, 1, n, 1, d);
            Tensor refOut = Tensor.allocate(arena, DType.F64, 1, 1, 1, d);
            Tensor refLse = Tensor.allocate(arena, DType.F64, 1, 1, 1);
            for (long i : rows) {
                for (int h = 0; h < heads; h++) {
                    long hk = h / group;
                    int m = 0;
                    for (long j = 0; j < n; j++) {
                        if (!rule.sees(h, i, j)) continue;
                        long src = ((j * kvHeads) + hk) * rowBytes;
                        MemorySegment.copy(k.segment(), src, kSel.segment(), m * rowBytes, rowBytes);
                        MemorySegment.copy(v.segment(), src, vSel.segment(), m * rowBytes, rowBytes);
                        m++;
                    }
                    Tensor qRow = Tensor.wrap(q.segment().asSlice(((i * heads) + h) * rowBytes, rowBytes), DType.F32,
                            1, 1, 1, d);
                    Tensor kRows = Tensor.wrap(kSel.segment().asSlice(0, Math.max(1, m) * rowBytes), DType.F32, 1, m, 1, d);
                    Tensor vRows = Tensor.wrap(vSel.segment().asSlice(0, Math.max(1, m) * rowBytes), DType.F32, 1, m, 1, d);
                    Attention.forwardReference(ctx, qRow, kRows, vRows, plain, refOut, refLse);
                    for (long x = 0; x < d; x++) {
                        double got = out.segment().getAtIndex(ValueLayout.JAVA_FLOAT, ((i * heads) + h) * d + x);
                        double err = Math.abs(got - refOut.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, x));
                        if (Double.isNaN(err) || err > maxOut) worstRow = i;
                        maxOut = worse(maxOut, err);
                    }
                    double ref = refLse.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, 0);
                    double got = lse.segment().getAtIndex(ValueLayout.JAVA_FLOAT, h * n + i);
                    double err = ref == Double.NEGATIVE_INFINITY ? (got == ref ? 0 : Double.NaN)
                            : Math.abs(got - ref) / Math.max(1, Math.abs(ref));
                    maxLse = worse(maxLse, err);
                }
            }
        }
        return new ReferenceRowCheck.Result(rows.length, heads, maxOut, maxLse, worstRow);
    }

    private static double worse(double current, double err) {
        return Double.isNaN(current) || Double.isNaN(err) ? Double.NaN : Math.max(current, err);
    }
}
