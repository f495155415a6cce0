package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.Npy;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The inputs, reference comparisons and bad-input runner of the {@code run linear-attention},
 * {@code linear-attention-step} and {@code linear-recurrence} tests: B = 2 sequences of N = 23 tokens, H = 4 query
 * heads over Hkv = 2 key/value heads, Dk = 5, Dv = 6 (odd, not powers of two).
 */
abstract class LinearCliTestSupport {
    static final long B = 2, N = 23, H = 4, HKV = 2, DK = 5, DV = 6;

    @TempDir
    Path dir;

    /** {@code run <command> --help} lists each of {@code flags} (the names). */
    static void helpLists(String command, List<String> flags) {
        Cli.Result r = Cli.run("run", command, "--help");
        assertEquals(0, r.exitCode(), r.toString());
        for (String flag : flags) {
            assertTrue(r.out().contains(flag + "=") || r.out().contains(flag + " "), flag + " in " + r.out());
        }
    }

    /** A float32 file of uniform values in [lo, hi) from {@code seed}, and the same values as a tensor. */
    Tensor write(Arena arena, String name, long seed, double lo, double hi, long... shape) throws IOException {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < t.elementCount(); i++) {
            t.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (lo + (hi - lo) * r.nextDouble()));
        }
        Npy.write(dir.resolve(name), DType.F32, t.shape(), t.segment());
        return t;
    }

    String p(String name) {
        return dir.resolve(name).toString();
    }

    /** {@code base} with {@code flags} added, file names resolved in {@code dir}. */
    List<String> args(List<String> base, List<String> flags) {
        List<String> args = new ArrayList<>();
        for (String f : base) args.add(f.endsWith(".npy") ? p(f) : f);
        for (String f : flags) args.add(f.endsWith(".npy") ? p(f) : f);
        return args;
    }

    /** The float32 file {@code name} has {@code ref}'s shape and is within {@code tolerance} of its scale. */
    void compare(String name, Tensor ref, double tolerance) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            var a = Npy.map(dir.resolve(name), arena);
            assertEquals(DType.F32, a.dtype(), name);
            assertArrayEquals(ref.shape(), a.shape(), name + ": shape");
        }
        float[] got = Npy.readFloats(dir.resolve(name));
        double[] want = ref.toDoubleArray();
        assertEquals(want.length, got.length, name);
        double scale = 1e-30;
        for (double v : want) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < got.length; i++) {
            assertTrue(Math.abs(got[i] - want[i]) <= tolerance * scale,
                    name + "[" + i + "] = " + got[i] + ", reference " + want[i] + " (scale " + scale + ")");
        }
    }

    /**
     * Runs {@code base} with {@code extra} ("--flag value" pairs and lone switches, "-" removing a flag and its
     * value: "- --q") added or replacing, and expects exit 2 with one stderr line starting with
     * {@code "panamax: " + expected}, no stack trace, and none of {@code outputs} left behind.
     */
    void expectUsageError(List<String> base, String extra, String expected, String... outputs) {
        List<String> args = new ArrayList<>();
        for (String f : base) args.add(f.endsWith(".npy") ? p(f) : f);
        String[] parts = extra.strip().split(" +");
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].equals("-")) {
                int at = args.indexOf(parts[++i]);
                args.remove(at);
                if (at < args.size() && !args.get(at).startsWith("--")) args.remove(at);
                continue;
            }
            String flag = parts[i];
            String value = i + 1 < parts.length && !parts[i + 1].startsWith("--") && !parts[i + 1].equals("-")
                    ? parts[++i] : null;
            if (value != null && value.endsWith(".npy")) value = p(value);
            int at = args.indexOf(flag);
            if (at >= 0 && value != null) {
                args.set(at + 1, value);
            } else {
                args.add(flag);
                if (value != null) args.add(value);
            }
        }
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals(1, r.errLines().size(), "exactly one stderr line: " + r);
        assertTrue(r.errLines().get(0).startsWith("panamax: " + expected), r.errLines().get(0));
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        for (String o : outputs) assertFalse(Files.exists(dir.resolve(o)), o + ": no output left behind");
    }
}
