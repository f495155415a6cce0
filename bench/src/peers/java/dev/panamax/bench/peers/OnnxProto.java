package dev.panamax.bench.peers;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The few ONNX protobuf messages a one-node model needs, written by hand so the
 * peers need neither protoc nor the onnx Java classes.
 *
 * <p>Field numbers are those of {@code onnx/onnx.proto}: ModelProto (ir_version 1,
 * graph 7, opset_import 8, producer_name 2), GraphProto (node 1, name 2, input 11,
 * output 12), NodeProto (input 1, output 2, name 3, op_type 4, attribute 5,
 * domain 7), AttributeProto (name 1, f 2, i 3, s 4, type 20), ValueInfoProto (name 1,
 * type 2), TypeProto (tensor_type 1), TypeProto.Tensor (elem_type 1, shape 2),
 * TensorShapeProto (dim 1), TensorShapeProto.Dimension (dim_value 1,
 * dim_param 2), OperatorSetIdProto (domain 1, version 2).
 */
public final class OnnxProto {
    /** TensorProto.DataType values. */
    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;

    /** AttributeProto.AttributeType values. */
    private static final int ATTR_FLOAT = 1;
    private static final int ATTR_INT = 2;
    private static final int ATTR_STRING = 3;

    /** The IR version written: 8 (ONNX 1.10+), read by every ONNX Runtime since 1.10. */
    public static final long IR_VERSION = 8;
    /** Default-domain opset imported (IR 8 allows up to 17). */
    public static final long DEFAULT_OPSET = 17;
    /** The Microsoft contrib-op domain and the version its ops are registered at. */
    public static final String MS_DOMAIN = "com.microsoft";
    public static final long MS_OPSET = 1;

    private OnnxProto() {
    }

    /** Protobuf wire-format writer: varint (type 0), fixed32 (type 5), length-delimited (type 2). */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        private void rawVarint(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
        }

        private void tag(int field, int wireType) {
            rawVarint(((long) field << 3) | wireType);
        }

        public Writer varint(int field, long value) {
            tag(field, 0);
            rawVarint(value);
            return this;
        }

        public Writer float32(int field, float value) {
            tag(field, 5);
            int bits = Float.floatToRawIntBits(value);
            for (int i = 0; i < 4; i++) {
                out.write((bits >>> (8 * i)) & 0xFF);
            }
            return this;
        }

        public Writer bytes(int field, byte[] value) {
            tag(field, 2);
            rawVarint(value.length);
            out.writeBytes(value);
            return this;
        }

        public Writer string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        public Writer message(int field, Writer message) {
            return bytes(field, message.toByteArray());
        }

        public byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    /** One graph input or output: a tensor of {@code elemType}; a dim &lt; 0 is written as a symbolic dim. */
    public record ValueInfo(String name, int elemType, long... dims) {
        Writer encode() {
            Writer shape = new Writer();
            for (int i = 0; i < dims.length; i++) {
                Writer dim = new Writer();
                if (dims[i] >= 0) {
                    dim.varint(1, dims[i]);
                } else {
                    dim.string(2, name + "_d" + i);
                }
                shape.message(1, dim);
            }
            Writer tensorType = new Writer().varint(1, elemType).message(2, shape);
            Writer type = new Writer().message(1, tensorType);
            return new Writer().string(1, name).message(2, type);
        }
    }

    /** An INT, FLOAT or STRING node attribute ({@code value} a Long/Integer, Float or String). */
    public record Attribute(String name, Object value) {
        public static Attribute ofInt(String name, long value) {
            return new Attribute(name, value);
        }

        public static Attribute ofFloat(String name, float value) {
            return new Attribute(name, value);
        }

        public static Attribute ofString(String name, String value) {
            return new Attribute(name, value);
        }

        Writer encode() {
            Writer w = new Writer().string(1, name);
            switch (value) {
                case Float f -> w.float32(2, f).varint(20, ATTR_FLOAT);
                case String text -> w.string(4, text).varint(20, ATTR_STRING);
                case Long l -> w.varint(3, l).varint(20, ATTR_INT);
                case Integer i -> w.varint(3, i).varint(20, ATTR_INT);
                default -> throw new IllegalArgumentException("attribute " + name + ": unsupported value " + value);
            }
            return w;
        }
    }

    /**
     * A model holding one node. {@code nodeInputs}/{@code nodeOutputs} may contain
     * "" for an omitted optional input/output; the graph inputs/outputs are
     * {@code graphInputs}/{@code graphOutputs}.
     */
    public static byte[] singleNodeModel(String opType, String domain, List<String> nodeInputs,
                                         List<String> nodeOutputs, List<Attribute> attributes,
                                         List<ValueInfo> graphInputs, List<ValueInfo> graphOutputs) {
        Writer node = new Writer();
        for (String in : nodeInputs) {
            node.string(1, in);
        }
        for (String o : nodeOutputs) {
            node.string(2, o);
        }
        node.string(3, opType + "_0").string(4, opType);
        for (Attribute a : attributes) {
            node.message(5, a.encode());
        }
        node.string(7, domain);

        Writer graph = new Writer().message(1, node).string(2, "panamax_peer_" + opType);
        for (ValueInfo v : graphInputs) {
            graph.message(11, v.encode());
        }
        for (ValueInfo v : graphOutputs) {
            graph.message(12, v.encode());
        }

        return new Writer()
                .varint(1, IR_VERSION)
                .string(2, "panamax-bench")
                .message(7, graph)
                .message(8, new Writer().string(1, "").varint(2, DEFAULT_OPSET))
                .message(8, new Writer().string(1, MS_DOMAIN).varint(2, MS_OPSET))
                .toByteArray();
    }
}
