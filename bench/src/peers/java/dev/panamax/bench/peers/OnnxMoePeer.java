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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link MoePeer} problem through ONNX Runtime's {@code com.microsoft.MoE} (opset 1 of the Microsoft domain, CPU
 * execution provider, ORT 1.29), as a JVM user would call it: a one-node model built in memory, one session per
 * shape.
 *
 * <p>What the op expects, from the sources read (microsoft/onnxruntime: the schema as generated into
 * {@code docs/ContribOperators.md}, "com.microsoft.MoE"; an older {@code onnxruntime/core/graph/contrib_ops/
 * contrib_defs.cc}, whose schema still had fc1 {@code [E, hidden, inter]}, today's "legacy" layout; the CPU kernel
 * {@code onnxruntime/contrib_ops/cpu/moe/moe_cpu.cc}, {@code moe_base_cpu.h}, {@code moe_helper.h},
 * {@code moe_utils.cc}), checked against the strings of the 1.29.0 {@code libonnxruntime.so} in the Maven jar (the
 * same schema doc strings, "FC3 is not implemented for CPU MoE.", "CPU MoE only supports interleaved SwiGLU format.
 * Please set swiglu_fusion=1.", "MoE attribute 'k' must be &lt;= num_experts", the kernel's
 * {@code ThreadLocalBuffers}), by trying the op on 1.29.0, and by {@link MoePeerCheck}:
 * <ul>
 *   <li>Inputs, in order: input {@code [T, d]} (or {@code [B, S, d]}), router_probs {@code [T, E]},
 *   fc1_experts_weights, fc1_experts_bias {@code [E, h]} (optional), fc2_experts_weights, fc2_experts_bias
 *   {@code [E, d]} (optional), fc3_experts_weights {@code [E, h, d]} (optional), fc3_experts_bias {@code [E, h]}
 *   (optional); output {@code [T, d]}. Types float (and float16 on CPU).</li>
 *   <li>Weight layout: {@code [E, out, in]} (PyTorch {@code Linear.weight} per expert): fc1 {@code [E, h, d]}
 *   ({@code [E, 2h, d]} for fused SwiGLU), fc2 {@code [E, d, h]}. The CPU kernel runs
 *   {@code MlasGemm(NoTrans, Trans)} on both, so it reads only that layout. The shape check
 *   ({@code moe_helper::CheckInputs}) also accepts the older "legacy" layout (fc1 {@code [E, d, h]}, fc2
 *   {@code [E, h, d]}: Panamax's) when d ≠ h, but the 1.29 CPU kernel does not look at that flag and would read
 *   such weights as {@code [E, out, in]}: Panamax's W1/W2 passed as they are run without an error and give a
 *   wrong result (tried on 1.29.0 at T = 37, d = 24, h = 40, E = 5, k = 2: max|err| 0.39 on outputs of order
 *   0.3). So W1 and W2 are transposed per expert here, once, in {@link #prepare} (outside the timing):
 *   fc1[e, j, i] = W1[e, i, j] and fc2[e, i, j] = W2[e, j, i] (2·E·d·h floats of copies the peer owns).</li>
 *   <li>Attributes: {@code k} (default 1; 1 ≤ k ≤ E enforced), {@code activation_type} ("relu" default, "gelu"
 *   (the tanh approximation on CPU), "silu", "identity", "swiglu"), {@code normalize_routing_weights} (default 0),
 *   {@code use_sparse_mixer} (0; 1 needs k = 2, not used by the CPU routing), {@code activation_alpha} (1),
 *   {@code activation_beta} (0), {@code swiglu_fusion} (0; the CPU kernel refuses swiglu unless it is 1:
 *   interleaved), {@code swiglu_limit} (SwiGLU clamp). Here: k, "silu", normalize_routing_weights = 1.</li>
 *   <li>Routing: despite its name, router_probs takes logits: the CPU kernel applies a softmax over the E values
 *   of each row itself (float32), takes the top k with {@code std::partial_sort} on (probability, index) pairs
 *   (exact ties: the higher index first, the opposite of Panamax; immaterial on random logits), divides by their
 *   sum when normalize_routing_weights = 1, and skips a route whose weight is 0.</li>
 *   <li>SiLU is supported on CPU ({@code x·1/(1 + exp(-x))}, moe_utils.cc), so the peer solves exactly the
 *   problem of {@link MoePeer}.</li>
 *   <li>Not on CPU: fc3, the separate gated GEMM (the session loads, each run fails with ORT_NOT_IMPLEMENTED
 *   "FC3 is not implemented for CPU MoE.", tried on 1.29.0). A gated FFN runs only as fused interleaved SwiGLU in
 *   fc1 (swiglu_fusion = 1) with ORT's own formula (G·sigmoid(alpha·G)·(L + beta), clamped), not
 *   silu(x·W1)⊙(x·W3).</li>
 *   <li>Work split (the revision read): rows routed on one thread below T = 1024; the experts split over
 *   min(active experts, threads, 8) threads, each expert's rows gathered and run through two single-threaded
 *   {@code MlasGemm}s (no thread pool passed), per-thread output buffers summed at the end; with
 *   normalize_routing_weights = 1 the kernel also copies x once per call.</li>
 * </ul>
 * x and logits are bound zero-copy, out is a pinned output ORT writes directly. ORT's Java tensors are limited to
 * 2 GiB each, so E·d·h must stay below 2<sup>29</sup> floats.
 */
public final class OnnxMoePeer implements MoePeer {
    @Override
    public String name() {
        return "onnxruntime MoE";
    }

    /** The model: input [T,d], router_probs [T,E], fc1 [E,h,d], fc2 [E,d,h] in; output [T,d] out. */
    public static byte[] model(MoeShape s) {
        long t = s.tokens(), d = s.dmodel(), h = s.hidden(), e = s.experts();
        return OnnxProto.singleNodeModel("MoE", OnnxProto.MS_DOMAIN,
                List.of("input", "router_probs", "fc1_experts_weights", "", "fc2_experts_weights"),
                List.of("output"),
                List.of(Attribute.ofInt("k", s.topK()), Attribute.ofString("activation_type", "silu"),
                        Attribute.ofInt("normalize_routing_weights", 1)),
                List.of(new ValueInfo("input", OnnxProto.FLOAT, t, d),
                        new ValueInfo("router_probs", OnnxProto.FLOAT, t, e),
                        new ValueInfo("fc1_experts_weights", OnnxProto.FLOAT, e, h, d),
                        new ValueInfo("fc2_experts_weights", OnnxProto.FLOAT, e, d, h)),
                List.of(new ValueInfo("output", OnnxProto.FLOAT, t, d)));
    }

    @Override
    public MoePeer.Prepared prepare(MoeShape s, Tensor x, Tensor logits, Tensor w1, Tensor w2, Tensor out,
                                    int threads) throws OrtException {
        long t = s.tokens(), d = s.dmodel(), h = s.hidden(), e = s.experts();
        OnnxRuntimePeers.requireF32("x", x, t * d);
        OnnxRuntimePeers.requireF32("logits", logits, t * e);
        OnnxRuntimePeers.requireF32("w1", w1, s.weightElements());
        OnnxRuntimePeers.requireF32("w2", w2, s.weightElements());
        OnnxRuntimePeers.requireF32("out", out, t * d);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = OnnxRuntimePeers.sessionOptions(threads);
        Arena arena = Arena.ofShared();
        List<OnnxTensor> made = new ArrayList<>();
        OrtSession session = null;
        try {
            session = env.createSession(model(s), options);
            // [E, d, h] -> [E, h, d] and [E, h, d] -> [E, d, h]: ORT's [E, out, in] per expert.
            MemorySegment fc1 = arena.allocate(4 * s.weightElements(), 64);
            MemorySegment fc2 = arena.allocate(4 * s.weightElements(), 64);
            OnnxCausalConvWithStatePeer.transpose(w1.segment(), fc1, e, d, h);
            OnnxCausalConvWithStatePeer.transpose(w2.segment(), fc2, e, h, d);
            Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
            inputs.put("input", OnnxRuntimePeers.track(made, OnnxRuntimePeers.floatView(env, x.segment(), t, d)));
            inputs.put("router_probs", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, logits.segment(), t, e)));
            inputs.put("fc1_experts_weights", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, fc1, e, h, d)));
            inputs.put("fc2_experts_weights", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, fc2, e, d, h)));
            Map<String, OnnxTensor> outputs = Map.of("output", OnnxRuntimePeers.track(made,
                    OnnxRuntimePeers.floatView(env, out.segment(), t, d)));
            OnnxRuntimePeers.OrtPrepared prepared = new OnnxRuntimePeers.OrtPrepared(options, session, inputs,
                    outputs, null, arena);
            return new MoePeer.Prepared() {
                @Override
                public void run() throws OrtException {
                    prepared.run();
                }

                @Override
                public void close() throws OrtException {
                    prepared.close();
                }
            };
        } catch (OrtException | RuntimeException ex) {
            OnnxRuntimePeers.closeAfterFailedPrepare(made, session, options, arena);
            throw ex;
        }
    }
}
