package dev.panamax.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Per-call native scratch (a params struct, an {@code int64} out slot, a workspace) reused across calls so
 * that a steady-state call allocates nothing on the Java heap.
 *
 * <p>A fixed array of slots: {@link #take()} claims one with {@code getAndSet(null)}, starting at an index
 * derived from the thread id, and {@link #give(Slot)} puts it back with {@code compareAndSet(null, slot)}.
 * Each slot owns a shared arena (slots move between threads). When every slot is taken, a new slot is
 * made; given back, it takes a free place or, if none, is closed. Workspaces grow on demand up to
 * {@link #MAX_POOLED_WORKSPACE_BYTES}; larger requests get a temporary arena for the one call, so the
 * pool never pins huge buffers (callers that need them every call pass their own workspace).
 */
public final class ScratchPool {
    /** Largest workspace a pooled slot keeps between calls. */
    public static final long MAX_POOLED_WORKSPACE_BYTES = 64L << 20;
    /** Size of the generic struct area of a slot (params structs fit; checked at class init). */
    public static final long STRUCT_BYTES = 2048;

    private static final AtomicReferenceArray<Slot> SLOTS = new AtomicReferenceArray<>(slotCount());
    private static final int MASK = SLOTS.length() - 1;

    static {
        if (TensorStruct.PARAMS_SIZE > STRUCT_BYTES) {
            throw new ExceptionInInitializerError("pmx_attention_params grew past " + STRUCT_BYTES + " bytes");
        }
    }

    private ScratchPool() {}

    /** A slot for the calling thread; give it back with {@link #give(Slot)} in a finally block. */
    public static Slot take() {
        int start = (int) Thread.currentThread().threadId();
        for (int i = 0; i <= MASK; i++) {
            Slot s = SLOTS.getAndSet((start + i) & MASK, null);
            if (s != null) return s;
        }
        // All taken (or not made yet): a new slot. Pooled if it will find a free place, else discarded.
        return new Slot();
    }

    /** Returns a slot taken with {@link #take()}; closes its temporary resources. */
    public static void give(Slot slot) {
        slot.closeTemporary();
        int start = (int) Thread.currentThread().threadId();
        for (int i = 0; i <= MASK; i++) {
            if (SLOTS.compareAndSet((start + i) & MASK, null, slot)) return;
        }
        slot.close();
    }

    private static int slotCount() {
        int want = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
        return Integer.highestOneBit(Math.min(want, 1 << 12) - 1) << 1;
    }

    /** Native scratch of one call. Used by one thread at a time. */
    public static final class Slot {
        private final Arena arena;
        /** Zeroed area for a params struct, 64-byte aligned, {@link #STRUCT_BYTES} long. */
        public final MemorySegment struct;
        /** An 8-byte aligned int64 for {@code out_bytes} / {@code out_count} results. */
        public final MemorySegment outLong;
        private Arena workspaceArena;
        private MemorySegment workspace = MemorySegment.NULL;
        private Arena temporary;

        Slot() {
            arena = Arena.ofShared();
            struct = arena.allocate(STRUCT_BYTES, 64);
            outLong = arena.allocate(ValueLayout.JAVA_LONG);
        }

        /**
         * A 64-byte aligned workspace of at least {@code bytes} bytes ({@link MemorySegment#NULL} for 0),
         * valid until the slot is given back.
         */
        /** The pooled workspace as it is now (NULL before the first growth). */
        public MemorySegment currentWorkspace() {
            return workspace;
        }

        public MemorySegment workspace(long bytes) {
            if (bytes <= 0) return MemorySegment.NULL;
            if (bytes <= workspace.byteSize()) return workspace;
            if (bytes > MAX_POOLED_WORKSPACE_BYTES) {
                if (temporary == null) temporary = Arena.ofConfined();
                return temporary.allocate(bytes, 64);
            }
            // Grow geometrically so a slowly growing size does not reallocate every call.
            long size = Math.min(MAX_POOLED_WORKSPACE_BYTES, Math.max(bytes, 2 * workspace.byteSize()));
            size = (size + 4095) & ~4095L;
            Arena next = Arena.ofShared();
            MemorySegment ws = next.allocate(size, 64);
            if (workspaceArena != null) workspaceArena.close();
            workspaceArena = next;
            workspace = ws;
            return ws;
        }

        void closeTemporary() {
            if (temporary != null) {
                temporary.close();
                temporary = null;
            }
        }

        void close() {
            closeTemporary();
            if (workspaceArena != null) workspaceArena.close();
            arena.close();
        }
    }
}
