package dev.panamax.bench.sweep;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.baseline.Baselines;
import dev.panamax.bench.sweep.Ceiling;
import dev.panamax.bench.sweep.Timing;

import java.lang.foreign.Arena;

/**
 * The in-run compute ceiling: oneDNN sgemm on square matrices, measured in
 * the same process and with the same threads as the kernels it is compared to.
 */
public final class SgemmRate {
    private static final int SIZE = 2048;
    private static final int RUNS = 3;

    private SgemmRate() {
    }

    /** GFLOP/s of 2048³ sgemm: the median of three runs after one warm-up run. */
    public static Ceiling measure(Context ctx) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = TensorData.uniform(Tensor.allocate(arena, DType.F32, SIZE, SIZE), 1);
            Tensor b = TensorData.uniform(Tensor.allocate(arena, DType.F32, SIZE, SIZE), 2);
            Tensor c = Tensor.allocate(arena, DType.F32, SIZE, SIZE);
            double ms = Timing.medianMillis(1, RUNS,
                    () -> Baselines.sgemm(ctx, SIZE, SIZE, SIZE, a.segment(), b.segment(), c.segment()));
            return new Ceiling("sgemm", "oneDNN sgemm " + SIZE + "^3",
                    Rates.gflopsPerSecond(Rates.sgemmFlops(SIZE, SIZE, SIZE), ms));
        }
    }
}
