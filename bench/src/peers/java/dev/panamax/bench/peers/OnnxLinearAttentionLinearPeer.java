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
 * Causal elu+1 linear attention ({@link LinearPeer.Problem#ELU1_CAUSAL}) through ONNX Runtime's
 * {@code com.microsoft.LinearAttention} with {@code update_rule = "linear"} (CPU execution provider, ORT 1.29):
 * {@code S_t = S_{t-1} + k_t ⊗ v_t}, {@code o_t = scale·q_tᵀ S_t}, state {@code [d_k, d_v]} per head, token by
 * token. It has no feature map and no normaliser, so it gets φ(q) and φ(k) (φ = elu + 1) and v with a column of
 * ones appended ({@code d_v = Dv + 1}: the last output column is then φ(q_t)ᵀ z_t), all formed once in
 * {@link #prepare}, outside the timing; scale 1, {@code q_num_heads = kv_num_heads = H}. {@link
 * Prepared#writeOutput()} divides the numerator columns by {@code that column + EPS} into out, also outside the
 * timing. Output {@code [B, N, H·(Dv+1)]} and present_state {@code [B, H, Dk, Dv+1]} are pinned to scratch.
 */
public final class OnnxLinearAttentionLinearPeer implements LinearPeer {
    @Override
    public String name() {
        return "onnxruntime LinearAttention (linear)";
    }

    @Override
    public boolean supports(Problem problem) {
        return problem == Problem.ELU1_CAUSAL;
    }

    /**
     * A one-node {@code LinearAttention} model with rule {@code rule}, scale 1, H query and key/value heads: query,
     * key {@code [B, N, H·dk]}, value {@code [B, N, H·dv]}, and decay {@code [B, N, H]} / beta {@code [B, N, H]}
     * when the rule takes them; output {@code [B, N, H·dv]} and present_state {@code [B, H, dk, dv]}.
     */
    static byte[] model(String rule, long b, long n, long h, long dk, long dv, boolean decay, boolean beta) {
        List<String> inputs = new ArrayList<>(List.of("query", "key", "value", ""));
        List<ValueInfo> infos = new ArrayList<>(List.of(new ValueInfo("query", OnnxProto.FLOAT, b, n, h * dk),
                new ValueInfo("key", OnnxProto.FLOAT, b, n, h * dk),
                new ValueInfo("value", OnnxProto.FLOAT, b, n, h * dv)));
        if (decay || beta) {
            inputs.add(decay ? "decay" : "");
            if (decay) infos.add(new ValueInfo("decay", OnnxProto.FLOAT, b, n, h));
        }
        if (beta) {
            inputs.add("beta");
            infos.add(new ValueInfo("beta", OnnxProto.FLOAT, b, n, h));
        }
        return OnnxProto.singleNodeModel("LinearAttention", OnnxProto.MS_DOMAIN, inputs,
                List.of("output", "present_state"),
                List.of(Attribute.ofString("update_rule", rule), Attribute.ofInt("q_num_heads", h),
                        Attribute.ofInt("kv_num_heads", h), Attribute.ofFloat("scale", 1f)),
                infos,
                List.of(new ValueInfo("output", OnnxProto.FLOAT, b, n, h * dv),
                        new ValueInfo("present_state", OnnxProto.FLOAT, b, h, dk, dv)));
    }

    @Override
    public LinearPeer.Prepared prepare(LinearShape s, Tensor q, Tensor k, Tensor v, Tensor decay, Tensor beta,
                                       Tensor out, int threads) throws OrtException {
        if (!supports(s.problem())) throw new IllegalArgumentException(name() + " does not compute " + s.problem());
        long b = s.batch(), n = s.seqLen(), h = s.heads(), dk = s.keyDim(), dv = s.valueDim(), w = dv + 1;
        long rows = b * n * h;
        OnnxRuntimePeers.requireF32("q", q, rows * dk);
        OnnxRuntimePeers.requireF32("k", k, rows * dk);
        OnnxRuntimePeers.requireF32("v", v, rows * dv);
        OnnxRuntimePeers.requireF32("out", out, rows * dv);
        requireOrtSize(rows * w);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = OnnxRuntimePeers.sessionOptions(threads);
        Arena arena = Arena.ofShared();
        List<OnnxTensor> made = new ArrayList<>();
        OrtSession session = null;
        try {
            session = env.createSession(model("linear", b, n, h, dk, w, false, false), options);
            MemorySegment fq = arena.allocate(4 * rows * dk, 64);
            MemorySegment fk = arena.allocate(4 * rows * dk, 64);
            MemorySegment v1 = arena.allocate(4 * rows * w, 64);
            MemorySegment num = arena.allocate(4 * rows * w, 64);
            MemorySegment state = arena.allocate(4 * b * h * dk * w, 64);
            elu1(q.segment(), fq, rows * dk);
            elu1(k.segment(), fk, rows * dk);
            appendOnes(v.segment(), v1, rows, dv);
            Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
            inputs.put("query", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, fq, b, n, h * dk)));
            inputs.put("key", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, fk, b, n, h * dk)));
            inputs.put("value", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, v1, b, n, h * w)));
            Map<String, OnnxTensor> outputs = new LinkedHashMap<>();
            outputs.put("output", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, num, b, n, h * w)));
            outputs.put("present_state", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, state, b, h, dk, w)));
            OnnxRuntimePeers.OrtPrepared prepared = new OnnxRuntimePeers.OrtPrepared(options, session, inputs,
                    outputs, null, arena);
            MemorySegment dst = out.segment();
            return new LinearPeer.Prepared() {
                @Override
                public void run() throws OrtException {
                    prepared.run();
                }

                @Override
                public void writeOutput() {
                    normalize(num, dst, rows, dv);
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

    /** Fails before anything is allocated when ORT's Java API cannot take a tensor of {@code floats}. */
    static void requireOrtSize(long floats) {
        if (floats * Float.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ORT Java buffers are limited to 2 GiB: " + floats + " floats");
        }
    }

    /** dst = elu(src) + 1 over {@code count} floats, in float as a kernel would. */
    static void elu1(MemorySegment src, MemorySegment dst, long count) {
        for (long i = 0; i < count; i++) {
            float x = src.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, x > 0 ? x + 1 : (float) Math.exp(x));
        }
    }

    /** dst[r, :] = [src[r, 0..d), 1]: rows of d floats into rows of d + 1. */
    static void appendOnes(MemorySegment src, MemorySegment dst, long rows, long d) {
        long w = d + 1;
        for (long r = 0; r < rows; r++) {
            MemorySegment.copy(src, 4 * r * d, dst, 4 * r * w, 4 * d);
            dst.setAtIndex(ValueLayout.JAVA_FLOAT, r * w + d, 1f);
        }
    }

    /** dst[r, j] = num[r, j] / (num[r, d] + EPS) for j < d: rows of d + 1 into rows of d. */
    static void normalize(MemorySegment num, MemorySegment dst, long rows, long d) {
        long w = d + 1;
        for (long r = 0; r < rows; r++) {
            double den = num.getAtIndex(ValueLayout.JAVA_FLOAT, r * w + d) + EPS;
            for (long j = 0; j < d; j++) {
                dst.setAtIndex(ValueLayout.JAVA_FLOAT, r * d + j,
                        (float) (num.getAtIndex(ValueLayout.JAVA_FLOAT, r * w + j) / den));
            }
        }
    }
}
