package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.FeatureMap;
import dev.panamax.LinearAttention;
import dev.panamax.LinearAttentionOptions;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * {@code panamax run linear-attention} end to end through .npy files against the float64 reference (every
 * feature map, causal and not, normalised and not, the sums in and out, the FAVOR+ matrix drawn or given), and
 * bad input: exit 2, one line naming the flag, no output left behind.
 */
class RunLinearAttentionCommandTest extends LinearCliTestSupport {
    /** fp32 sums over at most 23 tokens against float64: within 1e-5 of the values' scale. */
    private static final double TOLERANCE = 1e-5;
    private static final long M = 12;

    @Test
    void helpListsEveryFlag() {
        helpLists("linear-attention", List.of("--q", "--k", "--v", "--out", "--causal", "--feature-map", "--features",
                "--seed", "--random-matrix", "--random-matrix-out", "--no-normalize", "--eps", "--chunk", "--state-in",
                "--norm-in", "--state-out", "--norm-out", "--threads"));
    }

    @Test
    void causalElu1WithEveryStateFlag() throws IOException {
        check(List.of("--causal", "--chunk", "6", "--eps", "1e-3", "--state-in", "s0.npy", "--norm-in", "z0.npy",
                "--state-out", "s1.npy", "--norm-out", "z1.npy"),
                LinearAttentionOptions.builder().causal(true).chunk(6).eps(1e-3), DK);
    }

    @Test
    void nonCausalRelu() throws IOException {
        check(List.of("--feature-map", "relu", "--state-out", "s1.npy", "--norm-out", "z1.npy"),
                LinearAttentionOptions.builder().featureMap(FeatureMap.RELU), DK);
    }

    @Test
    void causalIdentityNotNormalized() throws IOException {
        check(List.of("--feature-map", "IDENTITY", "--causal", "--no-normalize", "--state-in", "s0.npy",
                "--state-out", "s1.npy"),
                LinearAttentionOptions.builder().featureMap(FeatureMap.IDENTITY).causal(true).normalize(false), DK);
    }

