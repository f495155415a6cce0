package dev.panamax.bench.cli;

import dev.panamax.DType;
import dev.panamax.bench.npy.Npy;
import dev.panamax.bench.npy.NpyArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The .npy handling every {@code run <op>} shares. */
class NpyIoTest {
    @TempDir
    Path dir;

    @Test
    void inputsAreMappedNotCopied() throws IOException {
        Path x = dir.resolve("x.npy");
        Npy.write(x, new float[] {1.5f, -2, 3, 4.25f, 5, 6}, 2, 3);
        try (NpyIo files = new NpyIo()) {
            NpyArray a = files.input("--x", x, DType.F32, 2);
            assertTrue(a.data().isMapped(), "the file itself, memory-mapped");
            assertArrayEquals(new long[] {2, 3}, a.shape());
            assertEquals(4.25f, a.data().getAtIndex(ValueLayout.JAVA_FLOAT, 3));
        }
    }

    @Test
    void committedOutputsAreWrittenThroughTheMapping() throws IOException {
        Path y = dir.resolve("y.npy");
        try (NpyIo files = new NpyIo()) {
            NpyArray out = files.output("--y", y, DType.F32, 3, 1);
            assertTrue(out.data().isMapped());
            out.data().setAtIndex(ValueLayout.JAVA_FLOAT, 2, 7.5f);
            files.commit();
        }
        assertArrayEquals(new float[] {0, 0, 7.5f}, Npy.readFloats(y));
    }

    @Test
    void uncommittedOutputsAreDeleted() throws IOException {
        Path y = dir.resolve("y.npy");
        Path z = dir.resolve("z.npy");
        try (NpyIo files = new NpyIo()) {
            files.output("--y", y, DType.F32, 4);
            files.output("--z", z, DType.I32, 2, 2);
            assertTrue(Files.exists(y) && Files.exists(z));
        }
        assertFalse(Files.exists(y) || Files.exists(z), "a failed run leaves no output file");
    }

    @Test
    void zeroLengthDimensionsInAndOut() throws IOException {
        Path empty = dir.resolve("empty.npy");
        Npy.write(empty, new float[0], 0, 4, 8);
        Path out = dir.resolve("out.npy");
        try (NpyIo files = new NpyIo()) {
            NpyArray in = files.input("--q", empty, DType.F32, 3);
            assertArrayEquals(new long[] {0, 4, 8}, in.shape());
            assertEquals(0, in.data().byteSize());
            NpyArray o = files.output("--out", out, DType.F32, in.shape());
            assertEquals(0, o.data().byteSize());
            files.commit();
        }
        try (NpyIo files = new NpyIo()) {
            assertArrayEquals(new long[] {0, 4, 8}, files.input("--out", out, DType.F32, 3).shape());
        }
    }

    @Test
    void badInputsGetOneLineNamingTheOption() throws IOException {
        Path ints = dir.resolve("ints.npy");
        Npy.write(ints, new int[] {0, 3}, 2);
        Files.writeString(dir.resolve("text.npy"), "not numpy");
        try (NpyIo files = new NpyIo()) {
            assertEquals("--q " + ints + ": expected float32 of rank 1 (a hint), got int32 (2,)",
                    rejected(() -> files.input("--q", ints, DType.F32, 1, " (a hint)")));
            assertEquals("--cu " + ints + ": expected int32 of rank 2, got int32 (2,)",
                    rejected(() -> files.input("--cu", ints, DType.I32, 2)));
            Path missing = dir.resolve("missing.npy");
            assertEquals("--k " + missing + ": file not found", rejected(() -> files.input("--k", missing, DType.F32, 1)));
            String notNpy = rejected(() -> files.input("--v", dir.resolve("text.npy"), DType.F32, 1));
            assertTrue(notNpy.startsWith("--v " + dir.resolve("text.npy") + ": ") && !notNpy.contains("\n"), notNpy);
        }
    }

    @Test
    void anOutputMayNotBeAnInputOrAnotherOutput() throws IOException {
        Path x = dir.resolve("x.npy");
        Npy.write(x, new int[] {1, 2}, 2);
        Path y = dir.resolve("y.npy");
        try (NpyIo files = new NpyIo()) {
            files.input("--x", x, DType.I32, 1);
            assertEquals("--out " + x + " is also an input; write it elsewhere",
                    rejected(() -> files.output("--out", x, DType.F32, 2)));
            files.output("--out", y, DType.F32, 2);
            Path sameAsY = dir.resolve("sub/../y.npy");
            assertEquals("--lse " + sameAsY + " is already another output",
                    rejected(() -> files.output("--lse", sameAsY, DType.F32, 2)));
        }
        assertArrayEquals(new int[] {1, 2}, Npy.readInts(x), "the input is untouched and not deleted");
    }

    private interface Call {
        void run() throws IOException;
    }

    private static String rejected(Call call) {
        return assertThrows(IllegalArgumentException.class, call::run).getMessage();
    }
}
