package dev.panamax.bench.jmh;

import dev.panamax.baseline.Baselines;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The fixed cost of calling native code from Java: the cheapest downcall
 * ({@code pmx_bench_noop}) and a one-token attention (N = 1, H = 1, D = 32), whose
 * arithmetic is negligible, so the time is argument marshalling, validation
 * and the FFM transition. Single-threaded context, so no thread pool wake-up.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 10, time = 1)  // the tiny call reaches steady state only after ~5 s of JIT
@Measurement(iterations = 5, time = 1)
public class FfmOverheadBench {
    private AttentionFixture tiny;

    @Setup(Level.Trial)
    public void setUp() {
        tiny = new AttentionFixture(1, 1, 1, 1, 1, 32, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tiny.close();
    }

    @Benchmark
    public void noop() {
        Baselines.noop(tiny.ctx);
    }

    @Benchmark
    public void tinyAttention() {
        tiny.fused();
    }
}
