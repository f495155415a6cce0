package dev.panamax;

import static dev.panamax.TestSupport.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The message of a failing call is its own: no cross-talk between threads, nothing stale from the pool. */
class ErrorMessageTest {
    private static final int CALLS = 1000;

    @Test
    void twoThreadsFailingDifferentlyOnTheGlobalContextEachGetTheirOwnMessage() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Tensor q = random(arena, 1, 8, 4, 16), k = random(arena, 2, 8, 2, 16);
            Tensor good = Tensor.fromInts(arena, new int[] {0, 3, 8}, 3);
            Tensor badQ = Tensor.fromInts(arena, new int[] {0, 5, 3}, 3);   // decreases
            Tensor badK = Tensor.fromInts(arena, new int[] {0, 6, 4}, 3);   // decreases
            AttentionOptions failQ = AttentionOptions.builder().varlen(badQ, good).build();
            AttentionOptions failK = AttentionOptions.builder().varlen(good, badK).build();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            CountDownLatch start = new CountDownLatch(1);
            Future<String> a = pool.submit(failing(arena, start, q, k, failQ, "cu_seqlens_q:"));
            Future<String> b = pool.submit(failing(arena, start, q, k, failK, "cu_seqlens_k:"));
            start.countDown();
            assertEquals("", a.get(120, TimeUnit.SECONDS));
            assertEquals("", b.get(120, TimeUnit.SECONDS));
            pool.shutdown();
        }
    }

    private static Callable<String> failing(Arena arena, CountDownLatch start, Tensor q, Tensor k,
                                            AttentionOptions o, String prefix) {
        return () -> {
            Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
            start.await();
            for (int i = 0; i < CALLS; i++) {
                try {
                    Attention.forward(Context.global(), q, k, k, o, out, null);
                    return "call " + i + " did not fail";
                } catch (PanamaxException e) {
                    if (e.status() != Status.INVALID_ARGUMENT || !e.nativeMessage().startsWith(prefix)) {
                        return "call " + i + " expected " + prefix + " got " + e.status() + ": " + e.nativeMessage();
                    }
                }
            }
            return "";
        };
    }

    @Test
    void aFailureAfterThePooledWorkspaceGrewReportsItsOwnCause() {
        Panamax.releaseScratch();   // the next call starts with an empty workspace and grows it
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            Tensor q = random(arena, 3, 1, 500, 4, 64), k = random(arena, 4, 1, 500, 4, 64);
            Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
            assertTrue(Attention.workspaceBytes(ctx, q, k, k, null) > 0);
            Attention.forward(ctx, q, k, k, null, out, null);   // first attempt: WORKSPACE_TOO_SMALL, then grown

            Tensor pq = random(arena, 5, 8, 4, 64), pk = random(arena, 6, 8, 4, 64);
            AttentionOptions bad = AttentionOptions.builder().varlen(Tensor.fromInts(arena, new int[] {0, 9, 8}, 3),
                    Tensor.fromInts(arena, new int[] {0, 4, 8}, 3)).build();
            PanamaxException e = assertThrows(PanamaxException.class,
                    () -> Attention.forward(ctx, pq, pk, pk, bad, Tensor.allocate(arena, DType.F32, pq.shape()), null));
            assertEquals(Status.INVALID_ARGUMENT, e.status());
            assertTrue(e.nativeMessage().startsWith("cu_seqlens_q:"), e.nativeMessage());
            assertFalse(e.nativeMessage().contains("workspace"), e.nativeMessage());
        }
    }
}
