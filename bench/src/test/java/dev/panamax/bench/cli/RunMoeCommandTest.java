package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.ExpertWeights;
import dev.panamax.MoE;
import dev.panamax.MoeActivation;
import dev.panamax.MoeRouterOptions;
import dev.panamax.MoeScoring;
import dev.panamax.RouterOutputs;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code panamax run moe} end to end through .npy files against the float64 reference (every output, the router's
 * included), and bad input: exit 2, one line naming the flag, no output left behind.
 */
class RunMoeCommandTest extends MoeCliTestSupport {
    @Test
    void everyOptionAgainstTheReference() throws IOException {
        // Capacity 0.8 of T·k/E drops some assignments; gated, every bias, the tanh GELU.
        check(List.of("--logits", "l.npy", "--top-k", "2", "--renormalize", "--capacity-factor", "0.8", "--w3",
                "w3.npy", "--b1", "b1.npy", "--b2", "b2.npy", "--b3", "b3.npy", "--activation", "gelu-tanh"),
                MoeRouterOptions.builder().topK(2).renormalize(true).capacityFactor(0.8).build(),
                MoeActivation.GELU_TANH, true, true);
    }

    @Test
    void gateWeightSigmoidWithNoise() throws IOException {
        check(List.of("--gate-weight", "wg.npy", "--top-k", "3", "--scoring", "sigmoid", "--noise-std", "0.5",
                "--noise-seed", "18446744073709551615", "--activation", "relu"),
                MoeRouterOptions.builder().topK(3).scoring(MoeScoring.SIGMOID).noiseStd(0.5).noiseSeed(-1L).build(),
                MoeActivation.RELU, false, false);
    }

    @Test
    void plainTopOneSwiGlu() throws IOException {
        check(List.of("--logits", "l.npy", "--top-k", "1", "--w3", "w3.npy"), MoeRouterOptions.defaults(1),
                MoeActivation.SILU, true, false);
    }

    private void check(List<String> flags, MoeRouterOptions opts, MoeActivation act, boolean gated, boolean biases)
            throws IOException {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = inputs(arena);
            int k = opts.topK();
            List<String> args = new ArrayList<>(List.of("run", "moe", "--x", p("x.npy"), "--w1", p("w1.npy"), "--w2",
                    p("w2.npy"), "--out", p("out.npy"), "--indices-out", p("i.npy"), "--weights-out", p("w.npy"),
                    "--counts-out", p("c.npy"), "--dropped-out", p("d.npy"), "--aux-loss-out", p("aux.npy"),
                    "--z-loss-out", p("z.npy"), "--threads", "2"));
            for (String f : flags) args.add(f.endsWith(".npy") ? p(f) : f);
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith("moe: "), r.toString());
            assertEquals(1, r.out().lines().count(), r.toString());

            boolean logits = flags.contains("l.npy");
            ExpertWeights w = new ExpertWeights(in.w1(), in.w2(), gated ? in.w3() : null, biases ? in.b1() : null,
                    biases ? in.b2() : null, biases ? in.b3() : null);
            Tensor ref = Tensor.allocate(arena, DType.F64, T, D);
            RouterOutputs want = referenceOutputs(arena, k);
            MoE.forwardReference(ctx, in.x(), logits ? null : in.gate(), logits ? in.logits() : null, opts, w, act, ref,
                    want);
            compare("out", Npy.readFloats(dir.resolve("out.npy")), ref.toDoubleArray(), 1e-5);
            compareRouter(dir, want, k, opts.capacityFactor() > 0);
            assertTrue(r.out().contains("assignments dropped"), r.out());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--logits l.npy --top-k 6                       | --top-k: k must be in 1..E = 5, got 6",
            "--logits l.npy --top-k 0                       | --top-k: ",
            "--logits l.npy --top-k -3                      | --top-k: ",
            "--logits l.npy --top-k 2 --capacity-factor -1  | --capacity-factor: ",
            "--logits l.npy --top-k 2 --capacity-factor NaN | --capacity-factor: ",
            "--logits l.npy --top-k 2 --noise-std -0.5      | --noise-std: ",
            "--logits l.npy --top-k 2 --w2 w2h.npy          | --w2: shape",
            "--logits l.npy --top-k 2 --w1 w1e.npy          | --w1: shape",
            "--logits l.npy --top-k 2 --w3 w3d.npy          | --w3: shape",
            "--logits l.npy --top-k 2 --w3 w3.npy --b1 b2.npy | --b1: shape",
            "--logits l.npy --top-k 2 --b3 b3.npy           | --b3: given without w3",
            "--logits l.npy --top-k 2 --x x5.npy            | --x: shape[0] = 5 must be logits' T = 37",
            "--gate-weight wgd.npy --top-k 2                | --gate-weight: shape[0]",
            "--logits l.npy --gate-weight wg.npy --top-k 2  | --logits: give --logits or --gate-weight, not both",
            "--top-k 2                                      | --logits: required unless --gate-weight",
            "--logits lnan.npy --top-k 2                    | --logits: token 3 has a non-finite logit",
            "--gate-weight wg.npy --x xnan.npy --top-k 2    | --x/--gate-weight: token 4 has a non-finite logit",
            "--logits l.npy --top-k 2 --activation tanh     | Invalid value for option '--activation'",
            "--logits l.npy --top-k 2 --w1 b1.npy           | --w1 ",
            "--logits lint.npy --top-k 2                    | --logits ",
    })
    void badInputExitsTwoNamingTheFlag(String extra, String expected) throws IOException {
        writeBadInputs();
        List<String> args = new ArrayList<>(List.of("run", "moe", "--x", p("x.npy"), "--w1", p("w1.npy"), "--w2",
                p("w2.npy"), "--out", p("o.npy"), "--counts-out", p("oc.npy"), "--dropped-out", p("od.npy")));
        expectUsageError(args, extra, expected);
        assertFalse(Files.exists(dir.resolve("o.npy")), "no output left behind");
        assertFalse(Files.exists(dir.resolve("oc.npy")), "no output left behind");
        assertFalse(Files.exists(dir.resolve("od.npy")), "no output left behind");
    }

}
