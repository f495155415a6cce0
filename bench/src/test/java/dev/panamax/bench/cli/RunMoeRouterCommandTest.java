package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.ExpertWeights;
import dev.panamax.MoE;
import dev.panamax.MoeRouterOptions;
import dev.panamax.MoeScoring;
import dev.panamax.RouterOutputs;
import dev.panamax.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code panamax run moe-router} against the router outputs of the float64 reference, and bad input: exit 2, one
 * line naming the flag, no output left behind.
 */
class RunMoeRouterCommandTest extends MoeCliTestSupport {
    @Test
    void logitsWithCapacityAgainstTheReference() throws IOException {
        check(List.of("--logits", "l.npy", "--top-k", "2", "--renormalize", "--capacity-factor", "0.9",
                "--counts-out", "c.npy", "--dropped-out", "d.npy", "--aux-loss-out", "aux.npy", "--z-loss-out",
                "z.npy"), MoeRouterOptions.builder().topK(2).renormalize(true).capacityFactor(0.9).build(), false);
    }

    @Test
    void gateWeightSigmoidIndicesAndWeightsOnly() throws IOException {
        check(List.of("--x", "x.npy", "--gate-weight", "wg.npy", "--top-k", "4", "--scoring", "sigmoid",
                "--noise-std", "0.25", "--noise-seed", "3"),
                MoeRouterOptions.builder().topK(4).scoring(MoeScoring.SIGMOID).noiseStd(0.25).noiseSeed(3).build(),
                true);
    }

    private void check(List<String> flags, MoeRouterOptions opts, boolean gate) throws IOException {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Inputs in = inputs(arena);
            List<String> args = new ArrayList<>(List.of("run", "moe-router", "--indices-out", p("i.npy"),
                    "--weights-out", p("w.npy"), "--threads", "2"));
            for (String f : flags) args.add(f.endsWith(".npy") ? p(f) : f);
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith("moe-router: "), r.toString());
            assertEquals(1, r.out().lines().count(), r.toString());
            assertEquals(flags.contains("d.npy"), r.out().contains("assignments dropped"), r.out());

            // The reference runs a whole layer: the experts here (h = 1, zero weights) only make it a layer.
            long d = gate ? D : 1;
            Tensor x = gate ? in.x() : Tensor.allocate(arena, DType.F32, T, 1);
            ExpertWeights none = new ExpertWeights(Tensor.allocate(arena, DType.F32, E, d, 1),
                    Tensor.allocate(arena, DType.F32, E, 1, d));
            RouterOutputs want = referenceOutputs(arena, opts.topK());
            MoE.forwardReference(ctx, x, gate ? in.gate() : null, gate ? null : in.logits(), opts, none, null,
                    Tensor.allocate(arena, DType.F64, T, d), want);
            compareRouter(dir, want, opts.topK(), opts.capacityFactor() > 0);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--logits l.npy --top-k 6                       | --top-k: k must be in 1..E = 5, got 6",
            "--logits l.npy --top-k 0                       | --top-k: ",
            "--logits l.npy --top-k 2 --capacity-factor -0.5 | --capacity-factor: ",
            "--logits l.npy --top-k 2 --noise-std Infinity  | --noise-std: ",
            "--logits l.npy --top-k 2 --x x5.npy            | --x: shape[0] = 5 must be logits' T = 37",
            "--gate-weight wg.npy --top-k 2                 | --x: required with --gate-weight",
            "--gate-weight wgd.npy --x x.npy --top-k 2      | --gate-weight: shape[0]",
            "--logits l.npy --gate-weight wg.npy --top-k 2  | --logits: give --logits or --gate-weight, not both",
            "--logits lnan.npy --top-k 2                    | --logits: token 3 has a non-finite logit",
            "--logits lnan.npy --top-k 2 --noise-std 1      | --logits: token 3 has a non-finite logit (after noise)",
            "--gate-weight wg.npy --x xnan.npy --top-k 2    | --x/--gate-weight: token 4 has a non-finite logit",
            "--logits l.npy --top-k 2 --scoring topk        | Invalid value for option '--scoring'",
            "--logits l.npy --top-k 2 --noise-seed -1       | Invalid value for option '--noise-seed'",
    })
    void routerBadInputExitsTwoNamingTheFlag(String extra, String expected) throws IOException {
        writeBadInputs();
        List<String> args = new ArrayList<>(List.of("run", "moe-router", "--indices-out", p("oi.npy"),
                "--weights-out", p("ow.npy"), "--dropped-out", p("od.npy")));
        expectUsageError(args, extra, expected);
        for (String o : List.of("oi.npy", "ow.npy", "od.npy")) {
            assertFalse(Files.exists(dir.resolve(o)), "no output left behind: " + o);
        }
    }

    @Test
    void indicesAndWeightsAreRequired() throws IOException {
        writeBadInputs();
        Cli.Result r = Cli.run("run", "moe-router", "--logits", p("l.npy"), "--top-k", "2", "--weights-out",
                p("ow.npy"));
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.errLines().get(0).contains("--indices-out"), r.toString());
    }
}
