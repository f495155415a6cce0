package dev.panamax.internal;

import dev.panamax.internal.ffi.pmx_attention_params;
import dev.panamax.internal.ffi.pmx_causal_conv1d_params;
import dev.panamax.internal.ffi.pmx_favor_params;
import dev.panamax.internal.ffi.pmx_linear_attention_params;
import dev.panamax.internal.ffi.pmx_linear_recurrence_params;
import dev.panamax.internal.ffi.pmx_moe_params;
import dev.panamax.internal.ffi.pmx_rope_params;
import dev.panamax.internal.ffi.pmx_selective_scan_params;
import dev.panamax.internal.ffi.pmx_bigbird_params;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The pool of {@link NativeCall} slots (params struct, out cell, workspace, native context), reused
 * across calls so that a steady-state call allocates nothing on the Java heap.
 *
 * <p>A fixed array of slots: {@link #take()} claims one with {@code getAndSet(null)}, starting at an index
 * derived from the thread id, and {@link #give} puts it back with {@code compareAndSet(null, slot)}.
 * When every slot is taken a new one is made; given back, it takes a free place or, if none, is freed.
 *
 * <p>Bounds: at most {@link #slotCount()} pooled slots; a slot keeps at most
 * {@link #MAX_SLOT_WORKSPACE_BYTES} of workspace and all slots together at most
 * {@link #MAX_POOLED_WORKSPACE_BYTES}; a call needing more gets memory for that call only (callers that
 * need it every call pass their own workspace). {@link #releaseAll()} frees every pooled slot; slots
 * taken by running calls are not in the array, so those calls are unaffected.
 */
public final class ScratchPool {
    /** Largest workspace one slot keeps between calls. */
    public static final long MAX_SLOT_WORKSPACE_BYTES = 64L << 20;
    /** Largest workspace all slots together keep between calls. */
    public static final long MAX_POOLED_WORKSPACE_BYTES = 256L << 20;
    /** The params struct area of a slot: the largest params struct a call fills, rounded to 64 bytes. */
    public static final long STRUCT_BYTES = largestParamsStruct();

    private static final AtomicReferenceArray<NativeCall> SLOTS = new AtomicReferenceArray<>(poolSize());
    private static final int MASK = SLOTS.length() - 1;
    private static final AtomicLong POOLED_WORKSPACE = new AtomicLong();

    private ScratchPool() {}

    /** Every params struct a {@link NativeCall} fills: add a new operator's here. */
    private static long largestParamsStruct() {
        long[] sizes = {pmx_attention_params.sizeof(), pmx_rope_params.sizeof(), pmx_bigbird_params.sizeof(),
                pmx_selective_scan_params.sizeof(), pmx_causal_conv1d_params.sizeof(), pmx_moe_params.sizeof(),
                pmx_linear_attention_params.sizeof(), pmx_linear_recurrence_params.sizeof(), pmx_favor_params.sizeof()};
        long max = 0;
        for (long s : sizes) max = Math.max(max, s);
        return (max + 63) & ~63L;
    }

    static NativeCall take() {
        int start = (int) Thread.currentThread().threadId();
        for (int i = 0; i <= MASK; i++) {
            NativeCall s = SLOTS.getAndSet((start + i) & MASK, null);
            if (s != null) return s;
        }
        return new NativeCall();
    }

    static void give(NativeCall slot) {
        int start = (int) Thread.currentThread().threadId();
        for (int i = 0; i <= MASK; i++) {
            if (SLOTS.compareAndSet((start + i) & MASK, null, slot)) return;
        }
        slot.free();
    }

    /** Counts {@code bytes} more of pooled workspace if the total stays within bounds. */
    static boolean reserve(long bytes) {
        for (;;) {
            long now = POOLED_WORKSPACE.get();
            if (now + bytes > MAX_POOLED_WORKSPACE_BYTES) return false;
            if (POOLED_WORKSPACE.compareAndSet(now, now + bytes)) return true;
        }
    }

    static void unreserve(long bytes) {
        POOLED_WORKSPACE.addAndGet(-bytes);
    }

    /**
     * Frees every pooled slot (workspaces, params areas, native contexts). Thread-safe: a call running
     * now keeps its slot, which returns to the pool when it ends.
     */
    public static void releaseAll() {
        for (int i = 0; i <= MASK; i++) {
            NativeCall s = SLOTS.getAndSet(i, null);
            if (s != null) s.free();
        }
    }

    /** Bytes of workspace the slots keep now (pooled and in use). */
    public static long pooledWorkspaceBytes() {
        return POOLED_WORKSPACE.get();
    }

    /** Number of places in the pool. */
    public static int slotCount() {
        return SLOTS.length();
    }

    private static int poolSize() {
        int want = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
        return Integer.highestOneBit(Math.min(want, 1 << 12) - 1) << 1;
    }
}
