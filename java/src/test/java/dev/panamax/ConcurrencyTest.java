package dev.panamax;

import static dev.panamax.TestSupport.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Many Java threads calling at once get exactly the single-threaded results. */
class ConcurrencyTest {
    private static final int THREADS = 8;
    private static final int CALLS = 100;
    private static final int CASES = 4;

    @Test
    void eightThreadsTimesHundredCallsAreBitIdenticalToSingleThreaded() throws Exception {
        try (Arena arena = Arena.ofShared(); Context single = Context.create(1)) {
            Tensor[] q = new Tensor[CASES], k = new Tensor[CASES], v = new Tensor[CASES];
            Tensor[] expectOut = new Tensor[CASES], expectLse = new Tensor[CASES];
            AttentionOptions[] opts = new AttentionOptions[CASES];
            for (int c = 0; c < CASES; c++) {
                int n = 16 + 7 * c;
                q[c] = random(arena, 100 + c, 1, n, 4, 32);
                k[c] = random(arena, 200 + c, 1, n + c, 2, 32);
                v[c] = random(arena, 300 + c, 1, n + c, 2, 32);
                opts[c] = AttentionOptions.builder().causal(c % 2 == 1).build();
                expectOut[c] = Tensor.allocate(arena, DType.F32, q[c].shape());
                expectLse[c] = Tensor.allocate(arena, DType.F32, 1, 4, n);
                Attention.forward(single, q[c], k[c], v[c], opts[c], expectOut[c], expectLse[c]);
            }

            // Half the threads share the global context (all cores), half have one of their own (1 thread).
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                final int id = t;
                results.add(pool.submit(() -> {
                    Context ctx = id % 2 == 0 ? Context.global() : Context.create(1);
                    Tensor[] out = new Tensor[CASES], lse = new Tensor[CASES];
                    for (int c = 0; c < CASES; c++) {
                        out[c] = Tensor.allocate(arena, DType.F32, q[c].shape());
                        lse[c] = Tensor.allocate(arena, DType.F32, expectLse[c].shape());
                    }
                    start.await();
                    int mismatches = 0;
                    for (int i = 0; i < CALLS; i++) {
                        int c = (i + id) % CASES;
                        out[c].fill(Float.NaN);
                        Attention.forward(ctx, q[c], k[c], v[c], opts[c], out[c], lse[c]);
                        if (out[c].segment().mismatch(expectOut[c].segment()) != -1) mismatches++;
                        if (lse[c].segment().mismatch(expectLse[c].segment()) != -1) mismatches++;
                    }
                    if (ctx != Context.global()) ctx.close();
                    return mismatches;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : results) total += f.get(120, TimeUnit.SECONDS);
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
            assertEquals(0, total, "calls whose results differ bit-wise from the single-threaded run");
        }
    }

    @Test
    void virtualThreadsGetTheSameResults() throws Exception {
        try (Arena arena = Arena.ofShared(); Context ctx = Context.create(1)) {
            Tensor q = random(arena, 7, 1, 33, 4, 16);
            Tensor k = random(arena, 8, 1, 33, 2, 16);
            Tensor v = random(arena, 9, 1, 33, 2, 16);
            AttentionOptions o = AttentionOptions.builder().causal(true).build();
            Tensor expect = Tensor.allocate(arena, DType.F32, q.shape());
            Attention.forward(ctx, q, k, v, o, expect, null);
            List<Future<Integer>> results = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < 16; t++) {
                    results.add(pool.submit(() -> {
                        Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
                        int mismatches = 0;
                        for (int i = 0; i < 20; i++) {
                            out.fill(Float.NaN);
                            Attention.forward(ctx, q, k, v, o, out, null);
                            if (out.segment().mismatch(expect.segment()) != -1) mismatches++;
                        }
                        return mismatches;
                    }));
                }
                int total = 0;
                for (Future<Integer> f : results) total += f.get(60, TimeUnit.SECONDS);
                assertEquals(0, total);
            }
        }
    }

    @Test
    void closingAContextWhileOtherThreadsUseItIsSafe() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Tensor q = random(arena, 1, 1, 64, 2, 32);
            Tensor k = random(arena, 2, 1, 64, 2, 32);
            Tensor v = random(arena, 3, 1, 64, 2, 32);
            Context ctx = Context.create(1);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<Integer>> calls = new ArrayList<>();
            CountDownLatch running = new CountDownLatch(4);
            for (int t = 0; t < 4; t++) {
                calls.add(pool.submit(() -> {
                    Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
                    int done = 0;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (System.nanoTime() < deadline) {
                        try {
                            Attention.forward(ctx, q, k, v, null, out, null);
                            if (done++ == 0) running.countDown();
                        } catch (IllegalStateException closed) {
                            assertEquals("context: is closed", closed.getMessage());
                            return done;   // saw the close: the expected way out
                        }
                    }
                    return -1;
                }));
            }
            assertTrue(running.await(30, TimeUnit.SECONDS), "threads started calling");
            Thread.sleep(20);
            ctx.close();
            for (Future<Integer> f : calls) {
                int done = f.get(60, TimeUnit.SECONDS);
                assertTrue(done > 0, "each thread ran calls before the close and then saw it; got " + done);
            }
            pool.shutdown();
            assertTrue(ctx.isClosed());
        }
    }
}
