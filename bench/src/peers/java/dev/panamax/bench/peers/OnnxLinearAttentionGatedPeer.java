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
 * Mamba-2's SSD through ONNX Runtime's {@code com.microsoft.LinearAttention} with {@code update_rule = "gated"}
 * (CPU execution provider, ORT 1.29): {@code S_t = exp(g_t)·S_{t-1} + k_t ⊗ v_t}, {@code o_t = scale·q_tᵀ S_t}
 * with the state {@code S [d_k = N, d_v = P]} per value head. So q = C and k = B (bound zero-copy as
 * {@code [B, L, G·N]}), v = dt·x {@code [B, L, H·P]}, the per-head log-space decay g = dt·A {@code [B, L, H]},
 * scale 1, {@code q_num_heads = G}, {@code kv_num_heads = H}: ORT's "inverse GQA" reads query head h·G/H and key
 * head h / (H/G) for value head h, both our group h·G/H when G divides H. Otherwise B and C are expanded to H
 * heads. v, g and any expansion are computed once in {@link #prepare}, outside the timing (inputs are fixed per
 * shape); out {@code [B, L, H·P]} is written zero-copy, present_state {@code [B, H, N, P]} pinned to scratch.
 */
public final class OnnxLinearAttentionGatedPeer implements SsdPeer {
    @Override
    public String name() {
        return "onnxruntime LinearAttention (gated)";
    }

    /** The query/key heads ORT gets: G when G divides H (its GQA mapping is then ours), else H (expanded). */
    static int keyHeads(SsdShape s) {
        return s.heads() % s.groups() == 0 ? s.groups() : s.heads();
    }

    /** The model: query, key [B,L,Gk·N], value [B,L,H·P], decay [B,L,H] in; output [B,L,H·P], present_state out. */
    public static byte[] model(SsdShape s) {
        long b = s.batch(), l = s.seqLen(), h = s.heads(), p = s.headDim(), n = s.stateDim();
        long gk = keyHeads(s);
        return OnnxProto.singleNodeModel("LinearAttention", OnnxProto.MS_DOMAIN,
                List.of("query", "key", "value", "", "decay"), List.of("output", "present_state"),
                List.of(Attribute.ofString("update_rule", "gated"), Attribute.ofInt("q_num_heads", gk),
                        Attribute.ofInt("kv_num_heads", h), Attribute.ofFloat("scale", 1f)),
                List.of(new ValueInfo("query", OnnxProto.FLOAT, b, l, gk * n),
                        new ValueInfo("key", OnnxProto.FLOAT, b, l, gk * n),
                        new ValueInfo("value", OnnxProto.FLOAT, b, l, h * p),
                        new ValueInfo("decay", OnnxProto.FLOAT, b, l, h)),
                List.of(new ValueInfo("output", OnnxProto.FLOAT, b, l, h * p),
                        new ValueInfo("present_state", OnnxProto.FLOAT, b, h, n, p)));
    }

    @Override
    public SsdPeer.Prepared prepare(SsdShape s, Tensor x, Tensor dt, Tensor a, Tensor bIn, Tensor cIn, Tensor out,
                                    int threads) throws OrtException {
        long batch = s.batch(), l = s.seqLen(), h = s.heads(), p = s.headDim(), g = s.groups(), n = s.stateDim();
        long rows = batch * l;
        OnnxRuntimePeers.requireF32("x", x, rows * h * p);
        OnnxRuntimePeers.requireF32("dt", dt, rows * h);
        OnnxRuntimePeers.requireF32("A", a, h);
        OnnxRuntimePeers.requireF32("B", bIn, rows * g * n);
        OnnxRuntimePeers.requireF32("C", cIn, rows * g * n);
        OnnxRuntimePeers.requireF32("out", out, rows * h * p);
        long gk = keyHeads(s);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = OnnxRuntimePeers.sessionOptions(threads);
        Arena arena = Arena.ofShared();
        List<OnnxTensor> made = new ArrayList<>();
        OrtSession session = null;
        try {
            session = env.createSession(model(s), options);
            MemorySegment value = arena.allocate(4 * rows * h * p, 64);
            MemorySegment decay = arena.allocate(4 * rows * h, 64);
            gateAndValue(s, x.segment(), dt.segment(), a.segment(), value, decay);
            MemorySegment query = cIn.segment();
            MemorySegment key = bIn.segment();
            if (gk != g) {
                query = arena.allocate(4 * rows * h * n, 64);
                key = arena.allocate(4 * rows * h * n, 64);
                expandGroups(s, cIn.segment(), query);
                expandGroups(s, bIn.segment(), key);
            }
            MemorySegment state = arena.allocate(4 * batch * h * n * p, 64);
            Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
            inputs.put("query", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, query, batch, l, gk * n)));
            inputs.put("key", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, key, batch, l, gk * n)));
            inputs.put("value", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, value, batch, l, h * p)));
            inputs.put("decay", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, decay, batch, l, h)));
            Map<String, OnnxTensor> outputs = new LinkedHashMap<>();
            outputs.put("output", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, out.segment(), batch, l, h * p)));
            outputs.put("present_state", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, state, batch, h, n, p)));
            OnnxRuntimePeers.OrtPrepared prepared = new OnnxRuntimePeers.OrtPrepared(options, session, inputs,
                    outputs, null, arena);
            return new SsdPeer.Prepared() {
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
            OnnxRuntimePeers.closeAfterFailedPrepare(made, session, options, arena);
            throw e;
        }
    }

    /** value[r, h, :] = dt[r, h]·x[r, h, :] and decay[r, h] = dt[r, h]·A[h], rounded to F32 as a kernel would. */
    static void gateAndValue(SsdShape s, MemorySegment x, MemorySegment dt, MemorySegment a, MemorySegment value,
                             MemorySegment decay) {
        long rows = (long) s.batch() * s.seqLen();
        int h = s.heads(), p = s.headDim();
        for (long r = 0; r < rows; r++) {
            for (int head = 0; head < h; head++) {
                float step = dt.getAtIndex(ValueLayout.JAVA_FLOAT, r * h + head);
                float logDecay = step * a.getAtIndex(ValueLayout.JAVA_FLOAT, head);
                decay.setAtIndex(ValueLayout.JAVA_FLOAT, r * h + head, logDecay);
                long base = (r * h + head) * p;
                for (int i = 0; i < p; i++) {
                    float xi = x.getAtIndex(ValueLayout.JAVA_FLOAT, base + i);
                    value.setAtIndex(ValueLayout.JAVA_FLOAT, base + i, step * xi);
                }
            }
        }
    }

    /** dst[r, h, :] = src[r, h·G/H, :]: [rows, G, N] → [rows, H, N]. */
    static void expandGroups(SsdShape s, MemorySegment src, MemorySegment dst) {
        long rows = (long) s.batch() * s.seqLen();
        int h = s.heads(), g = s.groups();
        long bytes = 4L * s.stateDim();
        for (long r = 0; r < rows; r++) {
            for (int head = 0; head < h; head++) {
                MemorySegment.copy(src, (r * g + s.groupOf(head)) * bytes, dst, (r * h + head) * bytes, bytes);
            }
        }
    }
}
