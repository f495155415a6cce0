package dev.panamax.bench.sweep;

import dev.panamax.DType;
import dev.panamax.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Filling and comparing contiguous F32 tensors for benchmarks and checks. */
public final class TensorData {
    private TensorData() {
    }

    /** Fills a contiguous F32 tensor with uniform values in [-1, 1) from {@code seed}; returns it. */
    public static Tensor uniform(Tensor t, long seed) {
        return uniform(t, seed, 1);
    }

    /** Fills a contiguous F32 tensor with uniform values in [-amplitude, amplitude); returns it. */
    public static Tensor uniform(Tensor t, long seed, double amplitude) {
        requireContiguousF32(t);
        SplittableRandom random = new SplittableRandom(seed);
        MemorySegment s = t.segment();
        long n = t.elementCount();
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (amplitude * (random.nextDouble() * 2 - 1)));
        }
        return t;
    }

    /** Fills a contiguous F32 tensor with uniform values in [lo, hi) from {@code seed}; returns it. */
    public static Tensor uniform(Tensor t, long seed, double lo, double hi) {
        requireContiguousF32(t);
        SplittableRandom random = new SplittableRandom(seed);
        MemorySegment s = t.segment();
        long n = t.elementCount();
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (lo + (hi - lo) * random.nextDouble()));
        }
        return t;
    }

    /** The largest |a - b| over two contiguous F32 tensors of the same element count. */
    public static double maxAbsDiff(Tensor a, Tensor b) {
        requireContiguousF32(a);
        requireContiguousF32(b);
        if (a.elementCount() != b.elementCount()) {
            throw new IllegalArgumentException("element counts differ: " + a.elementCount() + " vs "
                    + b.elementCount());
        }
        MemorySegment x = a.segment();
        MemorySegment y = b.segment();
        double max = 0;
        for (long i = 0, n = a.elementCount(); i < n; i++) {
            double d = Math.abs((double) x.getAtIndex(ValueLayout.JAVA_FLOAT, i) - y.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            if (Double.isNaN(d)) {
                // NaN must not hide as a small difference.
                return Double.NaN;
            }
            max = Math.max(max, d);
        }
        return max;
    }

    /** Bytes of the elements of a contiguous tensor. */
    public static long byteSize(Tensor t) {
        return t.elementCount() * t.dtype().byteSize();
    }

    private static void requireContiguousF32(Tensor t) {
        if (t.dtype() != DType.F32 || !t.isContiguous()) {
            throw new IllegalArgumentException("expected a contiguous F32 tensor, got " + t.dtype());
        }
    }
}
