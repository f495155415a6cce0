package dev.panamax.bench.peers;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.panamax.Tensor;
import dev.panamax.bench.peers.OnnxProto.Attribute;
import dev.panamax.bench.peers.OnnxProto.ValueInfo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime's {@code com.microsoft.CausalConvWithState} (CPU execution provider, ORT 1.29), as a JVM user
 * would call it: a one-node model built in memory, one session per shape. The op is channel-major: input and
 * output {@code [B, C, L]}, weight {@code [C, 1, W]} (our {@code [C, W]} memory, bound zero-copy), bias
 * {@code [C]}, activation "silu" or "none", no past_state (zero padding, as ours), present_state
 * {@code [B, C, W - 1]} pinned to scratch. x is transposed to {@code [B, C, L]} once in {@link #prepare}, and
 * the output back to {@code [B, L, C]} in {@link Prepared#writeOutput()}: neither is timed, so the timing is
 * the ORT call alone on the same function.
 */
public final class OnnxCausalConvWithStatePeer implements CausalConv1dPeer {
    @Override
    public String name() {
        return "onnxruntime CausalConvWithState";
    }

    /** The model: input [B,C,L], weight [C,1,W], bias [C] (when asked) in; output [B,C,L], present_state out. */
    public static byte[] model(ConvShape s) {
        long b = s.batch(), c = s.channels(), l = s.seqLen(), w = s.width();
        List<String> nodeInputs = new ArrayList<>(List.of("input", "weight"));
        List<ValueInfo> inputs = new ArrayList<>(List.of(new ValueInfo("input", OnnxProto.FLOAT, b, c, l),
                new ValueInfo("weight", OnnxProto.FLOAT, c, 1, w)));
        if (s.withBias()) {
            nodeInputs.add("bias");
            inputs.add(new ValueInfo("bias", OnnxProto.FLOAT, c));
        }
        List<ValueInfo> outputs = new ArrayList<>(List.of(new ValueInfo("output", OnnxProto.FLOAT, b, c, l)));
        // W = 1 has an empty state: left an internal value rather than a zero-size pinned buffer.
        if (w > 1) outputs.add(new ValueInfo("present_state", OnnxProto.FLOAT, b, c, w - 1));
        return OnnxProto.singleNodeModel("CausalConvWithState", OnnxProto.MS_DOMAIN, nodeInputs,
                List.of("output", "present_state"),
                List.of(Attribute.ofString("activation", s.silu() ? "silu" : "none")), inputs, outputs);
    }

    @Override
    public CausalConv1dPeer.Prepared prepare(ConvShape s, Tensor x, Tensor weight, Tensor bias, Tensor out,
                                             int threads) throws OrtException {
        long b = s.batch(), c = s.channels(), l = s.seqLen(), w = s.width();
        OnnxRuntimePeers.requireF32("x", x, b * l * c);
        OnnxRuntimePeers.requireF32("weight", weight, c * w);
        OnnxRuntimePeers.requireF32("out", out, b * l * c);
        if (s.withBias() != (bias != null)) {
            throw new IllegalArgumentException("bias: expected " + (s.withBias() ? "a tensor" : "null")
                    + " for withBias = " + s.withBias());
        }
        if (bias != null) OnnxRuntimePeers.requireF32("bias", bias, c);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = OnnxRuntimePeers.sessionOptions(threads);
        Arena arena = Arena.ofShared();
        List<OnnxTensor> made = new ArrayList<>();
        OrtSession session = null;
        try {
            session = env.createSession(model(s), options);
            MemorySegment xT = arena.allocate(4 * b * c * l, 64);
            MemorySegment outT = arena.allocate(4 * b * c * l, 64);
            transpose(x.segment(), xT, b, l, c);
            Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
            inputs.put("input", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, xT, b, c, l)));
            inputs.put("weight", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, weight.segment(), c, 1, w)));
            if (bias != null) {
                inputs.put("bias", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, bias.segment(), c)));
            }
            Map<String, OnnxTensor> outputs = new LinkedHashMap<>();
            outputs.put("output", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, outT, b, c, l)));
            if (w > 1) {
                MemorySegment state = arena.allocate(4 * b * c * (w - 1), 64);
                outputs.put("present_state", OnnxRuntimePeers.track(made,
                        OnnxRuntimePeers.floatView(env, state, b, c, w - 1)));
            }
            OnnxRuntimePeers.OrtPrepared prepared = new OnnxRuntimePeers.OrtPrepared(options, session, inputs,
                    outputs, null, arena);
            MemorySegment outSegment = out.segment();
            return new CausalConv1dPeer.Prepared() {
                @Override
                public void run() throws OrtException {
                    prepared.run();
                }

                @Override
                public void writeOutput() {
                    transpose(outT, outSegment, b, c, l);
                }

                @Override
                public void close() throws OrtException {
                    prepared.close();
                }
            };
        } catch (OrtException | RuntimeException e) {
            OnnxRuntimePeers.closeAfterFailedPrepare(made, session, options, arena);
            throw e;
        }
    }

    /** dst[b, j, i] = src[b, i, j] for F32 src [batch, rows, cols]; in 64×64 tiles so both sides stay in cache. */
    static void transpose(MemorySegment src, MemorySegment dst, long batch, long rows, long cols) {
        final int tile = 64;
        for (long b = 0; b < batch; b++) {
            long base = b * rows * cols;
            for (long i0 = 0; i0 < rows; i0 += tile) {
                long i1 = Math.min(rows, i0 + tile);
                for (long j0 = 0; j0 < cols; j0 += tile) {
                    long j1 = Math.min(cols, j0 + tile);
                    for (long i = i0; i < i1; i++) {
                        for (long j = j0; j < j1; j++) {
                            dst.setAtIndex(ValueLayout.JAVA_FLOAT, base + j * rows + i,
                                    src.getAtIndex(ValueLayout.JAVA_FLOAT, base + i * cols + j));
                        }
                    }
                }
            }
        }
    }
}
