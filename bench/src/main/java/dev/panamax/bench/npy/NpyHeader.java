package dev.panamax.bench.npy;

import dev.panamax.DType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The header of a .npy file (format versions 1.0, 2.0 and 3.0): dtype, shape
 * and where the data starts. Only little-endian float32 ({@code '<f4'}),
 * int32 ({@code '<i4'}) and uint8 ({@code '|u1'}) in C order are accepted, and
 * complex64 ({@code '<c8'}), read as float32 with a trailing dimension of 2
 * (real, imaginary): the same bytes, as {@code torch.view_as_real} sees them.
 *
 * @param dtype      {@link DType#F32} or {@link DType#I32}
 * @param shape      dimensions, C order; empty for a scalar
 * @param dataOffset bytes from the start of the file to the first element
 */
public record NpyHeader(DType dtype, long[] shape, long dataOffset) {

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy pads the header so the data starts on this boundary. */
    static final int ALIGNMENT = 64;
    private static final int MAX_HEADER_BYTES = 1 << 20;
    private static final Set<String> KEYS = Set.of("descr", "fortran_order", "shape");

    public NpyHeader {
        shape = shape.clone();
        if (dtype != DType.F32 && dtype != DType.I32 && dtype != DType.U8) {
            throw new IllegalArgumentException("only F32, I32 and U8 .npy files are supported, not " + dtype);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        return count;
    }

    public long dataBytes() {
        return Math.multiplyExact(elementCount(), dtype.byteSize());
    }

    /** The shape as Python prints it: {@code (2, 3)}, {@code (5,)}, {@code ()}. */
    public static String formatShape(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
    }

    /** Reads and validates the header from the start of {@code in}, leaving it positioned at the data. */
    public static NpyHeader read(ReadableByteChannel in) throws IOException {
        ByteBuffer preamble = readFully(in, 8, "the magic string");
        byte[] magic = new byte[MAGIC.length];
        preamble.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new NpyFormatException("not a .npy file (no \\x93NUMPY magic string)");
        }
        int major = Byte.toUnsignedInt(preamble.get());
        int minor = Byte.toUnsignedInt(preamble.get());
        long headerLength;
        int preambleLength;
        if (major == 1) {
            headerLength = Short.toUnsignedInt(readFully(in, 2, "the header length").getShort());
            preambleLength = 10;
        } else if (major == 2 || major == 3) {
            headerLength = Integer.toUnsignedLong(readFully(in, 4, "the header length").getInt());
            preambleLength = 12;
        } else {
            throw new NpyFormatException("unsupported .npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new NpyFormatException("header length " + headerLength + " is implausibly large");
        }
        ByteBuffer raw = readFully(in, (int) headerLength, "the header");
        String text = (major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).decode(raw).toString();
        return parse(text, preambleLength + headerLength);
    }

    static NpyHeader parse(String text, long dataOffset) {
        Map<String, Object> dict = PyLiteral.parseDict(text);
        for (String key : dict.keySet()) {
            if (!KEYS.contains(key)) {
                throw new NpyFormatException("unexpected header key '" + key + "'");
            }
        }
        for (String key : KEYS) {
            if (!dict.containsKey(key)) {
                throw new NpyFormatException("header has no '" + key + "'");
            }
        }
        if (!(dict.get("descr") instanceof String descr)) {
            throw new NpyFormatException("header 'descr' is not a string (structured dtypes are not supported)");
        }
        boolean complex = descr.equals("<c8");
        DType dtype = complex ? DType.F32 : dtypeOf(descr);
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new NpyFormatException("header 'fortran_order' is not True or False");
        }
        if (fortran) {
            throw new NpyFormatException("Fortran-order arrays are not supported (save with np.ascontiguousarray)");
        }
        if (!(dict.get("shape") instanceof List<?> dims)) {
            throw new NpyFormatException("header 'shape' is not a tuple");
        }
        long[] shape = new long[dims.size() + (complex ? 1 : 0)];
        if (complex) shape[shape.length - 1] = 2;
        for (int i = 0; i < dims.size(); i++) {
            shape[i] = (Long) dims.get(i);
            if (shape[i] < 0) {
                throw new NpyFormatException("negative dimension in shape " + dims);
            }
        }
        NpyHeader header = new NpyHeader(dtype, shape, dataOffset);
        try {
            header.dataBytes();
        } catch (ArithmeticException e) {
            throw new NpyFormatException("shape " + formatShape(shape) + " overflows 64-bit sizes");
        }
        return header;
    }

    private static DType dtypeOf(String descr) {
        switch (descr) {
            case "<f4":
                return DType.F32;
            case "<i4":
                return DType.I32;
            case "|u1":
                return DType.U8;
            default:
                String hint = switch (descr) {
                    case "<f8" -> " (float64: convert with .astype(np.float32))";
                    case "<f2" -> " (float16: convert with .astype(np.float32))";
                    case "<i8" -> " (int64: convert with .astype(np.int32))";
                    case "|b1" -> " (bool: convert with .astype(np.uint8))";
                    case ">f4", ">i4" -> " (big-endian: convert with .astype('<" + descr.substring(1) + "'))";
                    default -> "";
                };
                throw new NpyFormatException("unsupported dtype '" + descr + "'" + hint
                        + "; supported: '<f4' (float32), '<c8' (complex64, read as float32 [..., 2]), '<i4' (int32) and '|u1' (uint8)");
        }
    }

    /**
     * The bytes of a version 1.0 header (2.0 when the dict is too long), padded
     * with spaces and a newline so the data starts on a 64-byte boundary.
     */
    public static byte[] encode(DType dtype, long[] shape) {
        String descr = switch (dtype) {
            case F32 -> "<f4";
            case I32 -> "<i4";
            case U8 -> "|u1";
            default -> throw new IllegalArgumentException("only F32, I32 and U8 can be written to .npy, not " + dtype);
        };
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + formatShape(shape) + ", }";
        int preamble = dict.length() + 1 + 10 <= 0xFFFF ? 10 : 12;
        int total = roundUp(preamble + dict.length() + 1, ALIGNMENT);
        int headerLength = total - preamble;
        ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) (preamble == 10 ? 1 : 2)).put((byte) 0);
        if (preamble == 10) {
            out.putShort((short) headerLength);
        } else {
            out.putInt(headerLength);
        }
        out.put(dict.getBytes(StandardCharsets.ISO_8859_1));
        while (out.position() < total - 1) {
            out.put((byte) ' ');
        }
        out.put((byte) '\n');
        return out.array();
    }

    private static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    private static ByteBuffer readFully(ReadableByteChannel in, int bytes, String what) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (in.read(buf) < 0) {
                throw new NpyFormatException("file ends inside " + what + " (truncated or not a .npy file)");
            }
        }
        return buf.flip();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyHeader h && h.dtype == dtype && Arrays.equals(h.shape, shape) && h.dataOffset == dataOffset;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Long.hashCode(dataOffset);
    }

    @Override
    public String toString() {
        return dtype + formatShape(shape) + "@" + dataOffset;
    }
}
