package dev.panamax.internal;

import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.Panamax_h;
import dev.panamax.internal.ffi.pmx_attention_params;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code pmx_attention_params} layout (offsets from the generated struct class) and the entry points
 * that take it. Entry points are bound on first use, after a {@code Context} has loaded the library.
 */
public final class AttentionParams {
    private static final long STRUCT_SIZE = pmx_attention_params.struct_size$offset();
    private static final long Q = pmx_attention_params.q$offset();
    private static final long K = pmx_attention_params.k$offset();
    private static final long V = pmx_attention_params.v$offset();
    private static final long CU_Q = pmx_attention_params.cu_seqlens_q$offset();
    private static final long CU_K = pmx_attention_params.cu_seqlens_k$offset();
    private static final long SCALE = pmx_attention_params.scale$offset();
    private static final long CAUSAL = pmx_attention_params.causal$offset();
    private static final long OUT = pmx_attention_params.out$offset();
    private static final long LSE = pmx_attention_params.lse$offset();
    private static final long WINDOW = pmx_attention_params.window$offset();
    private static final long WINDOW_LEFT = pmx_attention_params.window_left$offset();
    private static final long WINDOW_RIGHT = pmx_attention_params.window_right$offset();
    private static final long SOFTCAP = pmx_attention_params.softcap$offset();
    private static final long BLOCK_Q = pmx_attention_params.block_q$offset();
    private static final long BLOCK_K = pmx_attention_params.block_k$offset();
    private static final long TOPK = pmx_attention_params.topk_blocks$offset();
    private static final long GLOBAL = pmx_attention_params.global_tokens$offset();
    private static final long ALIBI = pmx_attention_params.alibi_slopes$offset();
    private static final long BLOCK_MASK = pmx_attention_params.block_mask$offset();
    private static final long LAYOUT_OUT = pmx_attention_params.layout_out$offset();
    private static final long AXIAL_AXIS = pmx_attention_params.axial_axis$offset();
    private static final long AXIAL_ROWS = pmx_attention_params.axial_rows$offset();
    private static final long AXIAL_COLS = pmx_attention_params.axial_cols$offset();
    private static final long ROPE = pmx_attention_params.rope$offset();

    private AttentionParams() {}

    /**
     * The whole call: checks the arguments (before any downcall), fills the params struct and runs
     * {@code f} with the pooled workspace, or with {@code callerWorkspace} when {@code withCallerWorkspace}.
     *
     * @param options null means {@link AttentionOptions#defaults()}
     */
    public static void run(NativeFunction f, Context ctx, Tensor q, Tensor k, Tensor v, AttentionOptions options,
                           Tensor out, Tensor lse, MemorySegment callerWorkspace, boolean withCallerWorkspace) {
        AttentionOptions o = options == null ? AttentionOptions.defaults() : options;
        Checks.requireNonNull(ctx, "ctx");
        AttentionChecks.check(q, k, v, o, out, lse, f == reference(), false);
        if (withCallerWorkspace) {
            Checks.workspace(callerWorkspace);
            AttentionChecks.workspaceDisjoint(callerWorkspace, q, k, v, o, out, lse);
        }
        try (NativeCall call = NativeCall.begin(ctx)) {
            fill(call, q, k, v, o, out, lse);
            if (withCallerWorkspace) call.run(f, callerWorkspace);
            else call.run(f);
        }
    }

    /**
     * The workspace bytes {@code f} needs for these inputs on {@code ctx}.
     *
     * @param options null means {@link AttentionOptions#defaults()}
     */
    public static long workspaceBytes(NativeFunction f, Context ctx, Tensor q, Tensor k, Tensor v,
                                      AttentionOptions options) {
        AttentionOptions o = options == null ? AttentionOptions.defaults() : options;
        Checks.requireNonNull(ctx, "ctx");
        // The library validates a whole params struct; q stands in for out (same shape, never written).
        AttentionChecks.check(q, k, v, o, q, null, false, true);
        try (NativeCall call = NativeCall.begin(ctx)) {
            fill(call, q, k, v, o, q, null);
            return call.workspaceBytes(f);
        }
    }

    /**
     * Writes the params struct of {@code call} ({@code lse} may be null: absent) and registers every
     * tensor as a keep-alive argument.
     */
    public static void fill(NativeCall call, Tensor q, Tensor k, Tensor v, AttentionOptions o, Tensor out,
                            Tensor lse) {
        MemorySegment p = call.params();
        p.set(ValueLayout.JAVA_LONG, STRUCT_SIZE, pmx_attention_params.sizeof());
        call.tensor(Q, q);
        call.tensor(K, k);
        call.tensor(V, v);
        call.tensor(CU_Q, o.cuSeqlensQ());
        call.tensor(CU_K, o.cuSeqlensK());
        p.set(ValueLayout.JAVA_FLOAT, SCALE, o.scale());
        p.set(ValueLayout.JAVA_INT, CAUSAL, o.causal() ? 1 : 0);
        call.tensor(OUT, out);
        call.tensor(LSE, lse);
        p.set(ValueLayout.JAVA_INT, WINDOW, o.hasWindow() ? 1 : 0);
        p.set(ValueLayout.JAVA_INT, WINDOW_LEFT, o.windowLeft());
        p.set(ValueLayout.JAVA_INT, WINDOW_RIGHT, o.windowRight());
        p.set(ValueLayout.JAVA_FLOAT, SOFTCAP, o.softcap());
        p.set(ValueLayout.JAVA_INT, BLOCK_Q, o.blockQ());
        p.set(ValueLayout.JAVA_INT, BLOCK_K, o.blockK());
        p.set(ValueLayout.JAVA_INT, TOPK, o.topkBlocks());
        call.tensor(GLOBAL, o.globalTokens());
        call.tensor(ALIBI, o.alibiSlopes());
        call.tensor(BLOCK_MASK, o.blockMask());
        call.tensor(LAYOUT_OUT, o.layoutOut());
        p.set(ValueLayout.JAVA_INT, AXIAL_AXIS, o.axialAxis() == null ? 0 : o.axialAxis().code());
        p.set(ValueLayout.JAVA_INT, AXIAL_ROWS, o.axialRows());
        p.set(ValueLayout.JAVA_INT, AXIAL_COLS, o.axialCols());
        RopeParams.writeConfig(p, ROPE, o.rope());
    }

    /** {@code pmx_attention_fwd} with {@code pmx_attention_fwd_workspace_size}. */
    public static NativeFunction fused() {
        return Fused.FUNCTION;
    }

    /** {@code pmx_attention_fwd_reference}. */
    public static NativeFunction reference() {
        return Reference.FUNCTION;
    }

    /** {@code pmx_bench_attention_unfused} with its workspace-size query. */
    public static NativeFunction unfused() {
        return Unfused.FUNCTION;
    }

    private static final class Fused {
        static final NativeFunction FUNCTION = NativeFunction.withWorkspace("pmx_attention_fwd",
                Panamax_h.pmx_attention_fwd$address(), Panamax_h.pmx_attention_fwd_workspace_size$address());
    }

    private static final class Reference {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_attention_fwd_reference",
                Panamax_h.pmx_attention_fwd_reference$address());
    }

    private static final class Unfused {
        static final NativeFunction FUNCTION = NativeFunction.withWorkspace("pmx_bench_attention_unfused",
                Panamax_h.pmx_bench_attention_unfused$address(),
                Panamax_h.pmx_bench_attention_unfused_workspace_size$address());
    }
}
