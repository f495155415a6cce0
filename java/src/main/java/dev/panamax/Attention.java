package dev.panamax;

import dev.panamax.internal.ScratchPool;
import dev.panamax.internal.TensorStruct;
import dev.panamax.internal.ffi.Panamax_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Fused attention: {@code out = softmax(q kᵀ · scale [+ causal mask]) v}, computed tile by tile with an
 * online softmax, so extra memory is O(N), never O(N²).
 *
 * <table class="striped">
 * <caption>Shapes</caption>
 * <tr><th>tensor</th><th>dense (no cuSeqlens)</th><th>packed varlen (cuSeqlens given)</th></tr>
 * <tr><td>q</td><td>{@code [B, Nq, H, D]}</td><td>{@code [total_q, H, D]}</td></tr>
 * <tr><td>k, v</td><td>{@code [B, Nk, Hkv, D]}</td><td>{@code [total_k, Hkv, D]}</td></tr>
 * <tr><td>out</td><td>{@code [B, Nq, H, D]}</td><td>{@code [total_q, H, D]}</td></tr>
 * <tr><td>lse (optional)</td><td>{@code [B, H, Nq]}</td><td>{@code [H, total_q]}</td></tr>
 * <tr><td>cuSeqlensQ/K</td><td>&mdash;</td><td>{@code [B + 1]} I32, {@code 0 = c[0] <= c[1] <= ...}</td></tr>
 * </table>
 *
 * <ul>
 * <li>dtype: F32 everywhere (the {@linkplain #forwardReference reference} also takes F64); any strides
 *     {@code >= 0} (in elements), e.g. q, k, v as views of one fused QKV buffer; native segments only.</li>
 * <li>H must be a multiple of Hkv (grouped-query / multi-query): query head {@code h} reads key/value head
 *     {@code h / (H / Hkv)}. D from 1 to 512.</li>
 * <li>Causal masking is aligned to the bottom-right corner (see {@link AttentionOptions}); a row that
 *     sees no key gets output 0 and lse {@code -inf}.</li>
 * <li>{@code lse[row] = log(sum_j exp(q·k_j · scale))}, natural log.</li>
 * </ul>
 *
 * <p><b>Errors.</b> Bad arguments that Java can see (null, rank, dtype, shapes, D, H % Hkv, heap or
 * closed memory, workspace alignment) throw {@link IllegalArgumentException} naming the argument, before
 * any native call. What only the library checks (contents of cuSeqlens, workspace size) throws
 * {@link PanamaxException} with its status and message. A closed {@link Context} throws
 * {@link IllegalStateException}.
 *
 * <p><b>Threading and memory.</b> Each call runs on the caller's thread plus up to
 * {@code ctx.numThreads() - 1} OpenMP workers (see {@link Context}); results are bit-identical whatever
 * the thread count. The library never keeps a pointer after a call returns, but it reads and writes the
 * tensors' memory during the call: do not close their arenas while a call runs. The
 * {@link #forward(Context, Tensor, Tensor, Tensor, AttentionOptions, Tensor, Tensor) out-parameter forms}
 * allocate nothing on the Java heap in steady state (native scratch is pooled and reused).
 */
public final class Attention {
    private static final int FUSED = 0;
    private static final int NAIVE = 1;
    private static final int REFERENCE = 2;
    private static final int WORKSPACE_TOO_SMALL = Status.WORKSPACE_TOO_SMALL.code();

    private Attention() {}

    // ---- convenience forms (allocate the output) ----------------------------------

    /**
     * Runs attention on {@link Context#global()} and returns a new output, allocated in
     * {@link Arena#ofAuto()} (freed by the garbage collector).
     *
     * @param q       queries {@code [B, Nq, H, D]} or {@code [total_q, H, D]}, F32
     * @param k       keys {@code [B, Nk, Hkv, D]} or {@code [total_k, Hkv, D]}, F32
     * @param v       values, shaped like k, F32
     * @param options null means {@link AttentionOptions#defaults()}
     * @return out, shaped like q, F32, contiguous
     */
    public static Tensor forward(Tensor q, Tensor k, Tensor v, AttentionOptions options) {
        return forward(Arena.ofAuto(), q, k, v, options);
    }

    /**
     * Runs attention on {@link Context#global()}, allocating the output in {@code arena}.
     *
     * @param arena   owns the output
     * @param q       queries {@code [B, Nq, H, D]} or {@code [total_q, H, D]}, F32
     * @param k       keys {@code [B, Nk, Hkv, D]} or {@code [total_k, Hkv, D]}, F32
     * @param v       values, shaped like k, F32
     * @param options null means {@link AttentionOptions#defaults()}
     * @return out, shaped like q, F32, contiguous
     */
    public static Tensor forward(Arena arena, Tensor q, Tensor k, Tensor v, AttentionOptions options) {
        AttentionOptions o = orDefaults(options);
        precheck(arena, q, k, v, o);
        Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
        forward(Context.global(), q, k, v, o, out, null);
        return out;
    }

    /**
     * Runs attention on {@link Context#global()}, allocating out and lse in {@code arena}.
     *
     * @param arena   owns the outputs
     * @param q       queries {@code [B, Nq, H, D]} or {@code [total_q, H, D]}, F32
     * @param k       keys {@code [B, Nk, Hkv, D]} or {@code [total_k, Hkv, D]}, F32
     * @param v       values, shaped like k, F32
     * @param options null means {@link AttentionOptions#defaults()}
     * @return out (shaped like q) and lse ({@code [B, H, Nq]} dense, {@code [H, total_q]} varlen), F32
     */
    public static AttentionResult forwardWithLse(Arena arena, Tensor q, Tensor k, Tensor v,
                                                 AttentionOptions options) {
        AttentionOptions o = orDefaults(options);
        precheck(arena, q, k, v, o);
        Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
        Tensor lse = Tensor.allocate(arena, DType.F32, lseShape(q, o));
        forward(Context.global(), q, k, v, o, out, lse);
        return new AttentionResult(out, lse);
    }

    // ---- hot path -------------------------------------------------------------------

    /**
     * Runs attention into caller-given tensors, with pooled native scratch: allocates nothing on the Java
     * heap in steady state.
     *
     * @param ctx     the context (thread count, error message)
     * @param q       queries {@code [B, Nq, H, D]} or {@code [total_q, H, D]}, F32
     * @param k       keys {@code [B, Nk, Hkv, D]} or {@code [total_k, Hkv, D]}, F32
     * @param v       values, shaped like k, F32
     * @param options null means {@link AttentionOptions#defaults()}
     * @param out     written: {@code [B, Nq, H, D]} or {@code [total_q, H, D]}, F32, any strides
     * @param lse     written when not null: {@code [B, H, Nq]} or {@code [H, total_q]}, F32
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws IllegalStateException    when {@code ctx} is closed
     * @throws PanamaxException         when the library refuses the call (for example non-monotonic
     *                                  cuSeqlens: {@link Status#INVALID_ARGUMENT})
     */
    public static void forward(Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options, Tensor out,
                               Tensor lse) {
        run(FUSED, ctx, q, k, v, options, out, lse, null, false);
    }

    /**
     * Like {@link #forward(Context, Tensor, Tensor, Tensor, AttentionOptions, Tensor, Tensor)}, with the
     * caller's workspace instead of pooled scratch.
     *
     * @param workspace native, 64-byte aligned, at least {@link #workspaceBytes} bytes (its whole
     *                  {@code byteSize()} is offered); null when that size is 0
     * @throws PanamaxException {@link Status#WORKSPACE_TOO_SMALL} when it is smaller than needed
     */
    public static void forward(Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options, Tensor out,
                               Tensor lse, MemorySegment workspace) {
        run(FUSED, ctx, q, k, v, options, out, lse, workspace, true);
    }

    /**
     * Bytes of workspace {@link #forward(Context, Tensor, Tensor, Tensor, AttentionOptions, Tensor, Tensor,
     * MemorySegment)} needs for these inputs on {@code ctx} (it depends on the context's thread count).
     *
     * @throws PanamaxException {@link Status#UNSUPPORTED} for a valid combination this build cannot run
     */
    public static long workspaceBytes(Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options) {
        return workspaceSize(FUSED, ctx, q, k, v, options);
    }

    // ---- baselines ---------------------------------------------------------------------

    /**
     * The float64 reference: the same contract, computed in double precision with the full score row
     * materialised, on one thread (slow; for tests and accuracy baselines). q, k, v, out and lse may each
     * be F32 or F64; pass F64 out/lse to get float64 results. Needs no workspace.
     */
    public static void forwardReference(Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options,
                                        Tensor out, Tensor lse) {
        run(REFERENCE, ctx, q, k, v, options, out, lse, null, false);
    }

    /**
     * The naive two-pass fp32 attention a user would write first: materialises the {@code [Nq, Nk]} score
     * matrix of each (batch, head), using the context's threads over heads. The O(N²)-memory baseline for
     * benchmarks. Scratch up to 64 MiB is pooled; larger is allocated for the call (use the overload with
     * a workspace to time it without that).
     */
    public static void forwardNaive(Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options,
                                    Tensor out, Tensor lse) {
        run(NAIVE, ctx, q, k, v, options, out, lse, null, false);
    }

    /**
     * {@link #forwardNaive(Context, Tensor, Tensor, Tensor, AttentionOptions, Tensor, Tensor)} with the
     * caller's workspace of at least {@link #naiveWorkspaceBytes} bytes (native, 64-byte aligned).
     */
    public static void forwardNaive(Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options,
                                    Tensor out, Tensor lse, MemorySegment workspace) {
        run(NAIVE, ctx, q, k, v, options, out, lse, workspace, true);
    }

    /** Bytes of workspace the naive kernel needs: one {@code [Nq, Nk]} fp32 matrix per thread. */
    public static long naiveWorkspaceBytes(Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options) {
        return workspaceSize(NAIVE, ctx, q, k, v, options);
    }

    // ---- internals -------------------------------------------------------------------

    private static AttentionOptions orDefaults(AttentionOptions options) {
        return options == null ? AttentionOptions.defaults() : options;
    }

    /** Validates q, k, v, options before allocating outputs (q stands in for out). */
    private static void precheck(Arena arena, Tensor q, Tensor k, Tensor v, AttentionOptions o) {
        if (arena == null) throw new IllegalArgumentException("arena: must not be null");
        Checks.attention(q, k, v, o, q, null, false);
    }

    private static long[] lseShape(Tensor q, AttentionOptions o) {
        return o.isVarlen() ? new long[] {q.shape(1), q.shape(0)} : new long[] {q.shape(0), q.shape(2), q.shape(1)};
    }

    private static void fillParams(MemorySegment p, Tensor q, Tensor k, Tensor v, AttentionOptions o, Tensor out,
                                   Tensor lse) {
        p.set(ValueLayout.JAVA_LONG, TensorStruct.PARAMS_STRUCT_SIZE, TensorStruct.PARAMS_SIZE);
        TensorStruct.fill(p, TensorStruct.PARAMS_Q, q);
        TensorStruct.fill(p, TensorStruct.PARAMS_K, k);
        TensorStruct.fill(p, TensorStruct.PARAMS_V, v);
        TensorStruct.fill(p, TensorStruct.PARAMS_CU_Q, o.cuSeqlensQ());
        TensorStruct.fill(p, TensorStruct.PARAMS_CU_K, o.cuSeqlensK());
        p.set(ValueLayout.JAVA_FLOAT, TensorStruct.PARAMS_SCALE, o.scale());
        p.set(ValueLayout.JAVA_INT, TensorStruct.PARAMS_CAUSAL, o.causal() ? 1 : 0);
        TensorStruct.fill(p, TensorStruct.PARAMS_OUT, out);
        TensorStruct.fill(p, TensorStruct.PARAMS_LSE, lse);
    }

    private static void run(int kind, Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options,
                            Tensor out, Tensor lse, MemorySegment workspace, boolean callerWorkspace) {
        AttentionOptions o = orDefaults(options);
        Checks.requireContext(ctx);
        Checks.attention(q, k, v, o, out, lse, kind == REFERENCE);
        if (callerWorkspace) Checks.workspace(workspace);
        MemorySegment h = ctx.acquire();
        ScratchPool.Slot slot = ScratchPool.take();
        try {
            MemorySegment p = slot.struct;
            fillParams(p, q, k, v, o, out, lse);
            int status;
            if (kind == REFERENCE) {
                status = Panamax_h.pmx_attention_fwd_reference(h, p);
            } else {
                MemorySegment ws = callerWorkspace ? (workspace == null ? MemorySegment.NULL : workspace)
                        : slot.currentWorkspace();
                status = runKernel(kind, h, p, ws);
                if (status == WORKSPACE_TOO_SMALL && !callerWorkspace) {
                    // Steady state is one downcall: the pooled workspace is tried first and
                    // only grown (size query, then retry) when the library says it is short.
                    status = kind == FUSED ? Panamax_h.pmx_attention_fwd_workspace_size(h, p, slot.outLong)
                            : Panamax_h.pmx_bench_attention_unfused_workspace_size(h, p, slot.outLong);
                    if (status != 0) throw Context.failure(h, status);
                    ws = slot.workspace(slot.outLong.get(ValueLayout.JAVA_LONG, 0));
                    status = runKernel(kind, h, p, ws);
                }
            }
            if (status != 0) throw Context.failure(h, status);
        } finally {
            ScratchPool.give(slot);
            ctx.release();
        }
    }

    private static int runKernel(int kind, MemorySegment h, MemorySegment p, MemorySegment ws) {
        return kind == FUSED ? Panamax_h.pmx_attention_fwd(h, p, ws, ws.byteSize())
                : Panamax_h.pmx_bench_attention_unfused(h, p, ws, ws.byteSize());
    }

    private static long workspaceSize(int kind, Context ctx, Tensor q, Tensor k, Tensor v,
                                      AttentionOptions options) {
        AttentionOptions o = orDefaults(options);
        Checks.requireContext(ctx);
        // The library validates a whole params struct; q stands in for out (same shape, never written).
        Checks.attention(q, k, v, o, q, null, false);
        MemorySegment h = ctx.acquire();
        ScratchPool.Slot slot = ScratchPool.take();
        try {
            MemorySegment p = slot.struct;
            fillParams(p, q, k, v, o, q, null);
            int status = kind == FUSED ? Panamax_h.pmx_attention_fwd_workspace_size(h, p, slot.outLong)
                    : Panamax_h.pmx_bench_attention_unfused_workspace_size(h, p, slot.outLong);
            if (status != 0) throw Context.failure(h, status);
            return slot.outLong.get(ValueLayout.JAVA_LONG, 0);
        } finally {
            ScratchPool.give(slot);
            ctx.release();
        }
    }
}
