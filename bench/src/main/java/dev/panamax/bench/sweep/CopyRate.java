package dev.panamax.bench.sweep;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The in-run memory ceiling of bandwidth-bound operators: a plain copy between two native buffers
 * ({@link MemorySegment#copy}, the JDK's memmove), split in equal slices over the same number of threads as
 * the kernels. It runs as a per-shape baseline, timed in the same rounds as the kernels ({@link Rounds}):
 * a copy timed once before the sweep read anywhere from 22 to 72 GB/s on the shared VM and once rated a
 * kernel at 155% of it. Its rate counts the bytes read plus the bytes written, as the operators'
 * {@link WorkUnit#BYTE} work does.
 */
public final class CopyRate {
    private CopyRate() {
    }

    /** A multi-threaded copy: src into dst (same size), one equal slice per thread. */
    public static final class Copier implements AutoCloseable {
        private final int parts;
        private final ExecutorService pool;

        public Copier(int threads) {
            parts = Math.max(1, threads);
            pool = Executors.newFixedThreadPool(parts);
        }

        public void copy(MemorySegment src, MemorySegment dst) throws Exception {
            long bytes = src.byteSize();
            if (dst.byteSize() != bytes) {
                throw new IllegalArgumentException("copy: " + bytes + " bytes into " + dst.byteSize());
            }
            long slice = (bytes / parts + 63) & ~63L;
            List<Future<?>> done = new ArrayList<>(parts);
            for (long from = 0; from < bytes; from += slice) {
                long start = from, length = Math.min(slice, bytes - from);
                done.add(pool.submit(() -> MemorySegment.copy(src, start, dst, start, length)));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }
}
