package dev.panamax.internal;

import dev.panamax.Context;

import java.util.function.Function;

/**
 * What a {@link Context} holds: the thread count its calls use and whether it is closed. Native state
 * (the {@code pmx_context} a call runs on, with its error message) lives in the pooled
 * {@link NativeCall} slots instead, so that a failing call reads its own message.
 *
 * <p>{@link #of(Context)} reaches the state of a public {@link Context} from any internal package
 * without making it part of the public API: {@link Context} hands over its accessor once, from its
 * static initializer.
 */
public final class ContextState {
    private static volatile Function<Context, ContextState> access;

    private volatile int numThreads;
    private volatile boolean closed;

    /** @param numThreads 0 (every core) to {@code PMX_MAX_THREADS}, checked by the caller */
    public ContextState(int numThreads) {
        this.numThreads = numThreads;
    }

    /** Called once, by {@link Context}'s static initializer. */
    public static void provideAccess(Function<Context, ContextState> accessor) {
        if (access != null) throw new IllegalStateException("ContextState: access already provided");
        access = accessor;
    }

    /** The state of {@code ctx} (not null: checked by the caller). */
    public static ContextState of(Context ctx) {
        return access.apply(ctx);
    }

    /**
     * The thread count a call starting now uses (0 = every core).
     *
     * @throws IllegalStateException when closed
     */
    public int threadsForCall() {
        if (closed) throw new IllegalStateException("context: is closed");
        return numThreads;
    }

    /** The setting as given: 0 means every core. */
    public int numThreadsSetting() {
        return numThreads;
    }

    /** Later calls use {@code n} threads; calls already running keep theirs. */
    public void setNumThreads(int n) {
        numThreads = n;
    }

    public boolean isClosed() {
        return closed;
    }

    public void close() {
        closed = true;
    }
}
