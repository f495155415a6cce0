package dev.panamax.bench.sweep;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The in-run memory ceiling of bandwidth-bound operators: a plain copy between two native buffers
 * ({@link MemorySegment#copy}, the JDK's memmove), split in equal slices over the same number of threads as
 * the kernels, measured in the same process. Its rate counts the bytes read plus the bytes written, as the
 * operators' {@link WorkUnit#BYTE} work does.
 */
public final class CopyRate {
    private static final int RUNS = 5;

    private CopyRate() {
    }

    /** GB/s (read + written) copying {@code bytes}: the median of five runs after one warm-up run. */
    public static Ceiling measure(int threads, long bytes) throws Exception {
        int parts = Math.max(1, threads);
        ExecutorService pool = Executors.newFixedThreadPool(parts);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = arena.allocate(bytes, 64);
            MemorySegment dst = arena.allocate(bytes, 64);
            src.fill((byte) 1);
            dst.fill((byte) 0);
            long slice = (bytes / parts + 63) & ~63L;
            double ms = Timing.medianMillis(1, RUNS, () -> {
                List<Future<?>> done = new ArrayList<>(parts);
                for (long from = 0; from < bytes; from += slice) {
                    long start = from, length = Math.min(slice, bytes - from);
                    done.add(pool.submit(() -> MemorySegment.copy(src, start, dst, start, length)));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            });
            return new Ceiling("copy", String.format(java.util.Locale.ROOT, "copy of %d MiB on %d thread(s)",
                    bytes >> 20, parts), WorkUnit.BYTE.rate(2.0 * bytes, ms));
        } finally {
            pool.shutdownNow();
        }
    }
}
