package dev.panamax.bench.peers;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.panamax.Tensor;
import dev.panamax.bench.peers.AttentionPeer.AttentionShape;
import dev.panamax.bench.peers.OnnxProto.Attribute;
import dev.panamax.bench.peers.OnnxProto.ValueInfo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime (CPU execution provider) attention, through its Java API, as a
 * JVM user would call it: a one-node model built in memory, one session per
 * shape, inputs and outputs bound zero-copy to the benchmark's segments.
 *
 * <ul>
 *   <li>{@link MultiHeadAttention}: {@code com.microsoft.MultiHeadAttention},
 *   non-causal. With no mask, bias, past/present and not unidirectional, ORT's
 *   CPU kernel runs MLAS's fused flash attention ({@code MlasFlashAttention},
 *   contrib_ops/cpu/bert/multihead_attention.cc), unless the environment sets
 *   {@code ORT_DISABLE_FLASH_ATTENTION=1} or ORT reads an L2 cache size of 0.
 *   Grouped K/V (Hkv &lt; H) is not accepted by the op, so {@code run()} first
 *   repeats each K/V head into a scratch buffer (timed, as a user would pay it).</li>
 *   <li>{@link GroupQueryAttention}: {@code com.microsoft.GroupQueryAttention},
 *   causal by construction (a first prompt: seqlens_k = N-1, total_sequence_length = N).
 *   In ONNX Runtime 1.29 (not yet in 1.22) its CPU kernel has a tiled flash path
 *   ({@code GQAAttentionBase::ApplyAttentionFlash}, MLAS online softmax), taken by
 *   default when total_sequence_length &gt; 1, present_key/present_value are
 *   requested, and there is no attention bias, softcap, smooth softmax, head sink
 *   or QK output; {@code ORT_GQA_DISABLE_FLASH_ATTENTION=1} forces the unfused
 *   path, which materialises 4·B·H·N² bytes of probabilities; then
 *   {@link GroupQueryAttention#supports} refuses shapes beyond
 *   {@code -Dpanamax.peers.ort.maxScratchBytes} (default 8 GiB). The required
 *   present_key/present_value outputs are pinned to scratch, so ORT writes its
 *   K/V cache copy there instead of allocating it each run.</li>
 * </ul>
 * Both ops transpose Q/K/V to [B,H,N,D] internally (three copies per call).
 */
public final class OnnxRuntimePeers {
    private OnnxRuntimePeers() {
    }

    /** Whether an environment variable read by ORT as a bool is set to true (ORT_DISABLE_FLASH_ATTENTION etc.). */
    static boolean envFlag(String name) {
        String v = System.getenv(name);
        return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }

    static OrtSession.SessionOptions sessionOptions(int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(Math.max(1, threads));
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        // Idle pool threads block instead of spinning: the benchmark times every implementation in
        // rounds (Rounds), and spinning threads would take the cores from the next one in the round
        // (measured: our RoPE call 1.5-2x slower right after an ORT run with spinning on).
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    /** A zero-copy F32 ORT tensor over a native segment of {@code dims} elements. */
    static OnnxTensor floatView(OrtEnvironment env, MemorySegment segment, long... dims) throws OrtException {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        if (count * Float.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ORT Java buffers are limited to 2 GiB: " + count + " floats");
        }
        FloatBuffer buffer = segment.asSlice(0, count * Float.BYTES).asByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        // A direct buffer in native order is wrapped, not copied (OrtUtil.prepareBuffer).
        return OnnxTensor.createTensor(env, buffer, dims);
    }

    /** A zero-copy INT32 ORT tensor over a native segment of {@code dims} elements. */
    static OnnxTensor intView(OrtEnvironment env, MemorySegment segment, long... dims) throws OrtException {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        return OnnxTensor.createTensor(env, segment.asSlice(0, count * Integer.BYTES).asByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN).asIntBuffer(), dims);
    }

    /** q and out [B, N, H·D], k and v [B, N, Hkv·D], all contiguous F32. */
    static void requireInputs(AttentionShape s, Tensor q, Tensor k, Tensor v, Tensor out) {
        long rows = (long) s.batch() * s.seqLen();
        requireF32("q", q, rows * s.heads() * s.headDim());
        requireF32("k", k, rows * s.kvHeads() * s.headDim());
        requireF32("v", v, rows * s.kvHeads() * s.headDim());
        requireF32("out", out, rows * s.heads() * s.headDim());
    }

    /** The outputs of GQA and SparseAttention: output [B,N,H*D], present_key/value [B,Hkv,N,D]. */
    static List<ValueInfo> outputsWithPresent(AttentionShape s) {
        long b = s.batch();
        long n = s.seqLen();
        long d = s.headDim();
        return List.of(new ValueInfo("output", OnnxProto.FLOAT, b, n, (long) s.heads() * d),
                new ValueInfo("present_key", OnnxProto.FLOAT, b, s.kvHeads(), n, d),
                new ValueInfo("present_value", OnnxProto.FLOAT, b, s.kvHeads(), n, d));
    }

    /** The B·H·N·N fp32 probabilities an unfused ORT kernel allocates per call. */
    public static long probabilitiesBytes(AttentionShape s) {
        return 4L * s.batch() * s.heads() * (long) s.seqLen() * s.seqLen();
    }

    /** The most {@link #probabilitiesBytes} a peer may ask for ({@code -Dpanamax.peers.ort.maxScratchBytes}). */
    static long maxScratchBytes() {
        return Long.getLong("panamax.peers.ort.maxScratchBytes", 8L << 30);
    }

    static void requireF32(String what, Tensor t, long elements) {
        if (!t.isContiguous() || t.elementCount() != elements || t.dtype() != dev.panamax.DType.F32) {
            throw new IllegalArgumentException(what + ": expected a contiguous F32 tensor of " + elements
                    + " elements");
        }
    }

    /** The prepared session: inputs and pinned outputs bound once, {@code run()} is one {@code OrtSession.run}. */
    static final class OrtPrepared implements AttentionPeer.Prepared {
        private final OrtSession.SessionOptions options;
        private final OrtSession session;
        private final Map<String, OnnxTensor> inputs;
        private final Map<String, OnnxTensor> outputs;
        private final Runnable before;
        private final Arena arena;

        OrtPrepared(OrtSession.SessionOptions options, OrtSession session, Map<String, OnnxTensor> inputs,
                    Map<String, OnnxTensor> outputs, Runnable before, Arena arena) {
            this.options = options;
            this.session = session;
            this.inputs = inputs;
            this.outputs = outputs;
            this.before = before;
            this.arena = arena;
        }

        @Override
        public void run() throws OrtException {
            if (before != null) {
                before.run();
            }
            // Pinned outputs: ORT writes into the caller's buffers; the Result holds no other values.
            try (OrtSession.Result ignored = session.run(inputs, outputs)) {
                // nothing to copy
            }
        }

        @Override
        public void close() throws OrtException {
            try {
                session.close();
                options.close();
            } finally {
                for (OnnxValue v : inputs.values()) {
                    v.close();
                }
                for (OnnxValue v : outputs.values()) {
                    v.close();
                }
                if (arena != null) {
                    arena.close();
                }
            }
        }
    }

    /** {@code com.microsoft.MultiHeadAttention}, non-causal: ORT's MLAS flash-attention path on CPU. */
    public static final class MultiHeadAttention implements AttentionPeer {
        @Override
        public String name() {
            return envFlag("ORT_DISABLE_FLASH_ATTENTION") ? "onnxruntime MultiHeadAttention (unfused)"
                    : "onnxruntime MultiHeadAttention";
        }

        @Override
        public boolean supports(AttentionShape s) {
            return s.isDense() && !s.causal() && s.kvHeads() > 0 && s.heads() % s.kvHeads() == 0;
        }

        /** The model, exposed for tests: query/key/value [B,N,H*D] in, output [B,N,H*D] out. */
        public static byte[] model(AttentionShape s) {
            long b = s.batch();
            long n = s.seqLen();
            long hidden = (long) s.heads() * s.headDim();
            return OnnxProto.singleNodeModel("MultiHeadAttention", OnnxProto.MS_DOMAIN,
                    List.of("query", "key", "value"),
                    // Only output 0: requesting present_key/present_value disables the flash path.
                    List.of("output"),
                    List.of(Attribute.ofInt("num_heads", s.heads()),
                            Attribute.ofFloat("scale", (float) (1.0 / Math.sqrt(s.headDim())))),
                    List.of(new ValueInfo("query", OnnxProto.FLOAT, b, n, hidden),
                            new ValueInfo("key", OnnxProto.FLOAT, b, n, hidden),
                            new ValueInfo("value", OnnxProto.FLOAT, b, n, hidden)),
                    List.of(new ValueInfo("output", OnnxProto.FLOAT, b, n, hidden)));
        }

        @Override
        public AttentionPeer.Prepared prepare(AttentionShape s, Tensor q, Tensor k, Tensor v, Tensor out, int threads)
                throws OrtException {
            if (!supports(s)) {
                throw new IllegalArgumentException(name() + " does not support " + s);
            }
            long b = s.batch();
            long n = s.seqLen();
            long d = s.headDim();
            int h = s.heads();
            int hkv = s.kvHeads();
            long hidden = h * d;
            requireInputs(s, q, k, v, out);

            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = sessionOptions(threads);
            OrtSession session = null;
            Arena arena = null;
            List<OnnxTensor> made = new ArrayList<>();
            try {
                session = env.createSession(model(s), options);
                MemorySegment kIn = k.segment();
                MemorySegment vIn = v.segment();
                Runnable before = null;
                if (hkv != h) {
                    arena = Arena.ofShared();
                    MemorySegment kx = arena.allocate(b * n * hidden * Float.BYTES, 64);
                    MemorySegment vx = arena.allocate(b * n * hidden * Float.BYTES, 64);
                    MemorySegment ks = k.segment();
                    MemorySegment vs = v.segment();
                    int group = h / hkv;
                    before = () -> {
                        repeatHeads(ks, kx, b * n, hkv, group, d);
                        repeatHeads(vs, vx, b * n, hkv, group, d);
                    };
                    kIn = kx;
                    vIn = vx;
                }
                Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
                inputs.put("query", track(made, floatView(env, q.segment(), b, n, hidden)));
                inputs.put("key", track(made, floatView(env, kIn, b, n, hidden)));
                inputs.put("value", track(made, floatView(env, vIn, b, n, hidden)));
                Map<String, OnnxTensor> outputs = Map.of("output",
                        track(made, floatView(env, out.segment(), b, n, hidden)));
                return new OrtPrepared(options, session, inputs, outputs, before, arena);
            } catch (OrtException | RuntimeException e) {
                closeAfterFailedPrepare(made, session, options, arena);
                throw e;
            }
        }
    }

    /** dst[r, kv*group + j, :] = src[r, kv, :] for rows r of [rows, hkv, d] → [rows, hkv*group, d]. */
    static void repeatHeads(MemorySegment src, MemorySegment dst, long rows, int hkv, int group, long d) {
        long headBytes = d * Float.BYTES;
        for (long r = 0; r < rows; r++) {
            for (int kv = 0; kv < hkv; kv++) {
                long from = (r * hkv + kv) * headBytes;
                for (int j = 0; j < group; j++) {
                    long to = (r * (long) hkv * group + (long) kv * group + j) * headBytes;
                    MemorySegment.copy(src, from, dst, to, headBytes);
                }
            }
        }
    }

    /**
     * {@code com.microsoft.GroupQueryAttention}, causal (a first prompt of N tokens); see the class comment.
     * Also the sliding window ({@code local_window_size}) and {@code softcap} of issue 8, no block layout.
     *
     * <p>Window: in ORT 1.29 both CPU paths let query i see the {@code local_window_size} keys
     * i - local_window_size + 1 .. i ({@code MlasFlashAttentionGQA}: window_start = i + 1 - size;
     * the unfused path: softmax over the last size keys of the causal row), so a window of
     * {@code windowLeft} keys to the left is {@code local_window_size = windowLeft + 1}. (An older
     * gqa_attention_base.h softmaxed over size + 1 keys; {@link PeerCheck} pins the 1.29 behaviour.)
     * The flash path still runs every KV tile from key 0 and masks the ones left of the window, so its
     * cost is the full causal cost. Softcap forces the unfused path (B·H·N² floats of scratch).
     */
    public static final class GroupQueryAttention implements AttentionPeer {
        @Override
        public String name() {
            return envFlag("ORT_GQA_DISABLE_FLASH_ATTENTION") ? "onnxruntime GroupQueryAttention (unfused)"
                    : "onnxruntime GroupQueryAttention";
        }

        @Override
        public boolean supports(AttentionShape s) {
            return s.causal() && s.layout() == null && s.kvHeads() > 0 && s.heads() % s.kvHeads() == 0
                    && (!unfused(s) || probabilitiesBytes(s) <= maxScratchBytes());
        }

        /** Whether ORT takes its unfused path, which materialises {@link #probabilitiesBytes}. */
        static boolean unfused(AttentionShape s) {
            return s.softcap() > 0 || envFlag("ORT_GQA_DISABLE_FLASH_ATTENTION");
        }

        /** The node attributes: heads, scale, and the window and softcap when the shape has them. */
        static List<Attribute> attributes(AttentionShape s) {
            List<Attribute> attributes = new ArrayList<>(List.of(Attribute.ofInt("num_heads", s.heads()),
                    Attribute.ofInt("kv_num_heads", s.kvHeads()),
                    Attribute.ofFloat("scale", (float) (1.0 / Math.sqrt(s.headDim())))));
            if (s.windowLeft() >= 0) {
                attributes.add(Attribute.ofInt("local_window_size", s.windowLeft() + 1L));
            }
            if (s.softcap() > 0) {
                attributes.add(Attribute.ofFloat("softcap", s.softcap()));
            }
            return attributes;
        }

        /**
         * The model: query [B,N,H*D], key/value [B,N,Hkv*D], seqlens_k int32 [B],
         * total_sequence_length int32 scalar in; output [B,N,H*D], present_key/value
         * [B,Hkv,N,D] out (required by the op; pinned to scratch).
         */
        public static byte[] model(AttentionShape s) {
            long b = s.batch();
            long n = s.seqLen();
            long d = s.headDim();
            long hidden = s.heads() * d;
            long kvHidden = s.kvHeads() * d;
            return OnnxProto.singleNodeModel("GroupQueryAttention", OnnxProto.MS_DOMAIN,
                    List.of("query", "key", "value", "", "", "seqlens_k", "total_sequence_length"),
                    List.of("output", "present_key", "present_value"),
                    attributes(s),
                    List.of(new ValueInfo("query", OnnxProto.FLOAT, b, n, hidden),
                            new ValueInfo("key", OnnxProto.FLOAT, b, n, kvHidden),
                            new ValueInfo("value", OnnxProto.FLOAT, b, n, kvHidden),
                            new ValueInfo("seqlens_k", OnnxProto.INT32, b),
                            new ValueInfo("total_sequence_length", OnnxProto.INT32)),
                    outputsWithPresent(s));
        }

        @Override
        public AttentionPeer.Prepared prepare(AttentionShape s, Tensor q, Tensor k, Tensor v, Tensor out, int threads)
                throws OrtException {
            if (!supports(s)) {
                throw new IllegalArgumentException(name() + " does not support " + s
                        + " (causal only, no block layout; unfused scratch " + probabilitiesBytes(s) + " bytes)");
            }
            requireInputs(s, q, k, v, out);
            long b = s.batch();
            long n = s.seqLen();
            long d = s.headDim();
            long hidden = s.heads() * d;
            long kvHidden = s.kvHeads() * d;

            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = sessionOptions(threads);
            OrtSession session = null;
            Arena arena = Arena.ofShared();
            List<OnnxTensor> made = new ArrayList<>();
            try {
                session = env.createSession(model(s), options);
                MemorySegment seqlens = arena.allocate(ValueLayout.JAVA_INT, b);
                for (long i = 0; i < b; i++) {
                    seqlens.setAtIndex(ValueLayout.JAVA_INT, i, (int) (n - 1));
                }
                MemorySegment total = arena.allocate(ValueLayout.JAVA_INT);
                total.set(ValueLayout.JAVA_INT, 0, (int) n);
                MemorySegment presentK = arena.allocate(b * kvHidden * n * Float.BYTES, 64);
                MemorySegment presentV = arena.allocate(b * kvHidden * n * Float.BYTES, 64);

                Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
                inputs.put("query", track(made, floatView(env, q.segment(), b, n, hidden)));
                inputs.put("key", track(made, floatView(env, k.segment(), b, n, kvHidden)));
                inputs.put("value", track(made, floatView(env, v.segment(), b, n, kvHidden)));
                inputs.put("seqlens_k", track(made, intView(env, seqlens, b)));
                inputs.put("total_sequence_length", track(made, intView(env, total)));
                Map<String, OnnxTensor> outputs = new LinkedHashMap<>();
                outputs.put("output", track(made, floatView(env, out.segment(), b, n, hidden)));
                outputs.put("present_key", track(made, floatView(env, presentK, b, s.kvHeads(), n, d)));
                outputs.put("present_value", track(made, floatView(env, presentV, b, s.kvHeads(), n, d)));
                return new OrtPrepared(options, session, inputs, outputs, null, arena);
            } catch (OrtException | RuntimeException e) {
                closeAfterFailedPrepare(made, session, options, arena);
                throw e;
            }
        }

    }

    static OnnxTensor track(List<OnnxTensor> made, OnnxTensor t) {
        made.add(t);
        return t;
    }

    /** Releases what a failed prepare() made so far (session and arena may be null). */
    static void closeAfterFailedPrepare(List<OnnxTensor> made, OrtSession session,
                                                OrtSession.SessionOptions options, Arena arena)
            throws OrtException {
        for (OnnxTensor t : made) {
            t.close();
        }
        if (session != null) {
            session.close();
        }
        options.close();
        if (arena != null) {
            arena.close();
        }
    }
}
