package dev.panamax;

import dev.panamax.internal.NativeLoader;
import dev.panamax.internal.ffi.Panamax_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A native {@code pmx_context}: the number of threads calls may use, and the message of the last
 * failure. Every operator takes one.
 *
 * <p><b>Threading.</b> A context may be used by many Java threads at once. Each call runs on the calling
 * thread plus up to {@code numThreads() - 1} OpenMP worker threads of that calling thread's team, so
 * {@code k} Java threads calling at once on contexts of {@code t} threads use up to {@code k * t} cores:
 * many concurrent callers should use contexts with fewer threads (for example one context of
 * {@code cores / k} threads each) so that the sum stays at or below the core count. Results are
 * bit-identical whatever the thread count. Virtual threads work; a call pins its carrier for its
 * duration, like any native call.
 *
 * <p><b>Lifetime.</b> {@link #close()} frees the native context; calls that are running keep it alive
 * until they return, and later calls throw {@link IllegalStateException}. An unclosed context is freed
 * when it becomes unreachable. {@link #global()} is shared and never closed.
 *
 * <p>Creating a context loads the native library if needed (see {@link Panamax#loadedFrom()}).
 */
public final class Context implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final int MAX_THREADS = 4096;
    private static final Object GLOBAL_LOCK = new Object();
    private static volatile Context global;

    private final Handle handle;
    private final Cleaner.Cleanable cleanable;
    private final boolean isGlobal;

    private Context(int numThreads, boolean isGlobal) {
        NativeLoader.ensureLoaded();
        MemorySegment ptr;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            int status = Panamax_h.pmx_context_create(out);
            if (status != 0) {
                throw new PanamaxException(Status.ofOrInternal(status), "pmx_context_create failed");
            }
            ptr = out.get(ValueLayout.ADDRESS, 0);
        }
        this.handle = new Handle(ptr);
        this.isGlobal = isGlobal;
        this.cleanable = isGlobal ? null : CLEANER.register(this, handle);
        if (numThreads != 0) setNumThreads(numThreads);
    }

    /** A context using every core. */
    public static Context create() {
        return new Context(0, false);
    }

    /**
     * A context using {@code numThreads} threads per call.
     *
     * @param numThreads 1 to 4096, or 0 for every core
     * @throws IllegalArgumentException outside 0..4096
     */
    public static Context create(int numThreads) {
        checkThreads(numThreads);
        return new Context(numThreads, false);
    }

    /**
     * The shared default context (every core), created on first use. {@link #close()} on it does
     * nothing. Its thread count may be changed, which affects every user: prefer a context of your own.
     */
    public static Context global() {
        Context g = global;
        if (g != null) return g;
        synchronized (GLOBAL_LOCK) {
            if (global == null) global = new Context(0, true);
            return global;
        }
    }

    /**
     * The number of threads a call on this context uses (0 resolved to the core count).
     *
     * @throws IllegalStateException when closed
     */
    public int numThreads() {
        MemorySegment h = acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            check(h, Panamax_h.pmx_context_get_num_threads(h, out));
            return out.get(ValueLayout.JAVA_INT, 0);
        } finally {
            release();
        }
    }

    /**
     * Sets the number of threads later calls use; calls already running keep theirs.
     *
     * @param numThreads 1 to 4096, or 0 for every core
     * @throws IllegalArgumentException outside 0..4096
     * @throws IllegalStateException    when closed
     */
    public void setNumThreads(int numThreads) {
        checkThreads(numThreads);
        MemorySegment h = acquire();
        try {
            check(h, Panamax_h.pmx_context_set_num_threads(h, numThreads));
        } finally {
            release();
        }
    }

    /** Whether {@link #close()} has been called (never true for {@link #global()}). */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /**
     * Frees the native context once running calls return; later calls throw
     * {@link IllegalStateException}. Idempotent; does nothing on {@link #global()}.
     */
    @Override
    public void close() {
        if (!isGlobal) cleanable.clean();
    }

    @Override
    public String toString() {
        return isGlobal ? "Context[global]" : isClosed() ? "Context[closed]" : "Context[open]";
    }

    // ---- for the operators of this package --------------------------------------

    /**
     * Marks a call as running and returns the native handle; pair with {@link #release()} in a finally
     * block. No allocation unless closed.
     *
     * @throws IllegalStateException when closed
     */
    MemorySegment acquire() {
        MemorySegment h = handle.acquire();
        if (h == null) throw new IllegalStateException("context: is closed");
        return h;
    }

    void release() {
        handle.release();
    }

    /** The native handle without marking a call (for {@code pmx_bench_noop}, which never reads it). */
    MemorySegment handleForNoop() {
        if (handle.isClosed()) throw new IllegalStateException("context: is closed");
        return handle.ptr;
    }

    /** Throws the {@link PanamaxException} for a failed call on {@code h}, with its message. */
    static void check(MemorySegment h, int status) {
        if (status != 0) throw failure(h, status);
    }

    /** The exception for a failed call on {@code h}: the status and the context's last error. */
    static PanamaxException failure(MemorySegment h, int status) {
        String message = lastError(h);
        Status s = Status.ofOrInternal(status);
        if (s.code() != status) message = "status code " + status + ": " + message;
        return new PanamaxException(s, message);
    }

    private static String lastError(MemorySegment h) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment length = arena.allocate(ValueLayout.JAVA_LONG);
            long capacity = 1024;
            for (int attempt = 0; attempt < 3; attempt++) {
                MemorySegment buf = arena.allocate(capacity);
                int st = Panamax_h.pmx_context_last_error(h, buf, capacity, length);
                if (st != 0) return "(no message: pmx_context_last_error returned " + st + ")";
                long n = length.get(ValueLayout.JAVA_LONG, 0);
                if (n < capacity) return buf.getString(0);
                capacity = n + 1;
            }
            return "(message kept changing while read)";
        }
    }

    private static void checkThreads(int numThreads) {
        if (numThreads < 0 || numThreads > MAX_THREADS) {
            throw new IllegalArgumentException("numThreads: " + numThreads + " is outside 0.." + MAX_THREADS
                    + " (0 = every core)");
        }
    }

    /**
     * The native pointer and a count of running calls. State: bit 0 = closed, the rest = 2 * running
     * calls. The native context is destroyed exactly once, by whoever sees "closed, no calls".
     * Also the Cleaner action, so it must not reference the Context.
     */
    private static final class Handle implements Runnable {
        final MemorySegment ptr;
        private final AtomicInteger state = new AtomicInteger();

        Handle(MemorySegment ptr) {
            this.ptr = ptr;
        }

        MemorySegment acquire() {
            for (;;) {
                int s = state.get();
                if ((s & 1) != 0) return null;
                if (state.compareAndSet(s, s + 2)) return ptr;
            }
        }

        void release() {
            if (state.addAndGet(-2) == 1) destroy();
        }

        boolean isClosed() {
            return (state.get() & 1) != 0;
        }

        /** close(): marks closed; destroys now if no call runs, else the last call does. */
        @Override
        public void run() {
            for (;;) {
                int s = state.get();
                if ((s & 1) != 0) return;
                if (state.compareAndSet(s, s | 1)) {
                    if (s == 0) destroy();
                    return;
                }
            }
        }

        private void destroy() {
            Panamax_h.pmx_context_destroy(ptr);
        }
    }
}
