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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.panamax.bench.peers.OnnxRuntimePeers.floatView;
import static dev.panamax.bench.peers.OnnxRuntimePeers.intView;
import static dev.panamax.bench.peers.OnnxRuntimePeers.maxScratchBytes;
import static dev.panamax.bench.peers.OnnxRuntimePeers.probabilitiesBytes;
import static dev.panamax.bench.peers.OnnxRuntimePeers.requireInputs;
import static dev.panamax.bench.peers.OnnxRuntimePeers.track;

/**
 * {@code com.microsoft.SparseAttention} on ORT's CPU execution provider: causal self-attention over a
 * {@link BlockLayout} (a first prompt of N tokens), as a JVM user would run it from Java.
 *
 * <p>What its CPU kernel ({@code contrib_ops/cpu/sparse/sparse_attention_base.h}, ORT 1.29) does and
 * assumes, which {@link #supports} follows:
 * <ul>
 *   <li>Per (batch, head) it computes the whole N×N QKᵀ with one GEMM, sets the scores of unvisited
 *   tiles to the lowest float, runs a causal row softmax, then multiplies the whole N×N probability
 *   matrix by V: dense cost (more than dense causal: neither GEMM skips the upper triangle), plus
 *   B·H·N² floats of scratch ({@link OnnxRuntimePeers#probabilitiesBytes}, capped like GQA's unfused path by
 *   {@code -Dpanamax.peers.ort.maxScratchBytes}).</li>
 *   <li>Causal only, Nq = Nk, one square block size ({@code sparse_block_size}) for queries and keys.
 *   The layout is CSR per layout head: {@code block_row_indices} [L, nb + 1],
 *   {@code block_col_indices} [L, max nnz], L dividing H; head h reads layout h mod L, so our shared
 *   (1) or per-head (H) layouts both map directly. Tiles above the diagonal are left out of the CSR
 *   (causality masks them entirely anyway): a row whose CSR count is row + 1 is taken as the full
 *   causal row, which is only right for a lower-triangular layout.</li>
 *   <li>A block row with no visited tile gives each of its queries the plain average of V over its
 *   causal keys (softmax of all-equal lowest scores), where our contract says 0: such layouts are not
 *   supported.</li>
 *   <li>head_size a multiple of 8; past_key/past_value [B, Hkv, cache, D] are required and must share
 *   their buffers with present_key/present_value (the kernel enforces it), so the pinned present
 *   outputs are views of the past inputs; ORT copies the new K/V into that cache on every run.
 *   Rotary ({@code do_rotary}) is off; no window, softcap, or non-causal variant exists.</li>
 * </ul>
 */
public final class OnnxRuntimeSparseAttention implements AttentionPeer {

    @Override
    public String name() {
        return "onnxruntime SparseAttention";
    }

    @Override
    public boolean supports(AttentionShape s) {
        return s.causal() && s.layout() != null && s.windowLeft() < 0 && s.softcap() == 0
                && s.headDim() % 8 == 0 && s.kvHeads() > 0 && s.heads() % s.kvHeads() == 0 && s.seqLen() > 0
                && everyRowVisitsATile(s.layout())
                && probabilitiesBytes(s) <= maxScratchBytes();
    }

