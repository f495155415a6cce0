package dev.panamax.bench.attention;

import dev.panamax.baseline.Baselines;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;

import java.lang.foreign.Arena;

/**
 * The in-run compute ceiling: oneDNN sgemm on square matrices, measured in
 * the same process and with the same threads as the kernels it is compared to.
 */
public final class SgemmRate {
    public static final int DEFAULT_SIZE = 2048;

    private SgemmRate() {
    }

    /** GFLOP/s of {@code size}³ sgemm: the median of {@code runs} after one warm-up run. */
    public static double measure(Context ctx, int size, int runs) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = TensorData.uniform(Tensor.allocate(arena, DType.F32, size, size), 1);
            Tensor b = TensorData.uniform(Tensor.allocate(arena, DType.F32, size, size), 2);
            Tensor c = Tensor.allocate(arena, DType.F32, size, size);
            double ms = Timing.medianMillis(1, runs,
                    () -> Baselines.sgemm(ctx, size, size, size, a.segment(), b.segment(), c.segment()));
            return Flops.gflopsPerSecond(Flops.sgemm(size, size, size), ms);
        }
    }
}
