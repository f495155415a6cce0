package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.bench.attention.AttentionSweep;
import dev.panamax.bench.attention.Sparsity;
import dev.panamax.bench.sweep.SgemmRate;
import dev.panamax.bench.attention.SweepConfig;
import dev.panamax.bench.peers.AttentionPeer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code panamax bench attention}: fused against the unfused baseline (and peers) over a sweep of N. */
@Command(name = "attention", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time fused attention forward against the unfused O(N^2)-memory baseline (sgemm, softmax, "
                + "sgemm) and, with --peers, other JVM-callable implementations, over a sweep of sequence lengths, on "
                + "random float32 inputs q [B, N, H, D], k/v [B, N, Hkv, D].",
                "Prints N, fused ms (median of --repeats after --warmup), GFLOP/s, %% of the oneDNN sgemm 2048^3 rate "
                        + "measured in the same run, unfused ms and GFLOP/s, how many times faster fused is, and the "
                        + "extra native memory of each. Progress goes to stderr, one plain line per step.", ""},
        footer = {"", "Example:", "  panamax bench attention --n 1024,4096,16384 --causal --plot attention.png"})
final class BenchAttentionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--n", split = ",", paramLabel = "N", order = 1,
            defaultValue = "512,1024,2048,4096,8192,16384",
            description = "Sequence lengths to sweep (default: ${DEFAULT-VALUE}).")
    List<Integer> seqLens;

    @Option(names = "--heads", defaultValue = "8", paramLabel = "H", order = 2,
            description = "Query heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--kv-heads", paramLabel = "HKV", order = 3,
            description = "Key/value heads for grouped-query attention; H must be a multiple (default: H).")
    Integer kvHeads;

    @Option(names = "--head-dim", defaultValue = "64", paramLabel = "D", order = 4,
            description = "Head dimension (default: ${DEFAULT-VALUE}).")
    int headDim;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B", order = 5,
            description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--causal", order = 6, description = "Causal masking (FLOPs count the unmasked half).")
    boolean causal;

    @Option(names = "--unfused-max-n", defaultValue = "4096", paramLabel = "N", order = 9,
            description = "Largest N the unfused baseline runs at: it needs N x N score matrices "
                    + "(default: ${DEFAULT-VALUE}).")
    int unfusedMaxN;

    @Mixin
    PeersOption peers;

    @Option(names = "--window-left", defaultValue = "-1", paramLabel = "L", order = 20,
            description = "Sliding window of L keys left of the diagonal (with --causal: the usual local window).")
    int windowLeft;

    @Option(names = "--softcap", defaultValue = "0", paramLabel = "C", order = 21,
            description = "Softcap C: scores s become C*tanh(s/C).")
    float softcap;

    @Option(names = "--alibi", order = 22, description = "ALiBi with the slopes 2^(-8(h+1)/H).")
    boolean alibi;

    @Option(names = "--block-density", defaultValue = "0", paramLabel = "P", order = 23,
            description = "A random block mask of --block blocks with this density (diagonal blocks always on).")
    double blockDensity;

    @Option(names = "--bigbird", order = 24,
            description = "A BigBird layout of --block blocks (window 1, random 3, global 2 blocks).")
    boolean bigbird;

    @Option(names = "--topk-blocks", defaultValue = "0", paramLabel = "K", order = 25,
            description = "Dynamic top-k: the K best key blocks of --block keys plus the local one (with --causal).")
    int topkBlocks;

    @Option(names = "--block", defaultValue = "64", paramLabel = "B", order = 26,
            description = "Block size of --block-density, --bigbird and --topk-blocks (default: ${DEFAULT-VALUE}).")
    int block;

    @Option(names = "--rope", order = 27, description = "Fused RoPE on q and k (theta 10000, half style).")
    boolean rope;

    @Option(names = "--also-bigbird", order = 28,
            description = "Also time a BigBird layout on the same inputs: with --window-left and --plot, one chart of "
                    + "time against N for dense, window and BigBird (O(N^2) against O(N)).")
    boolean alsoBigbird;

    @Option(names = "--global-tokens", defaultValue = "0", paramLabel = "G", order = 29,
            description = "G global tokens (positions 0 .. G-1) on top of --window-left (with --causal).")
    int globalTokens;

    @Option(names = "--axial", paramLabel = "row|col", order = 30,
            description = "Axial attention along the rows or columns of a sqrt(N) x sqrt(N) grid (N a square).")
    String axial;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED", order = 13,
            description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    ThreadsOption threads;

    @Mixin
    SweepOutput output;

    @Override
    public Integer call() throws Exception {
        Sparsity sparsity = new Sparsity(windowLeft, softcap, alibi, blockDensity, block, bigbird, topkBlocks, rope,
                alsoBigbird, globalTokens, axial);
        SweepConfig config = new SweepConfig(seqLens, batch, heads, kvHeads != null ? kvHeads : heads, headDim, causal,
                unfusedMaxN, seed, sparsity);
        List<AttentionPeer> peerList = peers.load(AttentionPeer.class, output.progress(), spec.commandLine().getOut());
        try (Context ctx = threads.openContext()) {
            output.run(new AttentionSweep(ctx, config, peerList), ctx.numThreads(), () -> SgemmRate.measure(ctx));
        }
        return ExitCodes.OK;
    }
}
