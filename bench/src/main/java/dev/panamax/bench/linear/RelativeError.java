package dev.panamax.bench.linear;

import dev.panamax.DType;
import dev.panamax.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The accuracy metric of {@code bench linear --mode accuracy}. */
public final class RelativeError {
    private RelativeError() {
    }

    /**
     * {@code ‖approx − exact‖_F / ‖exact‖_F} over two contiguous F32 tensors of the same element count, summed in
     * double; NaN when either holds a NaN or an infinity, or when exact is all zeros.
     */
    public static double frobenius(Tensor approx, Tensor exact) {
        require("approx", approx);
        require("exact", exact);
        if (approx.elementCount() != exact.elementCount()) {
            throw new IllegalArgumentException("element counts differ: " + approx.elementCount() + " vs "
                    + exact.elementCount());
        }
        MemorySegment a = approx.segment(), e = exact.segment();
        double diff = 0, norm = 0;
        for (long i = 0, n = exact.elementCount(); i < n; i++) {
            double x = e.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            double d = a.getAtIndex(ValueLayout.JAVA_FLOAT, i) - x;
            diff += d * d;
            norm += x * x;
        }
        double r = Math.sqrt(diff) / Math.sqrt(norm);
        return Double.isFinite(r) ? r : Double.NaN;
    }

    private static void require(String what, Tensor t) {
        if (t.dtype() != DType.F32 || !t.isContiguous()) {
            throw new IllegalArgumentException(what + ": expected a contiguous F32 tensor, got " + t);
        }
    }
}
