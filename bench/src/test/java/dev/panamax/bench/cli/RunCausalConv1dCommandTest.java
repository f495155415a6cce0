package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.CausalConv1d;
import dev.panamax.CausalConv1dOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.Npy;
import dev.panamax.bench.sweep.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code panamax run causal-conv1d} end to end through .npy files against the float64 reference, and bad input. */
class RunCausalConv1dCommandTest {
    private static final long B = 2, L = 21, C = 19, W = 4;

    @TempDir
    Path dir;

    @Test
    void everyOptionAgainstTheReference() throws IOException {
        check(false, "--bias", "b.npy", "--silu", "--state-in", "s0.npy", "--state-out", "s1.npy");
    }

    @Test
    void varlenWithoutOptions() throws IOException {
        check(true, "--state-out", "s1.npy");
    }

    private void check(boolean varlen, String... flags) throws IOException {
        List<String> f = List.of(flags);
        long[] xShape = varlen ? new long[] {B * L, C} : new long[] {B, L, C};
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor x = write(arena, "x.npy", 1, xShape), w = write(arena, "w.npy", 2, C, W);
            Tensor bias = write(arena, "b.npy", 3, C), s0 = write(arena, "s0.npy", 4, B, C, W - 1);
            Tensor cu = Tensor.fromInts(arena, new int[] {0, 5, (int) (B * L)}, 3);
            Npy.write(dir.resolve("cu.npy"), new int[] {0, 5, (int) (B * L)}, 3);
            List<String> args = new ArrayList<>(List.of("run", "causal-conv1d", "--x", p("x.npy"), "--weight",
                    p("w.npy"), "--out", p("out.npy"), "--threads", "2"));
            if (varlen) args.addAll(List.of("--cu-seqlens", p("cu.npy")));
            for (String a : flags) args.add(a.endsWith(".npy") ? p(a) : a);
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith("causal-conv1d: "), r.toString());

            CausalConv1dOptions.Builder o = CausalConv1dOptions.builder().silu(f.contains("--silu"));
            if (f.contains("b.npy")) o.bias(bias);
            if (f.contains("s0.npy")) o.stateIn(s0);
            if (varlen) o.cuSeqlens(cu);
            Tensor ref = Tensor.allocate(arena, DType.F64, xShape), refState = Tensor.allocate(arena, DType.F64, B, C, W - 1);
            CausalConv1d.runReference(ctx, x, w, o.build(), ref, refState);
            compare("out", Npy.readFloats(dir.resolve("out.npy")), ref);
            compare("state", Npy.readFloats(dir.resolve("s1.npy")), refState);
        }
    }

    /** Sums of 5 terms of size <= 1 in float32: within 1e-5 (observed about 1e-7). */
    private static void compare(String what, float[] got, Tensor ref) {
        assertEquals(ref.elementCount(), got.length, what);
        for (int i = 0; i < got.length; i++) {
            double want = ref.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i);
            assertTrue(Math.abs(got[i] - want) <= 1e-5 * (1 + Math.abs(want)), what + "[" + i + "] = " + got[i]
                    + ", reference " + want);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--weight w9.npy                    | --weight: width W = 9",
            "--weight w5c.npy                   | --weight: shape[0] = 5 must be x's C = 19",
            "--bias b3.npy                      | --bias: shape [3] must be [C]",
            "--state-in s2.npy                  | --state-in: shape",
            "--cu-seqlens cu.npy                | --x ",
            "--x missing.npy                    | --x ",
    })
    void badInputExitsTwoNamingTheFlag(String extra, String expected) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            write(arena, "x.npy", 1, B, L, C);
            write(arena, "w.npy", 2, C, W);
            write(arena, "w9.npy", 2, C, 9);
            write(arena, "w5c.npy", 2, 5, W);
            write(arena, "b3.npy", 3, 3);
            write(arena, "s2.npy", 4, B, C, 2);
        }
        Npy.write(dir.resolve("cu.npy"), new int[] {0, 5, 42}, 3);
        List<String> args = new ArrayList<>(List.of("run", "causal-conv1d", "--x", p("x.npy"), "--weight", p("w.npy"),
                "--out", p("o.npy")));
        String[] parts = extra.strip().split(" +");
        int at = args.indexOf(parts[0]);
        String value = p(parts[1]);
        if (at >= 0) args.set(at + 1, value);
        else args.addAll(List.of(parts[0], value));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals(1, r.errLines().size(), "exactly one stderr line: " + r);
        assertTrue(r.errLines().get(0).startsWith("panamax: " + expected), r.errLines().get(0));
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        assertFalse(Files.exists(dir.resolve("o.npy")), "no output left behind");
    }

    private Tensor write(Arena arena, String name, long seed, long... shape) throws IOException {
        Tensor t = TensorData.uniform(Tensor.allocate(arena, DType.F32, shape), seed);
        Npy.write(dir.resolve(name), DType.F32, t.shape(), t.segment());
        return t;
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }
}
