package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.nio.file.Files;
import java.util.List;

/**
 * {@code panamax run linear-attention-step} end to end through .npy files against the float64 reference of one
 * causal token (q, k, v as [B, 1, heads, D]) with the same sums in, and bad input: exit 2, one line naming the
 * flag, no output left behind.
 */
class RunLinearAttentionStepCommandTest extends LinearCliTestSupport {
    /** One fp32 token on top of the given sums: within 1e-5 of the values' scale. */
    private static final double TOLERANCE = 1e-5;
    private static final long M = 12;

    @Test
    void helpListsEveryFlag() {
        helpLists("linear-attention-step", List.of("--q", "--k", "--v", "--out", "--feature-map", "--features",
                "--seed", "--random-matrix", "--random-matrix-out", "--no-normalize", "--eps", "--state-in",
                "--norm-in", "--state-out", "--norm-out", "--threads"));
    }

    @Test
    void elu1FromGivenSums() throws IOException {
        check(List.of("--eps", "1e-3", "--state-in", "s0.npy", "--norm-in", "z0.npy", "--state-out", "s1.npy",
                "--norm-out", "z1.npy"), LinearAttentionOptions.builder().eps(1e-3), DK);
    }

    @Test
    void fromZeroStateWithNoSumsWritten() throws IOException {
        check(List.of(), LinearAttentionOptions.builder(), DK);
        assertFalse(Files.exists(dir.resolve("s1.npy")));
    }

    @Test
    void reluNotNormalizedStateOnly() throws IOException {
        check(List.of("--feature-map", "relu", "--no-normalize", "--state-in", "s0.npy", "--state-out", "s1.npy"),
                LinearAttentionOptions.builder().featureMap(FeatureMap.RELU).normalize(false), DK);
    }

    @Test
    void favorGivenMatrix() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = write(arena, "Wg.npy", 30, -1, 1, M, DK);
            check(List.of("--feature-map", "favor", "--random-matrix", "Wg.npy", "--state-in", "s0.npy", "--norm-in",
                    "z0.npy", "--state-out", "s1.npy", "--norm-out", "z1.npy"),
                    LinearAttentionOptions.builder().featureMap(FeatureMap.FAVOR).randomMatrix(w), M);
        }
    }

    @Test
    void favorDrawnLikeThePrefill() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = LinearAttention.favorRandomMatrix(arena, M, DK, 7);
            check(List.of("--feature-map", "favor", "--features", Long.toString(M), "--seed", "7",
                    "--random-matrix-out", "W.npy", "--norm-in", "z0.npy", "--norm-out", "z1.npy"),
                    LinearAttentionOptions.builder().featureMap(FeatureMap.FAVOR).randomMatrix(w), M);
            assertArrayEquals(w.toFloatArray(), Npy.readFloats(dir.resolve("W.npy")));
        }
    }

    private void check(List<String> flags, LinearAttentionOptions.Builder o, long f) throws IOException {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor q = write(arena, "q.npy", 1, -1, 1, B, H, DK);
            Tensor k = write(arena, "k.npy", 2, -1, 1, B, HKV, DK);
            Tensor v = write(arena, "v.npy", 3, -1, 1, B, HKV, DV);
            Tensor s0 = write(arena, "s0.npy", 4, -1, 1, B, HKV, f, DV);
            Tensor z0 = write(arena, "z0.npy", 5, 0.5, 1.5, B, HKV, f);
            Cli.Result r = Cli.run(args(List.of("run", "linear-attention-step", "--q", "q.npy", "--k", "k.npy", "--v",
                    "v.npy", "--out", "out.npy", "--threads", "2"), flags).toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith("linear-attention-step: "), r.toString());

            // The step is the causal run over one token.
            if (flags.contains("s0.npy")) o.stateIn(s0);
            if (flags.contains("z0.npy")) o.normIn(z0);
            Tensor ref = Tensor.allocate(arena, DType.F64, B, 1, H, DV);
            Tensor refState = Tensor.allocate(arena, DType.F64, B, HKV, f, DV);
            Tensor refNorm = Tensor.allocate(arena, DType.F64, B, HKV, f);
            LinearAttention.runReference(ctx, token(q), token(k), token(v), o.causal(true).build(), ref, refState,
                    refNorm);
            compare("out.npy", Tensor.wrap(ref.segment(), DType.F64, B, H, DV), TOLERANCE);
            if (flags.contains("s1.npy")) compare("s1.npy", refState, TOLERANCE);
            if (flags.contains("z1.npy")) compare("z1.npy", refNorm, TOLERANCE);
        }
    }

    /** {@code [B, heads, D]} viewed as {@code [B, 1, heads, D]}. */
    private static Tensor token(Tensor t) {
        return Tensor.wrap(t.segment(), t.dtype(), t.shape(0), 1, t.shape(1), t.shape(2));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "- --v                                     | Missing required option: '--v",
            "--q q4.npy                                | --q ",
            "--k kh3.npy                               | --k: ",
            "--v vb.npy                                | --v: ",
            "--state-in s3.npy                         | --state-in: ",
            "--norm-in z3.npy                          | --norm-in: ",
            "--features 16                             | --features: only with --feature-map favor",
            "--feature-map favor --random-matrix W.npy --seed 2 | --random-matrix: not with --seed",
            "--feature-map favor --random-matrix Wdk.npy | --random-matrix: ",
            "--feature-map elu2                        | Invalid value for option '--feature-map'",
            "--chunk 4                                 | Unknown options: '--chunk', '4'",
            "--causal                                  | Unknown option: '--causal'",
            "--state-out s0.npy                        | --state-out ",
    })
    void badInputExitsTwoNamingTheFlag(String extra, String expected) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            write(arena, "q.npy", 1, -1, 1, B, H, DK);
            write(arena, "k.npy", 2, -1, 1, B, HKV, DK);
            write(arena, "v.npy", 3, -1, 1, B, HKV, DV);
            write(arena, "s0.npy", 4, -1, 1, B, HKV, DK, DV);
            write(arena, "z0.npy", 5, 0.5, 1.5, B, HKV, DK);
            write(arena, "q4.npy", 1, -1, 1, B, 1, H, DK);
            write(arena, "kh3.npy", 2, -1, 1, B, 3, DK);
            write(arena, "vb.npy", 3, -1, 1, B + 1, HKV, DV);
            write(arena, "s3.npy", 4, -1, 1, B, HKV, DK, DV + 1);
            write(arena, "z3.npy", 5, 0.5, 1.5, B, HKV, DK + 1);
            write(arena, "W.npy", 6, -1, 1, M, DK);
            write(arena, "Wdk.npy", 6, -1, 1, M, DK - 1);
        }
        expectUsageError(List.of("run", "linear-attention-step", "--q", "q.npy", "--k", "k.npy", "--v", "v.npy",
                "--state-in", "s0.npy", "--norm-in", "z0.npy", "--out", "o.npy", "--norm-out", "oz.npy"), extra,
                expected, "o.npy", "oz.npy");
    }
}
