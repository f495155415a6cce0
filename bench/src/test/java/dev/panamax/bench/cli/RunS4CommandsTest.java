package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.FftConv;
import dev.panamax.S4dKernel;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code panamax run s4-kernel} (complex64 .npy parameters) and {@code run fft-conv} (every method) end to end
 * against the float64 references, chained as an S4 layer is (kernel, then convolution), and bad input: exit 2,
 * one line naming the flag, no output left behind.
 */
class RunS4CommandsTest {
    private static final long CH = 6, NH = 4, B = 2, L = 45;

    @TempDir
    Path dir;

    @Test
    void kernelFromComplex64ThenEveryConvolutionMethod() throws IOException {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor a = random(arena, 1, -0.5, -0.01, CH, NH, 2), b = random(arena, 2, -1, 1, CH, NH, 2);
            Tensor c = random(arena, 3, -1, 1, CH, NH, 2), logDt = random(arena, 4, -6, -2, CH);
            writeComplex64("A.npy", a);
            writeComplex64("B.npy", b);
            writeComplex64("C.npy", c);
            write("log_dt.npy", logDt);
            Cli.Result r = Cli.run("run", "s4-kernel", "--A", p("A.npy"), "--B", p("B.npy"), "--C", p("C.npy"),
                    "--log-dt", p("log_dt.npy"), "--length", Long.toString(L), "--out", p("K.npy"), "--threads", "2");
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith("s4-kernel: "), r.toString());
            Tensor kRef = Tensor.allocate(arena, DType.F64, CH, L);
            S4dKernel.computeReference(ctx, a, b, c, logDt, kRef);
            float[] k = Npy.readFloats(dir.resolve("K.npy"));
            compare("K", k, kRef);

            Tensor u = random(arena, 5, -1, 1, B, L, CH), d = random(arena, 6, -1, 1, CH);
            write("u.npy", u);
            write("D.npy", d);
            Tensor kernel = Tensor.allocate(arena, DType.F32, CH, L);
            for (int i = 0; i < k.length; i++) kernel.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, k[i]);
            Tensor yRef = Tensor.allocate(arena, DType.F64, B, L, CH);
            FftConv.runReference(ctx, u, kernel, d, yRef);
            for (String method : List.of("auto", "fft", "direct")) {
                Cli.Result cr = Cli.run("run", "fft-conv", "--u", p("u.npy"), "--kernel", p("K.npy"), "--D", p("D.npy"),
                        "--out", p("y-" + method + ".npy"), "--method", method, "--threads", "2");
                assertEquals(0, cr.exitCode(), cr.toString());
                assertTrue(cr.out().startsWith("fft-conv: ") && cr.out().contains("method " + method), cr.toString());
                compare("y " + method, Npy.readFloats(dir.resolve("y-" + method + ".npy")), yRef);
            }
        }
    }

    /** Within 1e-5 of the largest |reference| (FFT rounding is relative to the output's scale). */
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
            "fft-conv  | --kernel K7.npy     | --kernel: shape[0] = 7 must be u's channel count C = 6",
            "fft-conv  | --D D3.npy          | --D: shape [3] must be [C] = [6]",
            "fft-conv  | --method fast       | ",
            "s4-kernel | --length -1         | --length: must be >= 0",
            "s4-kernel | --B B3.npy          | --B: shape",
            "s4-kernel | --log-dt D3.npy     | --log-dt: shape [3] must be [Ch] = [6]",
    })
    void badInputExitsTwoNamingTheFlag(String command, String extra, String expected) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            write("u.npy", random(arena, 1, -1, 1, B, L, CH));
            write("K.npy", random(arena, 2, -1, 1, CH, 5));
            write("K7.npy", random(arena, 2, -1, 1, 7, 5));
            write("D3.npy", random(arena, 3, -1, 1, 3));
            write("A.npy", random(arena, 4, -1, -0.1, CH, NH, 2));
            write("B.npy", random(arena, 5, -1, 1, CH, NH, 2));
            write("B3.npy", random(arena, 5, -1, 1, CH, 3, 2));
            write("log_dt.npy", random(arena, 6, -3, -1, CH));
        }
        List<String> args = new ArrayList<>(command.strip().equals("fft-conv")
                ? List.of("run", "fft-conv", "--u", p("u.npy"), "--kernel", p("K.npy"), "--out", p("o.npy"))
                : List.of("run", "s4-kernel", "--A", p("A.npy"), "--B", p("B.npy"), "--C", p("B.npy"), "--log-dt",
                        p("log_dt.npy"), "--length", "8", "--out", p("o.npy")));
        String[] parts = extra.strip().split(" +");
        int at = args.indexOf(parts[0]);
        String value = parts[1].endsWith(".npy") ? p(parts[1]) : parts[1];
        if (at >= 0) args.set(at + 1, value);
        else args.addAll(List.of(parts[0], value));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals(1, r.errLines().size(), "exactly one stderr line: " + r);
        String want = expected == null ? parts[0] : expected.strip();
        assertTrue(r.errLines().get(0).startsWith("panamax: ") && r.errLines().get(0).contains(want),
                r.errLines().get(0));
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        assertFalse(Files.exists(dir.resolve("o.npy")), "no output left behind");
    }

    private static Tensor random(Arena arena, long seed, double lo, double hi, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < t.elementCount(); i++) {
            t.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (lo + (hi - lo) * r.nextDouble()));
        }
        return t;
    }

    private void write(String name, Tensor t) throws IOException {
        Npy.write(dir.resolve(name), DType.F32, t.shape(), t.segment());
    }

    /** A float32 [..., 2] tensor as the complex64 .npy numpy writes for it (same bytes, shape without the 2). */
    private void writeComplex64(String name, Tensor t) throws IOException {
        long[] s = t.shape();
        String dict = "{'descr': '<c8', 'fortran_order': False, 'shape': (" + s[0] + ", " + s[1] + "), }";
        int pad = 64 - (10 + dict.length() + 1) % 64;
        String header = dict + " ".repeat(pad % 64) + "\n";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        bytes.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) header.length()).array());
        bytes.write(header.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer data = ByteBuffer.allocate((int) (t.elementCount() * 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < t.elementCount(); i++) data.putFloat(t.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i));
        bytes.write(data.array());
        Files.write(dir.resolve(name), bytes.toByteArray());
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }
}
