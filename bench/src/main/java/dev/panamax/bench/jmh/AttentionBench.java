package dev.panamax.bench.jmh;

import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.attention.Flops;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.baseline.Baselines;
import dev.panamax.bench.peers.AttentionPeer.AttentionShape;
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
 * Fused attention forward against an oneDNN sgemm workload of the same FLOP
 * count (the compute ceiling), time per call. The unfused baseline
 * (sgemm, softmax, sgemm) is in {@link UnfusedAttentionBench} (N ≤ 4096 only).
 *
 * <p>GFLOP/s = {@link Flops#attention} / time: 4·B·H·N²·D non-causal,
 * 4·B·H·D·N(N+1)/2 causal. The {@code sgemmSameFlops} method runs
 * N/512 products [512 × K]·[K × 2·H·D] with K = N (non-causal) or (N+1)/2
 * (causal): exactly those FLOPs, in cache-friendly blocks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class AttentionBench {
    static final int SGEMM_BLOCK_ROWS = 512;

    @Param({"512", "1024", "2048", "4096", "8192", "16384"})
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
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment c;
    private long sgemmK;
    private long sgemmN;
    private int sgemmBlocks;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new AttentionFixture(threads, 1, n, heads, heads, headDim, causal);
        sgemmN = 2L * heads * headDim;
        sgemmK = causal ? (n + 1L) / 2 : n;
        sgemmBlocks = Math.max(1, n / SGEMM_BLOCK_ROWS);
        long rows = Math.min(n, SGEMM_BLOCK_ROWS);
        a = TensorData.uniform(Tensor.allocate(fixture.arena, DType.F32, rows, sgemmK), 4).segment();
        b = TensorData.uniform(Tensor.allocate(fixture.arena, DType.F32, sgemmK, sgemmN), 5).segment();
        c = Tensor.allocate(fixture.arena, DType.F32, rows, sgemmN).segment();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public void fused() {
        fixture.fused();
    }

    @Benchmark
    public void sgemmSameFlops() {
        long rows = Math.min(n, SGEMM_BLOCK_ROWS);
        for (int i = 0; i < sgemmBlocks; i++) {
            Baselines.sgemm(fixture.ctx, rows, sgemmN, sgemmK, a, b, c);
        }
    }

    /** The FLOPs one {@link #fused()} call performs, for converting the times to GFLOP/s. */
    public static double flops(int n, int heads, int headDim, boolean causal) {
        return Flops.attention(new AttentionShape(1, n, heads, heads, headDim, causal));
    }
}
