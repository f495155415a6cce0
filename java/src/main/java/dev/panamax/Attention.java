package dev.panamax;

import dev.panamax.internal.AttentionChecks;
import dev.panamax.internal.AttentionParams;
import dev.panamax.internal.Checks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

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
 *     {@code h / (H / Hkv)}. D from 1 to {@link #MAX_HEAD_DIM}; H and Hkv at least 1.</li>
 * <li>Empty problems work: B, Nq, Nk or total_q/total_k may be 0 (an empty KV cache, an empty batch).
 *     With no query rows nothing is written; a row that sees no key (Nk = 0) gets output 0 and lse
 *     {@code -inf}.</li>
 * <li>Causal masking is aligned to the bottom-right corner (see {@link AttentionOptions}); a row that
 *     sees no key gets output 0 and lse {@code -inf}.</li>
 * <li>{@code lse[row] = log(sum_j exp(q·k_j · scale))}, natural log.</li>
 * </ul>
 *
 * <p><b>No aliasing.</b> No form works in place: out, lse and a caller's workspace must not overlap
 * q, k, v, the cuSeqlens or each other (judged by each view's span from its first to its last element),
 * must not be read-only, and an output's strides must give every element its own address (no zero
 * stride on a dimension longer than 1). Violations throw {@link IllegalArgumentException} naming the
 * output ("out: overlaps q ...").
 *
 * <p><b>Errors.</b> Bad arguments that Java can see (null, rank, dtype, shapes, D, H % Hkv, heap or
 * closed or read-only memory, aliasing, workspace alignment) throw {@link IllegalArgumentException} naming the argument, before
 * any native call. What only the library checks (contents of cuSeqlens, workspace size) throws
 * {@link PanamaxException} with its status and message. A closed {@link Context} throws
 * {@link IllegalStateException}.
 *
 * <p><b>Threading and memory.</b> Each call runs on the caller's thread plus up to
 * {@code ctx.numThreads() - 1} OpenMP workers (see {@link Context}); results are bit-identical whatever
 * the thread count. The library never keeps a pointer after a call returns. While a call runs it holds
 * every tensor's arena open: closing a shared arena from another thread meanwhile throws
 * {@link IllegalStateException} (close it after the call), and an {@link Arena#ofAuto()} tensor stays
 * reachable until the call returns. The
 * {@link #forward(Context, Tensor, Tensor, Tensor, AttentionOptions, Tensor, Tensor) out-parameter forms}
 * allocate nothing on the Java heap in steady state (native scratch is pooled and reused).
 */
public final class Attention {
    /** Largest head dim D ({@code PMX_MAX_HEAD_DIM} of the native library). */
    public static final long MAX_HEAD_DIM = AttentionChecks.MAX_HEAD_DIM;

    private Attention() {}

    /**
     * The shape of the log-sum-exp output for queries {@code q}: {@code [B, H, Nq]} for a dense batch,
     * {@code [H, total_q]} for a packed variable-length one.
     *
     * @param options null means {@link AttentionOptions#defaults()} (dense)
     * @throws IllegalArgumentException when q is null or not of the rank the options call for
     */
    public static long[] lseShape(Tensor q, AttentionOptions options) {
        Checks.requireNonNull(q, "q");
        boolean varlen = options != null && options.isVarlen();
        int rank = varlen ? 3 : 4;
        if (q.rank() != rank) {
            throw new IllegalArgumentException("q: expected rank " + rank + (varlen ? " [total_q, H, D]"
                    : " [B, Nq, H, D]") + ", got rank " + q.rank());
        }
        return varlen ? new long[] {q.shape(1), q.shape(0)} : new long[] {q.shape(0), q.shape(2), q.shape(1)};
    }

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
        AttentionParams.run(AttentionParams.fused(), ctx, q, k, v, options, out, lse, null, false);
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
        AttentionParams.run(AttentionParams.fused(), ctx, q, k, v, options, out, lse, workspace, true);
    }

    /**
     * Bytes of workspace {@link #forward(Context, Tensor, Tensor, Tensor, AttentionOptions, Tensor, Tensor,
     * MemorySegment)} needs for these inputs on {@code ctx} (it depends on the context's thread count).
     *
     * @throws PanamaxException {@link Status#UNSUPPORTED} for a valid combination this build cannot run
     */
    public static long workspaceBytes(Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options) {
        return AttentionParams.workspaceBytes(AttentionParams.fused(), ctx, q, k, v, options);
    }

    /**
     * The float64 reference: the same contract, computed in double precision with the full score row
     * materialised, on one thread (slow; for tests and accuracy baselines). q, k, v, out and lse may each
     * be F32 or F64; pass F64 out/lse to get float64 results. Needs no workspace.
     */
    public static void forwardReference(Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options,
                                        Tensor out, Tensor lse) {
        AttentionParams.run(AttentionParams.reference(), ctx, q, k, v, options, out, lse, null, false);
    }

    // ---- internals -------------------------------------------------------------------

    private static AttentionOptions orDefaults(AttentionOptions options) {
        return options == null ? AttentionOptions.defaults() : options;
    }

    /** Validates q, k, v, options before allocating outputs (q stands in for out). */
    private static void precheck(Arena arena, Tensor q, Tensor k, Tensor v, AttentionOptions o) {
        Checks.requireNonNull(arena, "arena");
        AttentionChecks.check(q, k, v, o, q, null, false, true);
    }
}
