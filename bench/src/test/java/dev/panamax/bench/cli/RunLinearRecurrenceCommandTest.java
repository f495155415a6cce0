package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.LinearRecurrence;
import dev.panamax.LinearRecurrenceOptions;
import dev.panamax.LinearRule;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * {@code panamax run linear-recurrence} end to end through .npy files against the float64 reference (each rule,
 * both decay forms of gated, a state in and out, chunks smaller than N), and bad input: exit 2, one line naming
 * the flag, no output left behind.
 */
class RunLinearRecurrenceCommandTest extends LinearCliTestSupport {
    /** The chunked fp32 forms (WY for the delta rules) over 23 tokens: within 1e-5 of the values' scale. */
    private static final double TOLERANCE = 1e-5;

    @Test
    void helpListsEveryFlag() {
        helpLists("linear-recurrence", List.of("--rule", "--q", "--k", "--v", "--decay", "--beta", "--state-in",
                "--chunk", "--out", "--state-out", "--threads"));
    }

    @Test
    void linearWithStateInAndOut() throws IOException {
        check(LinearRule.LINEAR, List.of("--state-in", "s0.npy", "--state-out", "s1.npy", "--chunk", "8"));
    }

    @Test
    void gatedPerHead() throws IOException {
        check(LinearRule.GATED, List.of("--decay", "g.npy", "--state-out", "s1.npy", "--chunk", "5"));
    }

    @Test
    void gatedPerKeyDim() throws IOException {
        check(LinearRule.GATED, List.of("--decay", "gk.npy", "--state-in", "s0.npy", "--state-out", "s1.npy"));
    }

    @Test
    void delta() throws IOException {
        check(LinearRule.DELTA, List.of("--beta", "b.npy", "--state-in", "s0.npy", "--state-out", "s1.npy",
                "--chunk", "7"));
    }

    @Test
    void gatedDelta() throws IOException {
        check(LinearRule.GATED_DELTA, List.of("--decay", "g.npy", "--beta", "b.npy", "--state-out", "s1.npy"));
    }

    private void check(LinearRule rule, List<String> flags) throws IOException {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = inputs(arena);
            Cli.Result r = Cli.run(args(List.of("run", "linear-recurrence", "--rule", rule.name().toLowerCase(java.util.Locale.ROOT),
                    "--q", "q.npy", "--k", "k.npy", "--v", "v.npy", "--out", "out.npy", "--threads", "2"), flags)
                    .toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith("linear-recurrence: "), r.toString());
            assertEquals(1, r.out().lines().count(), r.toString());

            LinearRecurrenceOptions.Builder o = LinearRecurrenceOptions.builder();
            if (flags.contains("g.npy")) o.decay(in.decay());
            if (flags.contains("gk.npy")) o.decay(in.decayPerKey());
            if (flags.contains("b.npy")) o.beta(in.beta());
            if (flags.contains("s0.npy")) o.stateIn(in.state());
            Tensor ref = Tensor.allocate(arena, DType.F64, B, N, H, DV);
            Tensor refState = Tensor.allocate(arena, DType.F64, B, HKV, DK, DV);
            LinearRecurrence.runReference(ctx, rule, in.q(), in.k(), in.v(), o.build(), ref, refState);
            compare("out.npy", ref, TOLERANCE);
            if (flags.contains("s1.npy")) compare("s1.npy", refState, TOLERANCE);
        }
    }

    record Inputs(Tensor q, Tensor k, Tensor v, Tensor decay, Tensor decayPerKey, Tensor beta, Tensor state) {
    }

    /** Keys small enough (|k|² <= 0.8, β <= 1) that the delta rules stay contractive. */
    private Inputs inputs(Arena arena) throws IOException {
        return new Inputs(write(arena, "q.npy", 1, -1, 1, B, N, H, DK), write(arena, "k.npy", 2, -0.4, 0.4, B, N, HKV, DK),
                write(arena, "v.npy", 3, -1, 1, B, N, HKV, DV), write(arena, "g.npy", 4, 0.6, 1, B, N, HKV),
                write(arena, "gk.npy", 5, 0.6, 1, B, N, HKV, DK), write(arena, "b.npy", 6, 0, 1, B, N, HKV),
                write(arena, "s0.npy", 7, -1, 1, B, HKV, DK, DV));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "- --rule                          | Missing required option: '--rule",
            "- --k                             | Missing required option: '--k",
            "--rule softmax                    | Invalid value for option '--rule'",
            "--decay g2.npy                    | --decay: element [",
            "--decay gnan.npy                  | --decay: element [",
            "--beta bnan.npy                   | --beta: element [",
            "- --decay                         | --decay: ",
            "- --beta                          | --beta: ",
            "--rule gated                      | --beta: ",
            "--rule linear                     | --decay: ",
            "--decay gk.npy                    | --decay: ",
            "--decay gn.npy                    | --decay: ",
            "--decay g2d.npy                   | --decay ",
            "--beta bh.npy                     | --beta: ",
            "--k k3.npy                        | --k: ",
            "--v vdk.npy                       | --v: ",
            "--state-in s3.npy                 | --state-in: ",
            "--q qint.npy                      | --q ",
            "--q missing.npy                   | --q ",
            "--chunk 257                       | --chunk: ",
            "--step                            | Unknown option: '--step'",
            "--state-out q.npy                 | --state-out ",
    })
    void badInputExitsTwoNamingTheFlag(String extra, String expected) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            inputs(arena);
            Tensor g2 = write(arena, "g2.npy", 4, 0.6, 1, B, N, HKV);
            g2.setFloat(1.5f, 1, 3, 1);
            Npy.write(dir.resolve("g2.npy"), DType.F32, g2.shape(), g2.segment());
            g2.setFloat(Float.NaN, 1, 3, 1);
            Npy.write(dir.resolve("gnan.npy"), DType.F32, g2.shape(), g2.segment());
            Tensor b = write(arena, "bnan.npy", 6, 0, 1, B, N, HKV);
            b.setFloat(Float.POSITIVE_INFINITY, 0, 5, 0);
            Npy.write(dir.resolve("bnan.npy"), DType.F32, b.shape(), b.segment());
            write(arena, "gn.npy", 4, 0.6, 1, B, N - 1, HKV);
            write(arena, "g2d.npy", 4, 0.6, 1, B, N);
            write(arena, "bh.npy", 6, 0, 1, B, N, H);
            write(arena, "k3.npy", 2, -0.4, 0.4, B, N, 3, DK);
            write(arena, "vdk.npy", 3, -1, 1, B, N, H, DV);
            write(arena, "s3.npy", 7, -1, 1, B, HKV, DK, DV + 1);
        }
        Npy.write(dir.resolve("qint.npy"), new int[(int) (B * N * H * DK)], B, N, H, DK);
        expectUsageError(List.of("run", "linear-recurrence", "--rule", "gated_delta", "--q", "q.npy", "--k", "k.npy",
                "--v", "v.npy", "--decay", "g.npy", "--beta", "b.npy", "--out", "o.npy", "--state-out", "os.npy"),
                extra, expected, "o.npy", "os.npy");
    }
}
