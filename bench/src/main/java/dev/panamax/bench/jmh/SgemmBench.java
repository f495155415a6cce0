package dev.panamax.bench.jmh;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.baseline.Baselines;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/** oneDNN sgemm 2048³ (2·2048³ ≈ 17.2 GFLOP per call): the compute ceiling the attention kernels are rated against. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SgemmBench {
    @Param({"2048"})
    int size;

    /** 0 = all cores. */
    @Param({"0"})
    int threads;

    private Arena arena;
    private Context ctx;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment c;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        ctx = Context.create(threads);
        a = TensorData.uniform(Tensor.allocate(arena, DType.F32, size, size), 1).segment();
        b = TensorData.uniform(Tensor.allocate(arena, DType.F32, size, size), 2).segment();
        c = Tensor.allocate(arena, DType.F32, size, size).segment();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ctx.close();
        arena.close();
    }

    @Benchmark
    public void sgemm() {
        Baselines.sgemm(ctx, size, size, size, a, b, c);
    }
}
