package dev.panamax.bench.peers;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.panamax.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gated DeltaNet ({@link LinearPeer.Problem#GATED_DELTA}) through ONNX Runtime's {@code com.microsoft.LinearAttention}
 * with {@code update_rule = "gated_delta"} (CPU execution provider, ORT 1.29), token by token:
 * {@code S_t = exp(g_t)·S_{t-1} + β_t k_t ⊗ (v_t − exp(g_t)·S_{t-1}ᵀ k_t)}, {@code o_t = scale·q_tᵀ S_t}: ours
 * with {@code g_t = log(decay_t)}, formed once in {@link #prepare} outside the timing; q, k, v and beta
 * ({@code [B, N, H]}, one per head) bound zero-copy, scale 1, {@code q_num_heads = kv_num_heads = H}; output
 * {@code [B, N, H·Dv]} written into out, present_state {@code [B, H, Dk, Dv]} pinned to scratch.
 */
public final class OnnxLinearAttentionGatedDeltaPeer implements LinearPeer {
    @Override
    public String name() {
        return "onnxruntime LinearAttention (gated_delta)";
    }

    @Override
    public boolean supports(Problem problem) {
        return problem == Problem.GATED_DELTA;
    }

    @Override
    public LinearPeer.Prepared prepare(LinearShape s, Tensor q, Tensor k, Tensor v, Tensor decay, Tensor beta,
                                       Tensor out, int threads) throws OrtException {
        if (!supports(s.problem())) throw new IllegalArgumentException(name() + " does not compute " + s.problem());
        long b = s.batch(), n = s.seqLen(), h = s.heads(), dk = s.keyDim(), dv = s.valueDim();
        long rows = b * n * h;
        OnnxRuntimePeers.requireF32("q", q, rows * dk);
        OnnxRuntimePeers.requireF32("k", k, rows * dk);
        OnnxRuntimePeers.requireF32("v", v, rows * dv);
        OnnxRuntimePeers.requireF32("decay", decay, rows);
        OnnxRuntimePeers.requireF32("beta", beta, rows);
        OnnxRuntimePeers.requireF32("out", out, rows * dv);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = OnnxRuntimePeers.sessionOptions(threads);
        Arena arena = Arena.ofShared();
        List<OnnxTensor> made = new ArrayList<>();
        OrtSession session = null;
        try {
            session = env.createSession(OnnxLinearAttentionLinearPeer.model("gated_delta", b, n, h, dk, dv, true, true),
                    options);
            MemorySegment logDecay = arena.allocate(4 * rows, 64);
            log(decay.segment(), logDecay, rows);
            MemorySegment state = arena.allocate(4 * b * h * dk * dv, 64);
            Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
            inputs.put("query", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, q.segment(), b, n, h * dk)));
            inputs.put("key", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, k.segment(), b, n, h * dk)));
            inputs.put("value", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, v.segment(), b, n, h * dv)));
            inputs.put("decay", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, logDecay, b, n, h)));
            inputs.put("beta", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, beta.segment(), b, n, h)));
            Map<String, OnnxTensor> outputs = new LinkedHashMap<>();
            outputs.put("output", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, out.segment(), b, n, h * dv)));
            outputs.put("present_state", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, state, b, h, dk, dv)));
            OnnxRuntimePeers.OrtPrepared prepared = new OnnxRuntimePeers.OrtPrepared(options, session, inputs,
                    outputs, null, arena);
            return new LinearPeer.Prepared() {
                @Override
                public void run() throws OrtException {
                    prepared.run();
                }

                @Override
                public void writeOutput() {
                    // ORT writes out itself.
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

    /** dst = log(src) over {@code count} floats (a decay of 0 gives -inf: exp(-inf) = 0 resets the state alike). */
    static void log(MemorySegment src, MemorySegment dst, long count) {
        for (long i = 0; i < count; i++) {
            dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.log(src.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
        }
    }
}
