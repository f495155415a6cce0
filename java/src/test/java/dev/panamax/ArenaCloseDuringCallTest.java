package dev.panamax;

import static dev.panamax.TestSupport.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * A call holds its tensors' arenas open: closing a shared arena from another thread while the kernel
 * reads it fails with IllegalStateException instead of freeing memory under the kernel.
 */
class ArenaCloseDuringCallTest {
    @Test
    void closingASharedArenaDuringACallFailsAndSucceedsAfterIt() throws Exception {
        // q, k, v live in the arena that is closed; out lives in another one, so the result can be read
        // whenever the close went through.
        try (Context ctx = Context.create(1); Arena outArena = Arena.ofShared()) {
            Arena arena = Arena.ofShared();
            // Long enough (~0.3 s on one thread) for many close attempts while the kernel runs.
            Tensor q = random(arena, 1, 1, 4096, 8, 64);
            Tensor k = random(arena, 2, 1, 4096, 8, 64);
            Tensor v = random(arena, 3, 1, 4096, 8, 64);
            Tensor out = Tensor.allocate(outArena, DType.F32, q.shape()).fill(Float.NaN);
            Tensor expect = Tensor.allocate(outArena, DType.F32, q.shape());
            Attention.forward(ctx, q, k, v, null, expect, null);

            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread caller = new Thread(() -> {
                started.countDown();
                try {
                    Attention.forward(ctx, q, k, v, null, out, null);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            caller.start();
            assertTrue(started.await(10, TimeUnit.SECONDS));
            Thread.sleep(30);   // let the call reach the kernel
            // Without the keep-alive, the first attempt frees q, k, v under the kernel (a crash or a
            // wrong result). With it, every attempt during the downcall throws; one after it succeeds.
            int refused = 0;
            boolean closed = false;
            while (!closed && caller.isAlive()) {
                try {
                    arena.close();
                    closed = true;
                } catch (IllegalStateException expected) {
                    refused++;
                    Thread.sleep(1);
                }
            }
            caller.join(60_000);
            assertEquals(null, failure.get(), "the call itself must succeed");
            assertTrue(refused > 0, "no close attempt overlapped the call (the call ended too soon to test)");
            assertEquals(-1, out.segment().mismatch(expect.segment()), "result after the refused closes");
            if (!closed) arena.close();   // the call is over: now it closes
            assertFalse(arena.scope().isAlive());
        }
    }

    @Test
    void automaticArenaTensorsStayReachableDuringACall() throws Exception {
        try (Context ctx = Context.create(1)) {
            // A collection every millisecond, during calls of about that length: back-to-back full
            // collections would starve the calling thread on a 2-core machine (20 s instead of 1).
            Thread gc = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        System.gc();
                        Thread.sleep(1);
                    }
                } catch (InterruptedException done) {
                    // interrupted by the test: stop
                }
            });
            gc.start();
            try {
                for (int i = 0; i < 10; i++) {
                    Arena auto = Arena.ofAuto();
                    Tensor q = random(auto, 10 + i, 1, 1024, 2, 32);
                    Tensor out = Tensor.allocate(Arena.ofAuto(), DType.F32, q.shape()).fill(Float.NaN);
                    // Self-attention on one auto tensor: nothing but the call references q after this line.
                    Attention.forward(ctx, q, q, q, null, out, null);
                    for (float x : out.toFloatArray()) assertTrue(Float.isFinite(x));
                }
            } finally {
                gc.interrupt();
                gc.join();
            }
        }
    }
}
