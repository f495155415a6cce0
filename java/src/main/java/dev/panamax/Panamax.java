package dev.panamax;

import dev.panamax.internal.NativeCall;
import dev.panamax.internal.NativeLoader;
import dev.panamax.internal.ScratchPool;
import dev.panamax.internal.ffi.Panamax_h;
import dev.panamax.internal.ffi.pmx_cuda_device_info;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Facts about the loaded native library.
 *
 * <p><b>Loading.</b> The native library is loaded on first use of {@link Context} or of a method here, in
 * this order: the system property {@code panamax.library.path} (a directory holding
 * {@code libpanamax.so}, or the file) → the libraries bundled in the jar under
 * {@code /dev/panamax/native/linux-x86_64/} (extracted to a folder {@code panamax-*} inside the folder
 * named by the system property {@code panamax.native.tmpdir}, default {@code java.io.tmpdir}; deleted at
 * exit, and left-overs of crashed JVMs deleted by the next load) → {@code System.loadLibrary("panamax")}.
 * A {@code noexec} extraction folder is reported as such, naming {@code panamax.native.tmpdir}. When all
 * fail, a {@link PanamaxException} with {@link Status#UNAVAILABLE} lists every attempt and its reason.
 * The library's ABI major version must match this jar's.
 *
 * <p>All methods are thread-safe.
 */
public final class Panamax {
    private Panamax() {}

    /**
     * {@code PMX_ABI_VERSION_MAJOR << 16 | PMX_ABI_VERSION_MINOR} of the loaded library.
     *
     * @throws PanamaxException ({@link Status#UNAVAILABLE}) when the library cannot be loaded
     */
    public static int abiVersion() {
        NativeLoader.ensureLoaded();
        return Panamax_h.pmx_abi_version();
    }

    /** A short description of the native build and runtime: version, ISA, compiler, OpenMP, oneDNN. */
    public static String buildInfo() {
        NativeLoader.ensureLoaded();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment length = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment buf = arena.allocate(1024);
            int status = Panamax_h.pmx_build_info(buf, buf.byteSize(), length);
            if (status != 0) throw new PanamaxException(Status.ofOrInternal(status), "pmx_build_info failed");
            long n = length.get(ValueLayout.JAVA_LONG, 0);
            if (n >= buf.byteSize()) {
                buf = arena.allocate(n + 1);
                status = Panamax_h.pmx_build_info(buf, buf.byteSize(), length);
                if (status != 0) throw new PanamaxException(Status.ofOrInternal(status), "pmx_build_info failed");
            }
            return buf.getString(0);
        }
    }

    /** The instruction-set path the CPU kernels take on this machine (capped by {@code PMX_ISA}). */
    public static Isa cpuIsa() {
        NativeLoader.ensureLoaded();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            int status = Panamax_h.pmx_cpu_isa(out);
            if (status != 0) throw new PanamaxException(Status.ofOrInternal(status), "pmx_cpu_isa failed");
            return Isa.of(out.get(ValueLayout.JAVA_INT, 0));
        }
    }

    /**
     * Whether the CUDA backend can run, and the devices it sees. Never throws because a driver or a GPU
     * is missing: that is {@code available() == false} with the library's reason.
     *
     * @throws PanamaxException when the library cannot be loaded, or a device query fails other than
     *                          with {@link Status#UNAVAILABLE}
     */
    public static CudaStatus cuda() {
        NativeLoader.ensureLoaded();
        try (NativeCall call = NativeCall.begin(Context.global()); Arena arena = Arena.ofConfined()) {
            MemorySegment h = call.nativeContext();
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            int status;
            try {
                status = Panamax_h.pmx_cuda_device_count(h, count);
            } catch (LinkageError | RuntimeException e) {
                return new CudaStatus(false, "this libpanamax has no CUDA entry points: " + e, List.of());
            }
            if (status == Status.UNAVAILABLE.code()) {
                return new CudaStatus(false, call.failure(status).nativeMessage(), List.of());
            }
            call.check(status);
            int n = count.get(ValueLayout.JAVA_INT, 0);
            if (n <= 0) return new CudaStatus(false, "no CUDA device found", List.of());
            List<CudaDevice> devices = new ArrayList<>(n);
            MemorySegment info = arena.allocate(pmx_cuda_device_info.layout());
            for (int i = 0; i < n; i++) {
                info.fill((byte) 0);
                pmx_cuda_device_info.struct_size(info, pmx_cuda_device_info.sizeof());
                status = Panamax_h.pmx_cuda_device_info_get(h, i, info);
                if (status == Status.UNAVAILABLE.code()) {
                    return new CudaStatus(false, call.failure(status).nativeMessage(), List.of());
                }
                call.check(status);
                devices.add(new CudaDevice(i, info.getString(pmx_cuda_device_info.name$offset()),
                        pmx_cuda_device_info.compute_major(info), pmx_cuda_device_info.compute_minor(info),
                        pmx_cuda_device_info.total_memory_bytes(info),
                        pmx_cuda_device_info.multiprocessor_count(info)));
            }
            return new CudaStatus(true, "", devices);
        }
    }

    /**
     * Frees the native scratch pooled between calls (workspaces, params areas, per-call native contexts);
     * later calls allocate it again as needed. Safe while other threads are calling: a call running now
     * keeps its scratch, which returns to the pool when it ends. Scratch is bounded anyway (see the
     * package documentation); call this to return memory after a burst of large calls.
     */
    public static void releaseScratch() {
        ScratchPool.releaseAll();
    }

    /**
     * Which load attempt succeeded: its source ("system property panamax.library.path", "bundled
     * resource ... extracted to", "system library") and the path of the library. Loads it if needed.
     */
    public static String loadedFrom() {
        return NativeLoader.loadedFrom();
    }
}