    @Test
    void favorDrawnFromTheSeed() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = LinearAttention.favorRandomMatrix(arena, M, DK, 7);
            check(List.of("--feature-map", "favor", "--features", Long.toString(M), "--seed", "7", "--causal",
                    "--random-matrix-out", "W.npy", "--state-in", "s0.npy", "--norm-in", "z0.npy", "--state-out",
                    "s1.npy", "--norm-out", "z1.npy"),
                    LinearAttentionOptions.builder().featureMap(FeatureMap.FAVOR).causal(true).randomMatrix(w), M);
            assertArrayEquals(w.toFloatArray(), Npy.readFloats(dir.resolve("W.npy")), "the matrix used, bit for bit");
        }
    }

    @Test
    void favorGivenMatrixNotNormalized() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = write(arena, "Wg.npy", 30, -1, 1, M, DK);
            check(List.of("--feature-map", "favor", "--random-matrix", "Wg.npy", "--random-matrix-out", "W.npy",
                    "--no-normalize", "--state-out", "s1.npy", "--norm-out", "z1.npy"),
                    LinearAttentionOptions.builder().featureMap(FeatureMap.FAVOR).normalize(false).randomMatrix(w), M);
            assertArrayEquals(w.toFloatArray(), Npy.readFloats(dir.resolve("W.npy")), "the given matrix, copied");
        }
    }

    @Test
    void favorDefaultsAre256FeaturesFromSeedZero() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = LinearAttention.favorRandomMatrix(arena, 256, DK, 0);
            check(List.of("--feature-map", "favor", "--random-matrix-out", "W.npy", "--norm-out", "z1.npy"),
                    LinearAttentionOptions.builder().featureMap(FeatureMap.FAVOR).randomMatrix(w), 256);
            assertArrayEquals(new long[] {256, DK}, shape("W.npy"));
            assertArrayEquals(w.toFloatArray(), Npy.readFloats(dir.resolve("W.npy")));
        }
    }

    /** Runs the command with {@code flags} and compares every output with the reference of {@code o}. */
    private void check(List<String> flags, LinearAttentionOptions.Builder o, long f) throws IOException {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor q = write(arena, "q.npy", 1, -1, 1, B, N, H, DK);
            Tensor k = write(arena, "k.npy", 2, -1, 1, B, N, HKV, DK);
            Tensor v = write(arena, "v.npy", 3, -1, 1, B, N, HKV, DV);
            Tensor s0 = write(arena, "s0.npy", 4, -1, 1, B, HKV, f, DV);
            Tensor z0 = write(arena, "z0.npy", 5, 0.5, 1.5, B, HKV, f);
            Cli.Result r = Cli.run(args(List.of("run", "linear-attention", "--q", "q.npy", "--k", "k.npy", "--v",
                    "v.npy", "--out", "out.npy", "--threads", "2"), flags).toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith("linear-attention: "), r.toString());
            assertEquals(1, r.out().lines().count(), r.toString());

            if (flags.contains("s0.npy")) o.stateIn(s0);
            if (flags.contains("z0.npy")) o.normIn(z0);
            Tensor ref = Tensor.allocate(arena, DType.F64, B, N, H, DV);
            Tensor refState = Tensor.allocate(arena, DType.F64, B, HKV, f, DV);
            Tensor refNorm = Tensor.allocate(arena, DType.F64, B, HKV, f);
            LinearAttention.runReference(ctx, q, k, v, o.build(), ref, refState, refNorm);
            compare("out.npy", ref, TOLERANCE);
            if (flags.contains("s1.npy")) compare("s1.npy", refState, TOLERANCE);
            if (flags.contains("z1.npy")) compare("z1.npy", refNorm, TOLERANCE);
        }
    }

    private long[] shape(String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            return Npy.map(dir.resolve(name), arena).shape();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "- --q                                           | Missing required option: '--q",
            "- --out                                         | Missing required option: '--out",
            "--feature-map softmax                           | Invalid value for option '--feature-map'",
            "--k k3.npy                                      | --k: ",
            "--v vn.npy                                      | --v: ",
            "--q q3.npy                                      | --q ",
            "--k kint.npy                                    | --k ",
            "--v missing.npy                                 | --v ",
            "--state-in s3.npy                               | --state-in: ",
            "--norm-in z3.npy                                | --norm-in: ",
            "--state-in z0.npy                               | --state-in ",
            "--features 16                                   | --features: only with --feature-map favor",
            "--seed 3                                        | --seed: only with --feature-map favor",
            "--feature-map relu --random-matrix W.npy        | --random-matrix: only with --feature-map favor",
            "--random-matrix-out Wo.npy                      | --random-matrix-out: only with --feature-map favor",
            "--feature-map favor --random-matrix W.npy --seed 1      | --random-matrix: not with --seed",
            "--feature-map favor --random-matrix W.npy --features 8  | --random-matrix: not with --features",
            "--feature-map favor --random-matrix Wdk.npy     | --random-matrix: ",
            "--feature-map favor --random-matrix Wint.npy    | --random-matrix ",
            "--feature-map favor --features 0                | --features: ",
            "--feature-map favor --features 1025             | --features: ",
            "--feature-map favor --features 12 --state-in s0.npy | --state-in: ",
            "--feature-map favor --seed -1                   | Invalid value for option '--seed'",
            "--eps -1                                        | --eps: ",
            "--eps NaN                                       | --eps: ",
            "--chunk 257                                     | --chunk: ",
            "--chunk -1                                      | --chunk: ",
            "--out q.npy                                     | --out ",
            "--step                                          | Unknown option: '--step'",
    })
    void badInputExitsTwoNamingTheFlag(String extra, String expected) throws IOException {
        writeBadInputs();
        expectUsageError(List.of("run", "linear-attention", "--q", "q.npy", "--k", "k.npy", "--v", "v.npy", "--out",
                "o.npy", "--state-out", "os.npy", "--norm-out", "oz.npy", "--causal"), extra, expected, "o.npy",
                "os.npy", "oz.npy", "Wo.npy");
    }

    /** The inputs and their bad variants: k3 (Hkv = 3 does not divide H), vn (N - 1 tokens), ... */
    private void writeBadInputs() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            write(arena, "q.npy", 1, -1, 1, B, N, H, DK);
            write(arena, "k.npy", 2, -1, 1, B, N, HKV, DK);
            write(arena, "v.npy", 3, -1, 1, B, N, HKV, DV);
            write(arena, "s0.npy", 4, -1, 1, B, HKV, DK, DV);
            write(arena, "z0.npy", 5, 0.5, 1.5, B, HKV, DK);
            write(arena, "q3.npy", 1, -1, 1, B, H, DK);
            write(arena, "k3.npy", 2, -1, 1, B, N, 3, DK);
            write(arena, "vn.npy", 3, -1, 1, B, N - 1, HKV, DV);
            write(arena, "s3.npy", 4, -1, 1, B, HKV, DK + 1, DV);
            write(arena, "z3.npy", 5, 0.5, 1.5, B, HKV + 1, DK);
            write(arena, "W.npy", 6, -1, 1, M, DK);
            write(arena, "Wdk.npy", 6, -1, 1, M, DK + 1);
        }
        Npy.write(dir.resolve("kint.npy"), new int[(int) (B * N * HKV * DK)], B, N, HKV, DK);
        Npy.write(dir.resolve("Wint.npy"), new int[(int) (M * DK)], M, DK);
    }
}
