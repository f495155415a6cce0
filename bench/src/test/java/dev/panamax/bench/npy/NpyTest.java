package dev.panamax.bench.npy;

import dev.panamax.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {
    @TempDir
    Path dir;

    @Test
    void float32RoundTrip() throws IOException {
        float[] data = new float[2 * 3 * 5];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) Math.sin(i) * 1000 + i;
        }
        data[7] = Float.NaN;
        data[8] = Float.NEGATIVE_INFINITY;
        Path file = dir.resolve("a.npy");
        Npy.write(file, data, 2, 3, 5);
        assertEquals(0, (Files.size(file) - data.length * 4L) % 64, "header padded to 64 bytes");
        try (Arena arena = Arena.ofConfined()) {
            NpyArray a = Npy.map(file, arena);
            assertEquals(DType.F32, a.dtype());
            assertArrayEquals(new long[] {2, 3, 5}, a.shape());
            assertEquals(0, a.header().dataOffset() % 64);
            assertArrayEquals(data, a.data().toArray(ValueLayout.JAVA_FLOAT));
        }
        assertArrayEquals(data, Npy.readFloats(file));
    }

    @Test
    void int32RoundTrip() throws IOException {
        int[] data = {0, 5, -7, Integer.MAX_VALUE, Integer.MIN_VALUE, 42};
        Path file = dir.resolve("i.npy");
        Npy.write(file, data, 6);
        assertArrayEquals(data, Npy.readInts(file));
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(DType.I32, Npy.map(file, arena).dtype());
        }
    }

    @Test
    void oneElementAndScalarShapes() throws IOException {
        Path one = dir.resolve("one.npy");
        Npy.write(one, new float[] {3.5f}, 1);
        assertArrayEquals(new float[] {3.5f}, Npy.readFloats(one));
        assertTrue(headerText(one).contains("'shape': (1,)"), headerText(one));

        Path scalar = dir.resolve("scalar.npy");
        Npy.write(scalar, new float[] {-2f});
        assertTrue(headerText(scalar).contains("'shape': ()"));
        assertArrayEquals(new float[] {-2f}, Npy.readFloats(scalar));
    }

    @Test
    void createMapsAWritableFile() throws IOException {
        Path file = dir.resolve("c.npy");
        try (Arena arena = Arena.ofConfined()) {
            NpyArray a = Npy.create(file, DType.F32, new long[] {4, 2}, arena);
            for (int i = 0; i < 8; i++) {
                a.data().setAtIndex(ValueLayout.JAVA_FLOAT, i, i * 0.5f);
            }
        }
        assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f}, Npy.readFloats(file));
    }

    /** The exact bytes numpy 1.x/2.x write for np.save(f, np.arange(3, dtype=np.float32)). */
    @Test
    void readsWhatNumpyWrites() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
        Path file = dir.resolve("np.npy");
        writeRaw(file, 1, dict, 64, 0, new float[] {0, 1, 2});
        assertArrayEquals(new float[] {0, 1, 2}, Npy.readFloats(file));
        // Version 2.0, different key order, double quotes, no trailing comma, misaligned data (copied).
        String dict2 = "{\"shape\": (1, 2), \"fortran_order\": False, \"descr\": \"<f4\"}";
        Path file2 = dir.resolve("np2.npy");
        writeRaw(file2, 2, dict2, 4, 2, new float[] {4, 5});
        assertArrayEquals(new float[] {4, 5}, Npy.readFloats(file2));
    }

    /** complex64 is read as float32 with a trailing (re, im) dimension: the same bytes. */
    @Test
    void readsComplex64AsFloatPairs() throws IOException {
        Path file = dir.resolve("c.npy");
        writeRaw(file, 1, "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 64, 0, new float[] {1, 2, 3, 4});
        assertArrayEquals(new float[] {1, 2, 3, 4}, Npy.readFloats(file));
        assertArrayEquals(new long[] {2, 2}, Npy.map(file, java.lang.foreign.Arena.ofAuto()).shape());
    }

    @Test
    void rejectsWhatItCannotRead() throws IOException {
        assertRejected(bytes("not numpy at all"), "magic");
        assertRejected(raw(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", new byte[8]), "'<f8'");
        assertRejected(raw(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]), "big-endian");
        assertRejected(raw(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]), "Fortran");
        assertRejected(raw(1, "{'descr': '<f4', 'shape': (1,), }", new byte[4]), "fortran_order");
        assertRejected(raw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': [1], }", new byte[4]), "malformed");
        assertRejected(raw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", new byte[8]), "truncated");
        assertRejected(raw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[8]), "data bytes");
        assertRejected(raw(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]),
                "malformed");
        assertRejected(raw(9, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]), "version 9");
        byte[] cut = Arrays.copyOf(raw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[0]), 20);
        assertRejected(cut, "file ends inside the header");
    }

    private void assertRejected(byte[] content, String expected) throws IOException {
        Path file = Files.createTempFile(dir, "bad", ".npy");
        Files.write(file, content);
        try (Arena arena = Arena.ofConfined()) {
            NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.map(file, arena));
            assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' lacks '" + expected + "'");
            assertTrue(e.getMessage().startsWith(file.toString()), "message names the file: " + e.getMessage());
            assertTrue(IllegalArgumentException.class.isInstance(e));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] raw(int major, String dict, byte[] data) {
        String padded = dict + "\n";
        int pre = major == 1 ? 10 : 12;
        byte[] out = new byte[pre + padded.length() + data.length];
        System.arraycopy(NpyHeader.MAGIC, 0, out, 0, 6);
        out[6] = (byte) major;
        out[7] = 0;
        int len = padded.length();
        out[8] = (byte) len;
        out[9] = (byte) (len >> 8);
        if (major != 1) {
            out[10] = (byte) (len >> 16);
            out[11] = (byte) (len >> 24);
        }
        System.arraycopy(bytes(padded), 0, out, pre, len);
        System.arraycopy(data, 0, out, pre + len, data.length);
        return out;
    }

    /** Pads the header so the data offset is {@code remainder} modulo {@code align}. */
    private static void writeRaw(Path file, int major, String dict, int align, int remainder, float[] values)
            throws IOException {
        int pre = major == 1 ? 10 : 12;
        StringBuilder header = new StringBuilder(dict);
        while ((pre + header.length() + 1) % align != remainder) {
            header.append(' ');
        }
        byte[] data = new byte[values.length * 4];
        java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
        Files.write(file, raw(major, header.toString(), data));
    }

    private static String headerText(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).substring(10, 64);
    }
}
