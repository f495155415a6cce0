package dev.panamax;

import dev.panamax.internal.ContextState;
import dev.panamax.internal.NativeCall;
import dev.panamax.internal.NativeLoader;
import dev.panamax.internal.ffi.Panamax_h;

/**
 * The settings calls run with: the number of threads a call may use. Every operator takes one.
 *
 * <p><b>Threading.</b> A context may be used by many Java threads at once. Each call runs on the calling
 * thread plus up to {@code numThreads() - 1} OpenMP worker threads of that calling thread's team, so
 * {@code k} Java threads calling at once on contexts of {@code t} threads use up to {@code k * t} cores:
 * many concurrent callers should use contexts with fewer threads (for example one context of
 * {@code cores / k} threads each) so that the sum stays at or below the core count. Results are
 * bit-identical whatever the thread count. Virtual threads work; a call pins its carrier for its
 * duration, like any native call.
 *
 * <p><b>Errors are per call.</b> A call does not run on a native context owned by this object but on one
 * of a pool of native contexts, one per call in flight, with this context's thread count copied in;
 * so the message of a failing call is its own even when many threads share a context (including
 * {@link #global()}).
 *
 * <p><b>Lifetime.</b> {@link #close()} makes later calls throw {@link IllegalStateException}; calls already
 * running finish. A context holds no native memory itself (pooled native scratch is freed with
 * {@link Panamax#releaseScratch()}). {@link #global()} is shared and never closed.
 *
 * <p>Creating a context loads the native library if needed (see {@link Panamax#loadedFrom()}).
 */
public final class Context implements AutoCloseable {
    /** Largest thread count ({@code PMX_MAX_THREADS} of the native library). */
    public static final int MAX_THREADS = Panamax_h.PMX_MAX_THREADS();

    private static final Object GLOBAL_LOCK = new Object();
    private static volatile Context global;

    static {
        ContextState.provideAccess(ctx -> ctx.state);
    }

    private final ContextState state;
    private final boolean isGlobal;

    private Context(int numThreads, boolean isGlobal) {
        NativeLoader.ensureLoaded();
        this.state = new ContextState(numThreads);
        this.isGlobal = isGlobal;
    }

    /** A context using every core. */
    public static Context create() {
        return new Context(0, false);
    }

    /**
     * A context using {@code numThreads} threads per call.
     *
     * @param numThreads 1 to {@link #MAX_THREADS}, or 0 for every core
     * @throws IllegalArgumentException outside that range
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
     * The number of threads a call on this context uses (0 resolved to the core count by the library).
     *
     * @throws IllegalStateException when closed
     */
    public int numThreads() {
        int setting = state.threadsForCall();
        if (setting != 0) return setting;
        try (NativeCall call = NativeCall.begin(this)) {
            return call.resolvedThreads();
        }
    }

    /**
     * Sets the number of threads later calls use; calls already running keep theirs.
     *
     * @param numThreads 1 to {@link #MAX_THREADS}, or 0 for every core
     * @throws IllegalArgumentException outside that range
     * @throws IllegalStateException    when closed
     */
    public void setNumThreads(int numThreads) {
        checkThreads(numThreads);
        state.threadsForCall();
        state.setNumThreads(numThreads);
    }

    /** Whether {@link #close()} has been called (never true for {@link #global()}). */
    public boolean isClosed() {
        return state.isClosed();
    }

    /**
     * Later calls throw {@link IllegalStateException}; running calls finish. Idempotent; does nothing on
     * {@link #global()}.
     */
    @Override
    public void close() {
        if (!isGlobal) state.close();
    }

    @Override
    public String toString() {
        return isGlobal ? "Context[global]" : isClosed() ? "Context[closed]" : "Context[open]";
    }

    private static void checkThreads(int numThreads) {
        if (numThreads < 0 || numThreads > MAX_THREADS) {
            throw new IllegalArgumentException("numThreads: " + numThreads + " is outside 0.." + MAX_THREADS
                    + " (0 = every core)");
        }
    }
}
