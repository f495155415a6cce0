package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.SelectiveScan;
import dev.panamax.SelectiveScanOptions;
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
 * {@code panamax run selective-scan} and {@code selective-scan-step} end to end through .npy files against
 * the float64 reference, and bad input: exit 2, one line naming the flag, no output left behind.
 */
class RunSelectiveScanCommandTest {
    private static final long B = 2, L = 19, DM = 12, NS = 8, G = 3;

    @TempDir
    Path dir;

    @Test
    void everyOptionAgainstTheReference() throws IOException {
        check(false, List.of("--D", "D.npy", "--z", "z.npy", "--delta-bias", "bias.npy", "--delta-softplus",
                "--state-in", "s0.npy", "--state-out", "s1.npy", "--chunk", "5"));
    }

    @Test
    void plainScan() throws IOException {
        check(false, List.of());
    }

    @Test
    void oneStep() throws IOException {
        check(true, List.of("--D", "D.npy", "--delta-softplus", "--state-in", "s0.npy", "--state-out", "s1.npy"));
    }

    /** Writes the inputs, runs the command with {@code flags}, compares out (and the state) with the reference. */
    private void check(boolean step, List<String> flags) throws IOException {
        long[] tok = step ? new long[] {B, DM} : new long[] {B, L, DM};
        long[] grp = step ? new long[] {B, G, NS} : new long[] {B, L, G, NS};
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            // dt in Mamba's range: softplus of [-4, -1], or [0.01, 0.3] as it is.
            boolean softplus = flags.contains("--delta-softplus");
            Tensor u = write(arena, "u.npy", 1, -1, 1, tok);
            Tensor delta = write(arena, "delta.npy", 2, softplus ? -4 : 0.01, softplus ? -1 : 0.3, tok);
            Tensor a = write(arena, "A.npy", 3, -6, -0.5, DM, NS);
            Tensor b = write(arena, "B.npy", 4, -1, 1, grp), c = write(arena, "C.npy", 5, -1, 1, grp);
            Tensor d = write(arena, "D.npy", 6, -1, 1, DM), z = write(arena, "z.npy", 7, -2, 2, tok);
            Tensor bias = write(arena, "bias.npy", 8, -0.5, 0.5, DM), s0 = write(arena, "s0.npy", 9, -1, 1, B, DM, NS);
            List<String> args = new ArrayList<>(List.of("run", step ? "selective-scan-step" : "selective-scan", "--u",
                    p("u.npy"), "--delta", p("delta.npy"), "--A", p("A.npy"), "--B", p("B.npy"), "--C", p("C.npy"),
                    "--out", p("out.npy"), "--threads", "2"));
            for (String f : flags) args.add(f.endsWith(".npy") ? p(f) : f);
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith(step ? "selective-scan-step: " : "selective-scan: "), r.toString());

            SelectiveScanOptions.Builder o = SelectiveScanOptions.builder();
            if (flags.contains("D.npy")) o.d(d);
            if (flags.contains("z.npy")) o.z(z);
            if (flags.contains("bias.npy")) o.deltaBias(bias);
            if (flags.contains("s0.npy")) o.stateIn(s0);
            o.deltaSoftplus(flags.contains("--delta-softplus"));
            Tensor ref = Tensor.allocate(arena, DType.F64, tok);
            Tensor refState = Tensor.allocate(arena, DType.F64, B, DM, NS);
            if (step) {
                // The reference has no step form: a one-token scan is the same recurrence.
                Tensor u1 = Tensor.wrap(u.segment(), DType.F32, B, 1, DM);
                Tensor d1 = Tensor.wrap(delta.segment(), DType.F32, B, 1, DM);
                Tensor b1 = Tensor.wrap(b.segment(), DType.F32, B, 1, G, NS);
                Tensor c1 = Tensor.wrap(c.segment(), DType.F32, B, 1, G, NS);
                if (flags.contains("z.npy")) o.z(Tensor.wrap(z.segment(), DType.F32, B, 1, DM));
                SelectiveScan.runReference(ctx, u1, d1, a, b1, c1, o.build(),
                        Tensor.wrap(ref.segment(), DType.F64, B, 1, DM), refState);
            } else {
                SelectiveScan.runReference(ctx, u, delta, a, b, c, o.build(), ref, refState);
            }
            compare("out", Npy.readFloats(dir.resolve("out.npy")), ref);
            if (flags.contains("s1.npy")) compare("state", Npy.readFloats(dir.resolve("s1.npy")), refState);
        }
    }

    /** fp32 recurrence over at most 19 tokens: within 1e-5 of the values' scale (observed ~1e-7). */
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
            "--A A3.npy                         | --A: shape[0] = 3 must be Dm = 12",
            "--B B5.npy                         | --B: the group count G = 5",
            "--D D3.npy                         | --D: shape [3] must be [Dm] = [12]",
            "--state-in s3.npy                  | --state-in: shape",
            "--chunk -2                         | --chunk: must be >= 0",
            "--cu-seqlens cu.npy                | --u ",
            "--delta dint.npy                   | --delta ",
            "--z missing.npy                    | --z ",
    })
    void badInputExitsTwoNamingTheFlag(String extra, String expected) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            write(arena, "u.npy", 1, -1, 1, B, L, DM);
            write(arena, "delta.npy", 2, -1, 1, B, L, DM);
            write(arena, "A.npy", 3, -2, -1, DM, NS);
            write(arena, "A3.npy", 3, -2, -1, 3, NS);
            write(arena, "B.npy", 4, -1, 1, B, L, G, NS);
            write(arena, "B5.npy", 4, -1, 1, B, L, 5, NS);
            write(arena, "C.npy", 5, -1, 1, B, L, G, NS);
            write(arena, "D3.npy", 6, -1, 1, 3);
            write(arena, "s3.npy", 6, -1, 1, B, DM, 3);
        }
        Npy.write(dir.resolve("cu.npy"), new int[] {0, 5, 19}, 3);
        Npy.write(dir.resolve("dint.npy"), new int[(int) (B * L * DM)], B, L, DM);
        List<String> args = new ArrayList<>(List.of("run", "selective-scan", "--u", p("u.npy"), "--delta",
                p("delta.npy"), "--A", p("A.npy"), "--B", p("B.npy"), "--C", p("C.npy"), "--out", p("o.npy")));
        String[] parts = extra.strip().split(" +");
        // A flag given twice: the later value replaces the default one above.
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
