package dev.panamax.bench.jmh;

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

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The unfused baseline (S = QKᵀ and O = PV as two oneDNN sgemm calls with a
 * row softmax between them: N×N scores in its workspace) on the shapes of
 * {@link AttentionBench}, up to N = 4096: beyond that its score matrices take
 * gigabytes. Compare its times with {@code AttentionBench.fused}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class UnfusedAttentionBench {
    @Param({"512", "1024", "2048", "4096"})
    int n;

    @Param({"64", "128"})
    int headDim;

    @Param({"false", "true"})
    boolean causal;

    @Param({"8"})
    int heads;

    /** 0 = all cores. */
    @Param({"0"})
    int threads;

    private AttentionFixture fixture;
    private MemorySegment workspace;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new AttentionFixture(threads, 1, n, heads, heads, headDim, causal);
        AttentionFixture f = fixture;
        workspace = f.arena.allocate(Baselines.attentionUnfusedWorkspaceBytes(f.ctx, f.q, f.k, f.v, f.options), 64);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public void unfused() {
        AttentionFixture f = fixture;
        Baselines.attentionUnfused(f.ctx, f.q, f.k, f.v, f.options, f.out, null, workspace);
    }
}
