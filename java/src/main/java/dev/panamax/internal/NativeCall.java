package dev.panamax.internal;

import dev.panamax.Context;
import dev.panamax.PanamaxException;
import dev.panamax.Status;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.Panamax_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.util.Arrays;

/**
 * The one call path every operator takes: {@link #begin(Context)} takes a pooled slot (its params struct,
 * an out cell, a workspace, its own native {@code pmx_context}), the operator writes its params struct
 * with {@link #tensor} and plain stores into {@link #params()}, {@link #run} calls the entry point, and
 * {@link #close()} gives the slot back. Used with try-with-resources; allocates nothing on the Java heap
 * in steady state.
 *
 * <p><b>Error messages are per call.</b> Each slot owns its {@code pmx_context}, used by one call at a
 * time, and a failure's message is read from that context right after the failing downcall: no other
 * thread can overwrite it, and the pooled workspace's growth (a first attempt that fails with
 * {@code WORKSPACE_TOO_SMALL}, then a size query and a retry) cannot leave its message on a later
 * failure, because every failing downcall sets its own. The Java {@link Context} only holds settings:
 * its thread count is copied into the slot's context when it differs from what that context has, so a
 * steady-state call is one downcall. (The alternative, asking the workspace size before every call,
 * would double the downcalls of small calls.)
 */
public final class NativeCall implements AutoCloseable {
    /** Keep-alive pointer arguments of every handle: the most tensors a params struct holds. */
    public static final int KEEP_ALIVE = 12;

    private final Arena arena = Arena.ofShared();          // slots move between threads
    private final MemorySegment params = arena.allocate(ScratchPool.STRUCT_BYTES, 64);
    private final MemorySegment cell = arena.allocate(ValueLayout.JAVA_LONG);
    private final MemorySegment[] keep = new MemorySegment[KEEP_ALIVE];
    private int kept;
    private MemorySegment nativeContext = MemorySegment.NULL;
    private int contextThreads;                             // pmx_context_create's default: 0 = every core
    private Arena workspaceArena;
    private MemorySegment workspace = MemorySegment.NULL;
    private Arena temporary;

    NativeCall() {
        Arrays.fill(keep, MemorySegment.NULL);
    }

    /**
     * Starts a call on {@code ctx}: a pooled slot whose native context uses {@code ctx}'s thread count.
     * Close it (try-with-resources).
     *
     * @throws IllegalStateException when {@code ctx} is closed
     */
    public static NativeCall begin(Context ctx) {
        int threads = ContextState.of(ctx).threadsForCall();
        NativeCall call = ScratchPool.take();
        try {
            call.useThreads(threads);
        } catch (RuntimeException | Error e) {
            ScratchPool.give(call);
            throw e;
        }
        return call;
    }

    /** The params struct area, {@link ScratchPool#STRUCT_BYTES} long, 64-byte aligned. */
    public MemorySegment params() {
        return params;
    }

    /**
     * Writes {@code t} (null: absent) as the {@code pmx_tensor} at {@code offset} of the params struct and
     * passes its segment as a keep-alive argument of the downcall: one segment per arena, since holding
     * one segment holds its whole arena (alive for the call, reachable for an {@code ofAuto} arena), and
     * each keep-alive argument costs an acquire and a release of a shared arena.
     */
    public void tensor(long offset, Tensor t) {
        TensorStruct.fill(params, offset, t);
        if (t == null) return;
        MemorySegment s = t.segment();
        for (int i = 0; i < kept; i++) {
            if (keep[i].scope().equals(s.scope())) return;
        }
        if (kept == KEEP_ALIVE) throw new IllegalStateException("NativeCall: more than " + KEEP_ALIVE + " arenas");
        keep[kept++] = s;
    }

    /**
     * Runs {@code f}: with the pooled workspace when it has one (tried as it is; on
     * {@code WORKSPACE_TOO_SMALL} the size is asked, the workspace grown and the call repeated).
     *
     * @throws PanamaxException with the status and this call's own message
     */
    public void run(NativeFunction f) {
        int status = f.run(nativeContext, params, workspace, keep);
        if (f.hasWorkspace() && NativeFunction.isWorkspaceTooSmall(status)) {
            status = f.querySize(nativeContext, params, cell, keep);
            if (status == 0) status = f.run(nativeContext, params, grow(cell.get(ValueLayout.JAVA_LONG, 0)), keep);
        }
        check(status);
    }

    /**
     * Runs {@code f} with the caller's workspace (null: none); the segment is a downcall argument, so its
     * arena too stays alive for the call.
     */
    public void run(NativeFunction f, MemorySegment callerWorkspace) {
        check(f.run(nativeContext, params, callerWorkspace == null ? MemorySegment.NULL : callerWorkspace, keep));
    }

