package dev.panamax.bench.cli;

import dev.panamax.bench.npy.Npy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input: exit 2, exactly one line on stderr naming the problem, no stack trace. */
class BadInputTest {
    @TempDir
    Path dir;

    @BeforeEach
    void inputs() throws IOException {
        Npy.write(dir.resolve("q.npy"), new float[2 * 3 * 4 * 8], 2, 3, 4, 8);
        Npy.write(dir.resolve("k.npy"), new float[2 * 5 * 2 * 8], 2, 5, 2, 8);
        Npy.write(dir.resolve("k3.npy"), new float[2 * 5 * 3 * 8], 2, 5, 3, 8);
        Npy.write(dir.resolve("q3.npy"), new float[3 * 4 * 8], 3, 4, 8);
        Npy.write(dir.resolve("ints.npy"), new int[] {0, 3}, 2);
        Npy.write(dir.resolve("kp3.npy"), new float[3 * 2 * 8], 3, 2, 8);
        // Well-formed int32 [B+1] whose contents only the native library checks: they decrease.
        Npy.write(dir.resolve("cu-decreasing.npy"), new int[] {0, 3, 1, 3}, 4);
        Files.writeString(dir.resolve("text.npy"), "this is not numpy");
        Files.write(dir.resolve("f8.npy"), numpyFloat64());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "run attention --q q.npy --k k.npy --v k.npy",                                  // missing --out
            "run attention --q q.npy --k k.npy --v k.npy --out o.npy --frobnicate",         // unknown option
            "run attention --q missing.npy --k k.npy --v k.npy --out o.npy",                // file not found
            "run attention --q text.npy --k k.npy --v k.npy --out o.npy",                   // not a .npy
            "run attention --q f8.npy --k k.npy --v k.npy --out o.npy",                     // float64
            "run attention --q ints.npy --k k.npy --v k.npy --out o.npy",                   // int32 as q
            "run attention --q q3.npy --k k.npy --v k.npy --out o.npy",                     // rank 3 without cu
            "run attention --q q.npy --k k3.npy --v k3.npy --out o.npy",                    // H not a multiple of Hkv
            "run attention --q q.npy --k k.npy --v k.npy --out o.npy --cu-seqlens-q ints.npy", // half varlen
            "run attention --q q.npy --k k.npy --v k.npy --out o.npy --scale nope",         // bad number
            "run attention --q q.npy --k k.npy --v k.npy --out q.npy",                      // overwrite input
            "run attention --q q.npy --k k.npy --v k.npy --out o.npy --threads -1",
            "run attention --q q3.npy --k kp3.npy --v kp3.npy --out o.npy --cu-seqlens-q cu-decreasing.npy "
                    + "--cu-seqlens-k cu-decreasing.npy",                                   // native check
            "run frobnicate",
            "run",
            "bench attention --n 0",
            "bench attention --heads 8 --kv-heads 3",
            "bench attention --csv nodir/x.csv",
            "demo --seq-len 3",
            "demo --linear-tokens 0",
            "nosuchcommand",
    })
    void exitsTwoWithOneLine(String command) {
        String[] args = command.split(" ");
        for (int i = 0; i < args.length; i++) {
            if (args[i].endsWith(".npy") || args[i].endsWith(".csv")) {
                args[i] = p(args[i]);
            }
        }
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals(1, r.errLines().size(), "exactly one stderr line: " + r);
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("panamax: "), line);
        assertFalse(line.contains("Exception"), "no exception class names: " + line);
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        assertFalse(Files.exists(dir.resolve("o.npy")), "no partial output left behind");
    }

    @Test
    void whatOnlyTheLibraryDetectsIsBadInputToo() {
        Cli.Result r = Cli.run("run", "attention", "--q", p("q3.npy"), "--k", p("kp3.npy"), "--v", p("kp3.npy"),
                "--out", p("o.npy"), "--cu-seqlens-q", p("cu-decreasing.npy"), "--cu-seqlens-k", p("cu-decreasing.npy"));
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.errLines().get(0).startsWith("panamax: INVALID_ARGUMENT: cu_seqlens_q: "), r.toString());
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }

    private static byte[] numpyFloat64() {
        String header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
        header = header + " ".repeat(128 - 10 - header.length() - 1) + "\n";
        byte[] out = new byte[128 + 8];
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0};
        System.arraycopy(magic, 0, out, 0, 10);
        System.arraycopy(header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, out, 10, header.length());
        return out;
    }
}
