package dev.panamax.internal;

import dev.panamax.Status;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

/**
 * One entry point that takes a params struct ({@code pmx_<op>_fwd(ctx, params, workspace, bytes)} with its
 * {@code _workspace_size(ctx, params, out_bytes)} query, or {@code pmx_<op>_reference(ctx, params)}),
 * reached through downcall handles built once from the jextract symbol address.
 *
 * <p><b>Keep-alive arguments.</b> The tensors travel as raw addresses inside the params struct, where
 * FFM does not see them: a concurrent {@code Arena.close()} on a shared arena could free memory the
 * kernel is reading. So each handle's descriptor appends {@link NativeCall#KEEP_ALIVE} pointer
 * arguments that the C function never declares: the caller passes the tensors' segments there
 * ({@link MemorySegment#NULL} for unused ones), and the linker keeps each segment's arena alive for the
 * call (a concurrent close throws {@link IllegalStateException}). Passing more arguments than a C
 * function declares is harmless under the SysV x86-64 and AAPCS64 calling conventions (and Win64):
 * the caller places them in registers or stack slots the callee never reads, and the caller, not the
 * callee, pops the stack.
 */
public final class NativeFunction {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final int WORKSPACE_TOO_SMALL = Status.WORKSPACE_TOO_SMALL.code();

    private final String name;
    private final MethodHandle run;
    private final MethodHandle query;    // null for a function without workspace
    private final boolean withWorkspace;

    private NativeFunction(String name, MethodHandle run, MethodHandle query, boolean withWorkspace) {
        this.name = name;
        this.run = run;
        this.query = query;
        this.withWorkspace = withWorkspace;
    }

    /**
     * {@code status f(ctx, params, workspace, workspace_bytes)} with its workspace-size query
     * {@code status q(ctx, params, int64_t *out_bytes)}.
     */
    public static NativeFunction withWorkspace(String name, MemorySegment function, MemorySegment sizeQuery) {
        NativeLoader.ensureLoaded();
        MethodHandle run = LINKER.downcallHandle(function, descriptor(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        MethodHandle query = LINKER.downcallHandle(sizeQuery, descriptor(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS));
        return new NativeFunction(name, run, query, true);
    }

    /** {@code status f(ctx, params)}: needs no workspace. */
    public static NativeFunction plain(String name, MemorySegment function) {
        NativeLoader.ensureLoaded();
        MethodHandle run = LINKER.downcallHandle(function, descriptor(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        return new NativeFunction(name, run, null, false);
    }

    private static FunctionDescriptor descriptor(MemoryLayout... declared) {
        MemoryLayout[] args = Arrays.copyOf(declared, declared.length + NativeCall.KEEP_ALIVE);
        Arrays.fill(args, declared.length, args.length, ValueLayout.ADDRESS);
        return FunctionDescriptor.of(ValueLayout.JAVA_INT, args);
    }

    public String name() {
        return name;
    }

    public boolean hasWorkspace() {
        return withWorkspace;
    }

    int run(MemorySegment ctx, MemorySegment params, MemorySegment workspace, MemorySegment[] k) {
        try {
            if (!withWorkspace) {
                return (int) run.invokeExact(ctx, params, k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8], k[9], k[10], k[11]);
            }
            return (int) run.invokeExact(ctx, params, workspace, workspace.byteSize(),
                    k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8], k[9], k[10], k[11]);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(name + ": downcall threw a checked exception", t);
        }
    }

    int querySize(MemorySegment ctx, MemorySegment params, MemorySegment outBytes, MemorySegment[] k) {
        if (!withWorkspace) throw new IllegalStateException(name + ": has no workspace-size query");
        try {
            return (int) query.invokeExact(ctx, params, outBytes, k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8], k[9], k[10], k[11]);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(name + ": downcall threw a checked exception", t);
        }
    }

    static boolean isWorkspaceTooSmall(int status) {
        return status == WORKSPACE_TOO_SMALL;
    }
}
