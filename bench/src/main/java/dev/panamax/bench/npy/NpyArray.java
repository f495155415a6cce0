package dev.panamax.bench.npy;

import dev.panamax.DType;
import dev.panamax.Tensor;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * An array from (or for) a .npy file: its header and the data, usually the
 * file itself memory-mapped, so wrapping it as a {@link Tensor} copies nothing.
 *
 * @param path   the file, for messages
 * @param header dtype and shape
 * @param data   exactly {@code header.dataBytes()} bytes, little-endian, C order
 */
public record NpyArray(Path path, NpyHeader header, MemorySegment data) {

    public DType dtype() {
        return header.dtype();
    }

    public long[] shape() {
        return header.shape();
    }

    public int rank() {
        return header.shape().length;
    }

    /** A zero-copy, contiguous tensor view of the data. */
    public Tensor tensor() {
        return Tensor.wrap(data, header.dtype(), header.shape());
    }

    /** "F32 (2, 3)" style description for messages. */
    public String describe() {
        String type = switch (dtype()) {
            case F32 -> "float32 ";
            case I32 -> "int32 ";
            default -> "uint8 ";
        };
        return type + NpyHeader.formatShape(header.shape());
    }
}