    /** Whether each block row of each layout head visits at least one tile at or left of the diagonal. */
    static boolean everyRowVisitsATile(BlockLayout layout) {
        for (int h = 0; h < layout.heads(); h++) {
            for (int r = 0; r < layout.rows(); r++) {
                boolean any = false;
                for (int c = 0; c <= r && !any; c++) {
                    any = layout.visits(h, r, c);
                }
                if (!any) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The layout in ORT's CSR form: row offsets [L, rows + 1] and column indices [L, max nnz] (0-padded). */
    record Csr(int layouts, int rows, int maxNnz, int[] rowIndices, int[] colIndices) {
        static Csr of(BlockLayout layout) {
            int l = layout.heads();
            int rows = layout.rows();
            int[] rowIndices = new int[l * (rows + 1)];
            int maxNnz = 0;
            for (int h = 0; h < l; h++) {
                int nnz = 0;
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c <= r; c++) {
                        if (layout.visits(h, r, c)) {
                            nnz++;
                        }
                    }
                    rowIndices[h * (rows + 1) + r + 1] = nnz;
                }
                maxNnz = Math.max(maxNnz, nnz);
            }
            int[] colIndices = new int[l * maxNnz];
            for (int h = 0; h < l; h++) {
                int at = h * maxNnz;
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c <= r; c++) {
                        if (layout.visits(h, r, c)) {
                            colIndices[at++] = c;
                        }
                    }
                }
            }
            return new Csr(l, rows, maxNnz, rowIndices, colIndices);
        }
    }

    /**
     * The model: query [B,N,H*D], key/value [B,N,Hkv*D], past_key/value [B,Hkv,N,D], the CSR layout,
     * total_sequence_length int32 [1] and key_total_sequence_lengths int32 [B] in; output [B,N,H*D]
     * and present_key/value [B,Hkv,N,D] out.
     */
    public static byte[] model(AttentionShape s, Csr csr) {
        long b = s.batch();
        long n = s.seqLen();
        long d = s.headDim();
        long hidden = s.heads() * d;
        long kvHidden = s.kvHeads() * d;
        return OnnxProto.singleNodeModel("SparseAttention", OnnxProto.MS_DOMAIN,
                List.of("query", "key", "value", "past_key", "past_value", "block_row_indices",
                        "block_col_indices", "total_sequence_length", "key_total_sequence_lengths"),
                List.of("output", "present_key", "present_value"),
                List.of(Attribute.ofInt("num_heads", s.heads()),
                        Attribute.ofInt("kv_num_heads", s.kvHeads()),
                        Attribute.ofFloat("scale", (float) (1.0 / Math.sqrt(d))),
                        Attribute.ofInt("sparse_block_size", s.layout().block())),
                List.of(new ValueInfo("query", OnnxProto.FLOAT, b, n, hidden),
                        new ValueInfo("key", OnnxProto.FLOAT, b, n, kvHidden),
                        new ValueInfo("value", OnnxProto.FLOAT, b, n, kvHidden),
                        new ValueInfo("past_key", OnnxProto.FLOAT, b, s.kvHeads(), n, d),
                        new ValueInfo("past_value", OnnxProto.FLOAT, b, s.kvHeads(), n, d),
                        new ValueInfo("block_row_indices", OnnxProto.INT32, csr.layouts(), csr.rows() + 1),
                        new ValueInfo("block_col_indices", OnnxProto.INT32, csr.layouts(), csr.maxNnz()),
                        new ValueInfo("total_sequence_length", OnnxProto.INT32, 1),
                        new ValueInfo("key_total_sequence_lengths", OnnxProto.INT32, b)),
                OnnxRuntimePeers.outputsWithPresent(s));
    }

    @Override
    public AttentionPeer.Prepared prepare(AttentionShape s, Tensor q, Tensor k, Tensor v, Tensor out, int threads)
            throws OrtException {
        if (!supports(s)) {
            throw new IllegalArgumentException(name() + " does not support " + s + " (causal with a layout whose "
                    + "every block row visits a tile, no window or softcap, D % 8 == 0; scratch "
                    + probabilitiesBytes(s) + " bytes)");
        }
        requireInputs(s, q, k, v, out);
        long b = s.batch();
        long n = s.seqLen();
        long d = s.headDim();
        long hidden = s.heads() * d;
        long kvHidden = s.kvHeads() * d;
        Csr csr = Csr.of(s.layout());

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = OnnxRuntimePeers.sessionOptions(threads);
        OrtSession session = null;
        Arena arena = Arena.ofShared();
        List<OnnxTensor> made = new ArrayList<>();
        try {
            session = env.createSession(model(s, csr), options);
            MemorySegment cacheK = arena.allocate(b * kvHidden * n * Float.BYTES, 64);
            MemorySegment cacheV = arena.allocate(b * kvHidden * n * Float.BYTES, 64);
            MemorySegment rowIndices = ints(arena, csr.rowIndices());
            MemorySegment colIndices = ints(arena, csr.colIndices());
            MemorySegment total = ints(arena, new int[] {(int) n});
            int[] lengths = new int[(int) b];
            Arrays.fill(lengths, (int) n);
            MemorySegment keyLengths = ints(arena, lengths);

            Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
            inputs.put("query", track(made, floatView(env, q.segment(), b, n, hidden)));
            inputs.put("key", track(made, floatView(env, k.segment(), b, n, kvHidden)));
            inputs.put("value", track(made, floatView(env, v.segment(), b, n, kvHidden)));
            inputs.put("past_key", track(made, floatView(env, cacheK, b, s.kvHeads(), n, d)));
            inputs.put("past_value", track(made, floatView(env, cacheV, b, s.kvHeads(), n, d)));
            inputs.put("block_row_indices", track(made, intView(env, rowIndices, csr.layouts(), csr.rows() + 1)));
            inputs.put("block_col_indices", track(made, intView(env, colIndices, csr.layouts(), csr.maxNnz())));
            inputs.put("total_sequence_length", track(made, intView(env, total, 1)));
            inputs.put("key_total_sequence_lengths", track(made, intView(env, keyLengths, b)));
            Map<String, OnnxTensor> outputs = new LinkedHashMap<>();
            outputs.put("output", track(made, floatView(env, out.segment(), b, n, hidden)));
            // The kernel requires present to be past's buffer (past_present_share_buffer).
            outputs.put("present_key", track(made, floatView(env, cacheK, b, s.kvHeads(), n, d)));
            outputs.put("present_value", track(made, floatView(env, cacheV, b, s.kvHeads(), n, d)));
            return new OnnxRuntimePeers.OrtPrepared(options, session, inputs, outputs, null, arena);
        } catch (OrtException | RuntimeException e) {
            OnnxRuntimePeers.closeAfterFailedPrepare(made, session, options, arena);
            throw e;
        }
    }

    private static MemorySegment ints(Arena arena, int[] values) {
        MemorySegment m = arena.allocate(ValueLayout.JAVA_INT, values.length);
        MemorySegment.copy(values, 0, m, ValueLayout.JAVA_INT, 0, values.length);
        return m;
    }
}
