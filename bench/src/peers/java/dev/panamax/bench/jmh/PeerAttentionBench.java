package dev.panamax.bench.jmh;

import dev.panamax.bench.peers.AttentionPeer;
import dev.panamax.bench.peers.AttentionPeer.AttentionShape;
import dev.panamax.bench.peers.OnnxRuntimePeers;
import dev.panamax.bench.peers.TorchSdpaPeer;
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

import java.util.concurrent.TimeUnit;

/**
 * The peers (what a JVM user would call instead of Panamax) on the same shapes
 * and inputs as {@link AttentionBench}: B=1, H=8, D in {64, 128},
 * N in {512 .. 16384}, causal and not (the same {@link AttentionFixture}).
 * A (peer, shape) the peer does not support (ORT MultiHeadAttention is
 * non-causal only, ORT GroupQueryAttention causal only) fails its trial with a
 * message and JMH goes on to the next.
 *
 * <pre>java -cp bench/target/panamax-bench.jar org.openjdk.jmh.Main PeerAttentionBench \
 *     -p peer=ort-mha -p n=4096 -p headDim=64 -p causal=false</pre>
 * GFLOP/s = 4·B·H·D·pairs / time, pairs = N² (N(N+1)/2 causal): see
 * {@link dev.panamax.bench.attention.Flops#attention}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class PeerAttentionBench {

    /** ort-mha: com.microsoft.MultiHeadAttention; ort-gqa: com.microsoft.GroupQueryAttention; torch-sdpa. */
    @Param({"ort-mha", "ort-gqa", "torch-sdpa"})
    public String peer;

    @Param({"512", "1024", "2048", "4096", "8192", "16384"})
    public int n;

    @Param({"64", "128"})
    public int headDim;

    @Param({"false", "true"})
    public boolean causal;

    @Param({"8"})
    public int heads;

    /** 0 = heads (no grouping). */
    @Param({"0"})
    public int kvHeads;

    /** 0 = all cores. */
    @Param({"0"})
    public int threads;

    private AttentionFixture fixture;
    private AttentionPeer.Prepared prepared;

    static AttentionPeer peer(String id) {
        return switch (id) {
            case "ort-mha" -> new OnnxRuntimePeers.MultiHeadAttention();
            case "ort-gqa" -> new OnnxRuntimePeers.GroupQueryAttention();
            case "torch-sdpa" -> new TorchSdpaPeer();
            default -> throw new IllegalArgumentException("unknown peer " + id + " (ort-mha, ort-gqa, torch-sdpa)");
        };
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        int hkv = kvHeads == 0 ? heads : kvHeads;
        AttentionShape shape = new AttentionShape(1, n, heads, hkv, headDim, causal);
        AttentionPeer p = peer(peer);
        if (!p.supports(shape)) {
            throw new UnsupportedOperationException(p.name() + " does not support " + shape + " (skipped)");
        }
        fixture = new AttentionFixture(threads, 1, n, heads, hkv, headDim, causal);
        int nThreads = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        prepared = p.prepare(shape, fixture.q, fixture.k, fixture.v, fixture.out, nThreads);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        try {
            if (prepared != null) {
                prepared.close();
            }
        } finally {
            prepared = null;
            if (fixture != null) {
                fixture.close();
                fixture = null;
            }
        }
    }

    @Benchmark
    public void forward() throws Exception {
        prepared.run();
    }
}
