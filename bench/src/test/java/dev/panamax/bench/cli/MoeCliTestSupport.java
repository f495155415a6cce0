package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.DType;
import dev.panamax.RouterOutputs;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.Npy;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The inputs, reference comparisons and bad-input runner of the {@code run moe} and {@code run moe-router} tests. */
abstract class MoeCliTestSupport {
    static final long T = 37, D = 12, H = 9, E = 5;

    @TempDir
    Path dir;

    /** indices, dropped, counts exactly; weights and the losses to float precision. */
    static void compareRouter(Path dir, RouterOutputs want, int k, boolean drops) throws IOException {
        assertArrayEquals(want.indices().toIntArray(), Npy.readInts(dir.resolve("i.npy")), "indices");
        compare("weights", Npy.readFloats(dir.resolve("w.npy")), want.weights().toDoubleArray(), 1e-6);
        if (Files.exists(dir.resolve("c.npy"))) {
            assertArrayEquals(want.counts().toIntArray(), Npy.readInts(dir.resolve("c.npy")), "counts");
        }
        if (Files.exists(dir.resolve("d.npy"))) {
            byte[] dropped = readBytes(dir.resolve("d.npy"), T, k);
            assertArrayEquals(want.dropped().toByteArray(), dropped, "dropped");
            int n = 0;
            for (byte b : dropped) n += b;
            assertEquals(drops, n > 0, "some assignments dropped only with a capacity factor: " + n);
        }
        if (Files.exists(dir.resolve("aux.npy"))) {
            compare("aux loss", Npy.readFloats(dir.resolve("aux.npy")), want.auxLoss().toDoubleArray(), 1e-5);
        }
        if (Files.exists(dir.resolve("z.npy"))) {
            compare("z loss", Npy.readFloats(dir.resolve("z.npy")), want.zLoss().toDoubleArray(), 1e-5);
        }
    }

    /** The router outputs of the reference: float64 weights and losses. */
    static RouterOutputs referenceOutputs(Arena arena, int k) {
        return new RouterOutputs(Tensor.allocate(arena, DType.I32, T, k), Tensor.allocate(arena, DType.F64, T, k),
                Tensor.allocate(arena, DType.I32, E), Tensor.allocate(arena, DType.U8, T, k),
                Tensor.allocate(arena, DType.F64, 1), Tensor.allocate(arena, DType.F64, 1));
    }

    /** Within {@code tolerance} of the values' scale. */
    static void compare(String what, float[] got, double[] want, double tolerance) {
        assertEquals(want.length, got.length, what);
        double scale = 1e-30;
        for (double v : want) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < got.length; i++) {
            assertTrue(Math.abs(got[i] - want[i]) <= tolerance * scale,
                    what + "[" + i + "] = " + got[i] + ", reference " + want[i]);
        }
    }

    static byte[] readBytes(Path path, long... shape) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            var a = Npy.map(path, arena);
            assertEquals(DType.U8, a.dtype(), path.toString());
            assertArrayEquals(shape, a.shape(), path.toString());
            return a.data().toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** The inputs of the tests (and the bad variants of the exit-2 cases), written to {@code dir}. */
    void writeBadInputs() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            inputs(arena);
            write(dir, arena, "x5.npy", 20, -1, 1, 5, D);
            write(dir, arena, "w1e.npy", 21, -1, 1, E - 1, D, H);
            write(dir, arena, "w2h.npy", 22, -1, 1, E, H + 1, D);
            write(dir, arena, "w3d.npy", 23, -1, 1, E, D + 1, H);
            write(dir, arena, "wgd.npy", 24, -1, 1, D - 1, E);
            Tensor nan = write(dir, arena, "lnan.npy", 25, -2, 2, T, E);
            nan.setFloat(Float.NaN, 3, 1);
            Npy.write(dir.resolve("lnan.npy"), DType.F32, nan.shape(), nan.segment());
            Tensor xnan = write(dir, arena, "xnan.npy", 26, -1, 1, T, D);
            xnan.setFloat(Float.POSITIVE_INFINITY, 4, 7);
            Npy.write(dir.resolve("xnan.npy"), DType.F32, xnan.shape(), xnan.segment());
        }
        Npy.write(dir.resolve("lint.npy"), new int[(int) (T * E)], T, E);
    }

    /** Runs {@code base} with {@code extra} ("--flag value" pairs and lone switches) added or replacing. */
    void expectUsageError(List<String> base, String extra, String expected) {
        List<String> args = new ArrayList<>(base);
        String[] parts = extra.strip().split(" +");
        for (int i = 0; i < parts.length; i++) {
            String flag = parts[i];
            String value = i + 1 < parts.length && !parts[i + 1].startsWith("--") ? parts[++i] : null;
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
    }

    record Inputs(Tensor x, Tensor logits, Tensor gate, Tensor w1, Tensor w2, Tensor w3, Tensor b1, Tensor b2,
                  Tensor b3) {
    }

    /** x, logits, gate weight, w1 .. b3 in {@code dir}: l.npy, wg.npy, x.npy, w1.npy, ... */
    Inputs inputs(Arena arena) throws IOException {
        return new Inputs(write(dir, arena, "x.npy", 1, -1, 1, T, D), write(dir, arena, "l.npy", 2, -2, 2, T, E),
                write(dir, arena, "wg.npy", 3, -0.5, 0.5, D, E), write(dir, arena, "w1.npy", 4, -0.5, 0.5, E, D, H),
                write(dir, arena, "w2.npy", 5, -0.5, 0.5, E, H, D), write(dir, arena, "w3.npy", 6, -0.5, 0.5, E, D, H),
                write(dir, arena, "b1.npy", 7, -0.2, 0.2, E, H), write(dir, arena, "b2.npy", 8, -0.2, 0.2, E, D),
                write(dir, arena, "b3.npy", 9, -0.2, 0.2, E, H));
    }

    static Tensor write(Path dir, Arena arena, String name, long seed, double lo, double hi, long... shape)
            throws IOException {
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
}
