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
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime's {@code com.microsoft.RotaryEmbedding} (CPU execution provider), as a JVM user would call
 * it: a one-node model built in memory, one session per shape, x and out bound zero-copy as
 * {@code [B, N, H*D]} (attribute {@code num_heads}), {@code position_ids = [0]} (row n at position n),
 * {@code rotary_embedding_dim} for a partial rotary dim. The op takes the cos/sin caches
 * {@code [N, rd/2]} from the caller: built here once per shape (theta 10000, float64 angles rounded to
 * float), outside the timed runs, so the comparison leaves their cost out.
 */
public final class OnnxRotaryEmbeddingPeer implements RopePeer {
    @Override
    public String name() {
        return "onnxruntime RotaryEmbedding";
    }

    /** The model: input [B,N,H*D], position_ids int64 [1], cos/sin_cache [N, rd/2] in; output [B,N,H*D]. */
    public static byte[] model(RopeShape s) {
        long hidden = (long) s.heads() * s.headDim();
        List<Attribute> attributes = new ArrayList<>(List.of(Attribute.ofInt("num_heads", s.heads()),
                Attribute.ofInt("interleaved", s.interleaved() ? 1 : 0)));
        if (s.rotaryDim() != s.headDim()) attributes.add(Attribute.ofInt("rotary_embedding_dim", s.rotaryDim()));
        return OnnxProto.singleNodeModel("RotaryEmbedding", OnnxProto.MS_DOMAIN,
                List.of("input", "position_ids", "cos_cache", "sin_cache"), List.of("output"), attributes,
                List.of(new ValueInfo("input", OnnxProto.FLOAT, s.batch(), s.seqLen(), hidden),
                        new ValueInfo("position_ids", OnnxProto.INT64, 1),
                        new ValueInfo("cos_cache", OnnxProto.FLOAT, s.seqLen(), s.rotaryDim() / 2),
                        new ValueInfo("sin_cache", OnnxProto.FLOAT, s.seqLen(), s.rotaryDim() / 2)),
                List.of(new ValueInfo("output", OnnxProto.FLOAT, s.batch(), s.seqLen(), hidden)));
    }

    @Override
    public RopePeer.Prepared prepare(RopeShape s, Tensor x, Tensor out, int threads) throws OrtException {
        long b = s.batch(), n = s.seqLen(), hidden = (long) s.heads() * s.headDim();
        int half = s.rotaryDim() / 2;
        OnnxRuntimePeers.requireF32("x", x, b * n * hidden);
        OnnxRuntimePeers.requireF32("out", out, b * n * hidden);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = OnnxRuntimePeers.sessionOptions(threads);
        Arena arena = Arena.ofShared();
        List<OnnxTensor> made = new ArrayList<>();
        OrtSession session = null;
        try {
            session = env.createSession(model(s), options);
            MemorySegment cos = arena.allocate(4L * n * half, 64);
            MemorySegment sin = arena.allocate(4L * n * half, 64);
            for (int i = 0; i < half; i++) {
                double invFreq = 1.0 / Math.pow(10000.0, 2.0 * i / s.rotaryDim());
                for (long p = 0; p < n; p++) {
                    cos.setAtIndex(ValueLayout.JAVA_FLOAT, p * half + i, (float) Math.cos(p * invFreq));
                    sin.setAtIndex(ValueLayout.JAVA_FLOAT, p * half + i, (float) Math.sin(p * invFreq));
                }
            }
            MemorySegment position = arena.allocate(ValueLayout.JAVA_LONG);
            position.set(ValueLayout.JAVA_LONG, 0, 0L);
            Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
            inputs.put("input", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, x.segment(), b, n, hidden)));
            inputs.put("position_ids", OnnxRuntimePeers.track(made, OnnxTensor.createTensor(env,
                    position.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer(), new long[] {1})));
            inputs.put("cos_cache", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, cos, n, half)));
            inputs.put("sin_cache", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, sin, n, half)));
            Map<String, OnnxTensor> outputs = Map.of("output",
                    OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, out.segment(), b, n, hidden)));
            OnnxRuntimePeers.OrtPrepared prepared = new OnnxRuntimePeers.OrtPrepared(options, session, inputs, outputs,
                    null, arena);
            return new RopePeer.Prepared() {
                @Override
                public void run() throws OrtException {
                    prepared.run();
                }

                @Override
                public void close() throws OrtException {
                    prepared.close();
                }
            };
        } catch (OrtException | RuntimeException e) {
            for (OnnxTensor t : made) t.close();
            if (session != null) session.close();
            options.close();
            arena.close();
            throw e;
        }
    }
}
