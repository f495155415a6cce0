package dev.panamax.bench.npy;

import dev.panamax.DType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads and writes NumPy .npy files of float32 and int32 in C order. Reading
 * maps the file into memory owned by the caller's {@link Arena}, so the data
 * reaches native code without a copy; writing can map the output file too, so
 * a kernel writes its result straight into it.
 */
public final class Npy {
    /** The .npy dtypes are little-endian; the mapped bytes are used as native values. */
    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private Npy() {
    }

    /**
     * Maps {@code path} read-only into {@code arena}. The data is copied (into
     * the same arena) only when the header leaves it misaligned for its dtype.
     *
     * @throws NpyFormatException          when the file is not an accepted .npy array (message names the file)
     * @throws java.nio.file.NoSuchFileException when it does not exist
     */
    public static NpyArray map(Path path, Arena arena) throws IOException {
        requireLittleEndianHost();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            NpyHeader header;
            try {
                header = NpyHeader.read(ch);
            } catch (NpyFormatException e) {
                throw new NpyFormatException(path + ": " + e.getMessage());
            }
            long size = ch.size();
            long expected = header.dataOffset() + header.dataBytes();
            if (size != expected) {
                throw new NpyFormatException(path + ": " + NpyHeader.formatShape(header.shape()) + " "
                        + header.dtype() + " needs " + header.dataBytes() + " data bytes but the file holds "
                        + (size - header.dataOffset()) + (size < expected ? " (truncated?)" : ""));
            }
            MemorySegment data;
            if (header.dataBytes() == 0) {
                data = arena.allocate(0, NpyHeader.ALIGNMENT);
            } else if (header.dataOffset() % header.dtype().byteSize() == 0) {
                data = ch.map(FileChannel.MapMode.READ_ONLY, header.dataOffset(), header.dataBytes(), arena);
            } else {
                MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                data = arena.allocate(header.dataBytes(), NpyHeader.ALIGNMENT)
                        .copyFrom(mapped.asSlice(header.dataOffset()));
            }
            return new NpyArray(path, header, data);
        }
    }

    /**
     * Creates (or replaces) {@code path} with a header for {@code dtype} and
     * {@code shape} and maps its zero-filled data read-write into {@code arena}:
     * whatever is written to the returned segment lands in the file.
     */
    public static NpyArray create(Path path, DType dtype, long[] shape, Arena arena) throws IOException {
        requireLittleEndianHost();
        byte[] header = NpyHeader.encode(dtype, shape);
        NpyHeader parsed = new NpyHeader(dtype, shape, header.length);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            writeFully(ch, ByteBuffer.wrap(header));
            long size = header.length + parsed.dataBytes();
            MemorySegment data;
            if (parsed.dataBytes() == 0) {
                data = arena.allocate(0, NpyHeader.ALIGNMENT);
            } else {
                // Extends the file (with zeros) to its full size before mapping.
                ch.write(ByteBuffer.allocate(1), size - 1);
                data = ch.map(FileChannel.MapMode.READ_WRITE, header.length, parsed.dataBytes(), arena);
            }
            return new NpyArray(path, parsed, data);
        }
    }

    /** Writes {@code data} (exactly the bytes of {@code shape} elements of {@code dtype}) to {@code path}. */
    public static void write(Path path, DType dtype, long[] shape, MemorySegment data) throws IOException {
        requireLittleEndianHost();
        byte[] header = NpyHeader.encode(dtype, shape);
        long bytes = new NpyHeader(dtype, shape, header.length).dataBytes();
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException("data has " + data.byteSize() + " bytes, shape "
                    + NpyHeader.formatShape(shape) + " of " + dtype + " needs " + bytes);
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeFully(ch, ByteBuffer.wrap(header));
            // Staged through a byte[]: heap segments over float[]/int[] have no ByteBuffer view.
            byte[] staging = new byte[(int) Math.min(bytes, 1 << 20)];
            MemorySegment stagingSegment = MemorySegment.ofArray(staging);
            for (long offset = 0; offset < bytes; offset += staging.length) {
                int n = (int) Math.min(staging.length, bytes - offset);
                MemorySegment.copy(data, offset, stagingSegment, 0, n);
                writeFully(ch, ByteBuffer.wrap(staging, 0, n));
            }
        }
    }

    public static void write(Path path, float[] data, long... shape) throws IOException {
        write(path, DType.F32, shape, MemorySegment.ofArray(data));
    }

    public static void write(Path path, int[] data, long... shape) throws IOException {
        write(path, DType.I32, shape, MemorySegment.ofArray(data));
    }

    /** Reads a float32 file into a heap array. */
    public static float[] readFloats(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            NpyArray a = map(path, arena);
            requireDType(a, DType.F32);
            return a.data().toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    /** Reads an int32 file into a heap array. */
    public static int[] readInts(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            NpyArray a = map(path, arena);
            requireDType(a, DType.I32);
            return a.data().toArray(ValueLayout.JAVA_INT);
        }
    }

    private static void requireDType(NpyArray a, DType dtype) {
        if (a.dtype() != dtype) {
            throw new NpyFormatException(a.path() + ": expected " + dtype + ", found " + a.describe());
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static void requireLittleEndianHost() {
        if (!NATIVE_LITTLE_ENDIAN) {
            throw new UnsupportedOperationException(".npy support assumes a little-endian host");
        }
    }
}
