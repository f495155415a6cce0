package dev.panamax.bench.demo;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Checks selected rows of a fused attention result against the float64
 * reference kernel. Each row is checked on its own: the reference gets that one
 * query row and exactly the keys it sees (zero-copy slices of the inputs), so a
 * long sequence costs O(N) per checked row instead of O(N²) for all of them.
 *
 * <p>Works on the packed layout q [total, H, D], k/v [total, Hkv, D], out
 * [total, H, D] with lse [H, total]; a dense batch of one, q [1, N, H, D] with
 * lse [1, H, N], has the same memory layout.
 */
public final class ReferenceRowCheck {

    /**
     * @param rows       rows checked
     * @param heads      heads per row (all were checked)
     * @param maxOutErr  largest |out - reference| over every checked element
     * @param maxLseErr  largest |lse - reference| / max(1, |reference|)
     * @param worstRow   the row holding the largest output error
     */
    public record Result(int rows, int heads, double maxOutErr, double maxLseErr, long worstRow) {
        public boolean passes(double outTolerance, double lseTolerance) {
            return maxOutErr <= outTolerance && maxLseErr <= lseTolerance;
        }
    }

    private ReferenceRowCheck() {
    }

    /**
     * @param scale the scale the result was computed with (0 = 1/sqrt(D))
     * @param lse   the log-sum-exp output, or null to check out only
     */
    public static Result check(Context ctx, Tensor q, Tensor k, Tensor v, float scale, Tensor out, Tensor lse,
                               List<RowSample.Row> rows) {
        int rank = q.rank();
        long heads = q.shape(rank - 2);
        long headDim = q.shape(rank - 1);
        long kvHeads = k.shape(k.rank() - 2);
        long totalRows = q.elementCount() / (heads * headDim);
        long qRowBytes = heads * headDim * Float.BYTES;
        long kvRowBytes = kvHeads * headDim * Float.BYTES;
        // The keys are already cut to what the row sees, so no mask.
        AttentionOptions options = AttentionOptions.builder().causal(false).scale(scale).build();

        double maxOut = 0;
        double maxLse = 0;
        long worstRow = -1;
        try (Arena arena = Arena.ofConfined()) {
            Tensor refOut = Tensor.allocate(arena, DType.F64, 1, 1, heads, headDim);
            Tensor refLse = Tensor.allocate(arena, DType.F64, 1, heads, 1);
            MemorySegment outSeg = out.segment();
            for (RowSample.Row r : rows) {
                Tensor qRow = Tensor.wrap(q.segment().asSlice(r.row() * qRowBytes, qRowBytes), DType.F32,
                        1, 1, heads, headDim);
                Tensor kRows = Tensor.wrap(k.segment().asSlice(r.keyStart() * kvRowBytes, r.keyCount() * kvRowBytes),
                        DType.F32, 1, r.keyCount(), kvHeads, headDim);
                Tensor vRows = Tensor.wrap(v.segment().asSlice(r.keyStart() * kvRowBytes, r.keyCount() * kvRowBytes),
                        DType.F32, 1, r.keyCount(), kvHeads, headDim);
                Attention.forwardReference(ctx, qRow, kRows, vRows, options, refOut, refLse);
                for (long i = 0; i < heads * headDim; i++) {
                    double got = outSeg.getAtIndex(ValueLayout.JAVA_FLOAT, r.row() * heads * headDim + i);
                    double err = Math.abs(got - refOut.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i));
                    if (Double.isNaN(err) || err > maxOut) {
                        worstRow = Double.isNaN(maxOut) ? worstRow : r.row();
                    }
                    maxOut = worse(maxOut, err);
                }
                if (lse != null) {
                    for (long h = 0; h < heads; h++) {
                        double ref = refLse.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, h);
                        double got = lse.segment().getAtIndex(ValueLayout.JAVA_FLOAT, h * totalRows + r.row());
                        double err = Math.abs(got - ref) / Math.max(1, Math.abs(ref));
                        maxLse = worse(maxLse, err);
                    }
                }
            }
        }
        return new Result(rows.size(), (int) heads, maxOut, maxLse, worstRow);
    }

    /** The larger error; NaN (a kernel writing garbage) sticks. */
    private static double worse(double current, double err) {
        return Double.isNaN(current) || Double.isNaN(err) ? Double.NaN : Math.max(current, err);
    }
}