    /** The workspace bytes {@code f} needs for the params written. */
    public long workspaceBytes(NativeFunction f) {
        check(f.querySize(nativeContext, params, cell, keep));
        return cell.get(ValueLayout.JAVA_LONG, 0);
    }

    /** This slot's native context, for entry points that take no params struct (arguments kept alive as such). */
    public MemorySegment nativeContext() {
        return nativeContext;
    }

    /** The thread count the native context resolves its setting to (0 = every core). */
    public int resolvedThreads() {
        check(Panamax_h.pmx_context_get_num_threads(nativeContext, cell));
        return cell.get(ValueLayout.JAVA_INT, 0);
    }

    /** Throws the {@link PanamaxException} for a non-zero status, with this slot's message. */
    public void check(int status) {
        if (status != 0) throw failure(status);
    }

    /** The exception for {@code status}: this slot context's last message. */
    public PanamaxException failure(int status) {
        Status s = status >= 0 && status < Status.values().length ? Status.of(status) : Status.INTERNAL_ERROR;
        String message = lastError();
        return new PanamaxException(s, s.code() == status ? message : "status code " + status + ": " + message);
    }

    /** Gives the slot back; the tensors' segments are no longer referenced. */
    @Override
    public void close() {
        for (int i = 0; i < kept; i++) {
            Reference.reachabilityFence(keep[i]);
            keep[i] = MemorySegment.NULL;
        }
        kept = 0;
        if (temporary != null) {
            temporary.close();
            temporary = null;
        }
        ScratchPool.give(this);
    }

    // ---- slot resources ---------------------------------------------------------------------

    private void useThreads(int threads) {
        if (nativeContext.equals(MemorySegment.NULL)) {
            int status = Panamax_h.pmx_context_create(cell);
            if (status != 0) throw new PanamaxException(Status.OUT_OF_MEMORY, "pmx_context_create failed: " + status);
            nativeContext = cell.get(ValueLayout.ADDRESS, 0);
            contextThreads = 0;
        }
        if (threads != contextThreads) {
            check(Panamax_h.pmx_context_set_num_threads(nativeContext, threads));
            contextThreads = threads;
        }
    }

    private MemorySegment grow(long bytes) {
        if (bytes <= 0) return MemorySegment.NULL;
        long old = workspace.byteSize();
        if (bytes <= old) return workspace;
        // Grow geometrically so a slowly growing size does not reallocate every call.
        long size = roundUp(Math.max(bytes, 2 * old));
        if (size > ScratchPool.MAX_SLOT_WORKSPACE_BYTES) size = roundUp(bytes);
        if (size > ScratchPool.MAX_SLOT_WORKSPACE_BYTES || !ScratchPool.reserve(size - old)) {
            // Over the pool's bounds: memory for this call only.
            if (temporary == null) temporary = Arena.ofConfined();
            return temporary.allocate(bytes, 64);
        }
        Arena next = Arena.ofShared();
        MemorySegment ws;
        try {
            ws = next.allocate(size, 64);
        } catch (OutOfMemoryError e) {
            ScratchPool.unreserve(size - old);
            next.close();
            throw e;
        }
        if (workspaceArena != null) workspaceArena.close();   // its bytes are in the reservation above
        workspaceArena = next;
        workspace = ws;
        return ws;
    }

    private static long roundUp(long bytes) {
        return (bytes + 4095) & ~4095L;
    }

    private void freeWorkspace() {
        if (workspaceArena == null) return;
        long size = workspace.byteSize();
        workspaceArena.close();
        workspaceArena = null;
        workspace = MemorySegment.NULL;
        ScratchPool.unreserve(size);
    }

    /** The pooled workspace's size in bytes (0 before the first growth). */
    long pooledWorkspaceBytes() {
        return workspace.byteSize();
    }

    /** Frees everything; the slot is not used again. */
    void free() {
        freeWorkspace();
        if (!nativeContext.equals(MemorySegment.NULL)) Panamax_h.pmx_context_destroy(nativeContext);
        nativeContext = MemorySegment.NULL;
        arena.close();
    }

    private String lastError() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment length = a.allocate(ValueLayout.JAVA_LONG);
            long capacity = 1024;
            for (int attempt = 0; attempt < 3; attempt++) {
                MemorySegment buf = a.allocate(capacity);
                int st = Panamax_h.pmx_context_last_error(nativeContext, buf, capacity, length);
                if (st != 0) return "(no message: pmx_context_last_error returned " + st + ")";
                long n = length.get(ValueLayout.JAVA_LONG, 0);
                if (n < capacity) return buf.getString(0);
                capacity = n + 1;
            }
            return "(message kept changing while read)";
        }
    }
}
