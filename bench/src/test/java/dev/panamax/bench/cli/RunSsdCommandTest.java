package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Ssd;
import dev.panamax.SsdOptions;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.Npy;
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
import java.util.SplittableRandom;

/**
 * {@code panamax run ssd} end to end through .npy files against the float64 reference (dense and packed
 * varlen), and bad input: exit 2, one line naming the flag, no output left behind.
 */
class RunSsdCommandTest {
    private static final long B = 2, L = 23, H = 4, P = 5, N = 7, G = 2;

    @TempDir
    Path dir;

    @Test
    void everyOptionAgainstTheReference() throws IOException {
        check(List.of("--D", "D.npy", "--dt-bias", "bias.npy", "--dt-softplus", "--state-in", "s0.npy", "--state-out",
                "s1.npy", "--chunk", "6"), false);
    }

    @Test
    void plainSsd() throws IOException {
        check(List.of(), false);
    }

    @Test
    void packedVarlen() throws IOException {
        check(List.of("--dt-softplus", "--state-out", "s1.npy", "--cu-seqlens", "cu.npy", "--chunk", "4"), true);
    }

    private void check(List<String> flags, boolean varlen) throws IOException {
        // Varlen: the B * L rows packed as sequences of 9, 0 and 37 tokens (three sequences).
        long batch = varlen ? 3 : B;
        long[] x = varlen ? new long[] {B * L, H, P} : new long[] {B, L, H, P};
        long[] dtShape = varlen ? new long[] {B * L, H} : new long[] {B, L, H};
        long[] grp = varlen ? new long[] {B * L, G, N} : new long[] {B, L, G, N};
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            boolean softplus = flags.contains("--dt-softplus");
            Tensor xt = write(arena, "x.npy", 1, -1, 1, x);
            Tensor dt = write(arena, "dt.npy", 2, softplus ? -4 : 0.01, softplus ? -1 : 0.3, dtShape);
            Tensor a = write(arena, "A.npy", 3, -4, -0.5, H);
            Tensor b = write(arena, "B.npy", 4, -1, 1, grp), c = write(arena, "C.npy", 5, -1, 1, grp);
            Tensor d = write(arena, "D.npy", 6, -1, 1, H), bias = write(arena, "bias.npy", 8, -0.5, 0.5, H);
            Tensor s0 = write(arena, "s0.npy", 9, -1, 1, batch, H, P, N);
            Npy.write(dir.resolve("cu.npy"), new int[] {0, 9, 9, (int) (B * L)}, 4);
            List<String> args = new ArrayList<>(List.of("run", "ssd", "--x", p("x.npy"), "--dt", p("dt.npy"), "--A",
                    p("A.npy"), "--B", p("B.npy"), "--C", p("C.npy"), "--out", p("out.npy"), "--threads", "2"));
            for (String f : flags) args.add(f.endsWith(".npy") ? p(f) : f);
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith("ssd: "), r.toString());

            SsdOptions.Builder o = SsdOptions.builder().dtSoftplus(softplus);
            if (flags.contains("D.npy")) o.d(d);
            if (flags.contains("bias.npy")) o.dtBias(bias);
            if (flags.contains("s0.npy")) o.stateIn(s0);
            if (varlen) o.cuSeqlens(Tensor.fromInts(arena, new int[] {0, 9, 9, (int) (B * L)}, 4));
            Tensor ref = Tensor.allocate(arena, DType.F64, x);
            Tensor refState = Tensor.allocate(arena, DType.F64, batch, H, P, N);
            Ssd.runReference(ctx, xt, dt, a, b, c, o.build(), ref, refState);
            compare("out", Npy.readFloats(dir.resolve("out.npy")), ref);
            if (flags.contains("s1.npy")) compare("state", Npy.readFloats(dir.resolve("s1.npy")), refState);
        }
    }

    /** fp32 chunked products over at most 46 tokens: within 1e-5 of the values' scale (observed ~1e-7). */
    private static void compare(String what, float[] got, Tensor ref) {
        assertEquals(ref.elementCount(), got.length, what);
        double scale = 0;
        for (long i = 0; i < ref.elementCount(); i++) {
            scale = Math.max(scale, Math.abs(ref.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i)));
        }
        for (int i = 0; i < got.length; i++) {
            double want = ref.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i);
            assertTrue(Math.abs(got[i] - want) <= 1e-5 * scale, what + "[" + i + "] = " + got[i] + ", reference " + want);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--A A3.npy                         | --A: shape [3] must be [H] = [4]",
            "--B B3.npy                         | --B: the group count G = 3",
            "--D D3.npy                         | --D: shape [3] must be [H] = [4]",
            "--state-in s3.npy                  | --state-in: shape",
            "--chunk 513                        | --chunk: must be in 0..512",
            "--chunk -1                         | --chunk: must be in 0..512",
            "--cu-seqlens cu.npy                | --x ",
            "--dt dint.npy                      | --dt ",
            "--dt-bias missing.npy              | --dt-bias ",
    })
    void badInputExitsTwoNamingTheFlag(String extra, String expected) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            write(arena, "x.npy", 1, -1, 1, B, L, H, P);
            write(arena, "dt.npy", 2, -1, 1, B, L, H);
            write(arena, "A.npy", 3, -2, -1, H);
            write(arena, "A3.npy", 3, -2, -1, 3);
            write(arena, "B.npy", 4, -1, 1, B, L, G, N);
            write(arena, "B3.npy", 4, -1, 1, B, L, 3, N);
            write(arena, "C.npy", 5, -1, 1, B, L, G, N);
            write(arena, "D3.npy", 6, -1, 1, 3);
            write(arena, "s3.npy", 6, -1, 1, B, H, P, 3);
        }
        Npy.write(dir.resolve("cu.npy"), new int[] {0, 5, 23}, 3);
        Npy.write(dir.resolve("dint.npy"), new int[(int) (B * L * H)], B, L, H);
        List<String> args = new ArrayList<>(List.of("run", "ssd", "--x", p("x.npy"), "--dt", p("dt.npy"), "--A",
                p("A.npy"), "--B", p("B.npy"), "--C", p("C.npy"), "--out", p("o.npy")));
        String[] parts = extra.strip().split(" +");
        for (int i = 0; i + 1 < parts.length; i += 2) {
            int at = args.indexOf(parts[i]);
            String value = parts[i + 1].endsWith(".npy") ? p(parts[i + 1]) : parts[i + 1];
            if (at >= 0) args.set(at + 1, value);
            else args.addAll(List.of(parts[i], value));
        }
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals(1, r.errLines().size(), "exactly one stderr line: " + r);
        assertTrue(r.errLines().get(0).startsWith("panamax: " + expected), r.errLines().get(0));
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        assertFalse(Files.exists(dir.resolve("o.npy")), "no output left behind");
    }

    private Tensor write(Arena arena, String name, long seed, double lo, double hi, long... shape) throws IOException {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < t.elementCount(); i++) {
            t.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (lo + (hi - lo) * r.nextDouble()));
        }
        Npy.write(dir.resolve(name), DType.F32, t.shape(), t.segment());
        return t;
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }
}
