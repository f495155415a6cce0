package dev.panamax.internal;

import static dev.panamax.TestSupport.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.Attention;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Panamax;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.pmx_attention_params;
import dev.panamax.internal.ffi.pmx_bigbird_params;
import dev.panamax.internal.ffi.pmx_causal_conv1d_params;
import dev.panamax.internal.ffi.pmx_moe_params;
import dev.panamax.internal.ffi.pmx_rope_params;
import dev.panamax.internal.ffi.pmx_selective_scan_params;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

class ScratchPoolTest {
    @Test
    void structAreaFitsTheLargestParamsStruct() {
        long largest = 0;
        for (long size : new long[] {pmx_attention_params.sizeof(), pmx_rope_params.sizeof(), pmx_bigbird_params.sizeof(),
                pmx_selective_scan_params.sizeof(), pmx_causal_conv1d_params.sizeof(), pmx_moe_params.sizeof()}) {
            largest = Math.max(largest, size);
        }
        assertTrue(ScratchPool.STRUCT_BYTES >= largest, "struct area " + ScratchPool.STRUCT_BYTES + " < " + largest);
        assertTrue(ScratchPool.STRUCT_BYTES < largest + 64, "no fixed oversize area");
        assertEquals(0, ScratchPool.STRUCT_BYTES % 64);
        assertTrue(ScratchPool.MAX_SLOT_WORKSPACE_BYTES <= ScratchPool.MAX_POOLED_WORKSPACE_BYTES);
    }

    @Test
    void releaseScratchFreesPooledWorkspaceAndCallsStillWork() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            Tensor q = random(arena, 1, 1, 300, 4, 64);
            Tensor k = random(arena, 2, 1, 300, 4, 64);
            Tensor v = random(arena, 3, 1, 300, 4, 64);
            Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
            Tensor again = Tensor.allocate(arena, DType.F32, q.shape());
            Attention.forward(ctx, q, k, v, null, out, null);
            assertTrue(Attention.workspaceBytes(ctx, q, k, v, null) > 0, "this shape needs a workspace");
            assertTrue(ScratchPool.pooledWorkspaceBytes() > 0, "the call pooled its workspace");
            Panamax.releaseScratch();
            assertEquals(0, ScratchPool.pooledWorkspaceBytes(), "every pooled workspace freed");
            Attention.forward(ctx, q, k, v, null, again, null);
            assertArrayEquals(out.toFloatArray(), again.toFloatArray());
        }
    }

    @Test
    void releaseScratchWhileOtherThreadsCallIsSafe() throws Exception {
        try (Arena arena = Arena.ofShared(); Context ctx = Context.create(1)) {
            Tensor q = random(arena, 4, 1, 200, 2, 32);
            Tensor k = random(arena, 5, 1, 200, 2, 32);
            Tensor v = random(arena, 6, 1, 200, 2, 32);
            Tensor expect = Tensor.allocate(arena, DType.F32, q.shape());
            Attention.forward(ctx, q, k, v, null, expect, null);
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            List<Future<Integer>> callers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                callers.add(pool.submit(() -> {
                    Tensor out = Tensor.allocate(arena, DType.F32, q.shape());
                    int calls = 0;
                    while (!stop.get()) {
                        out.fill(Float.NaN);
                        Attention.forward(ctx, q, k, v, null, out, null);
                        if (out.segment().mismatch(expect.segment()) != -1) return -1;
                        calls++;
                    }
                    return calls;
                }));
            }
            for (int i = 0; i < 300; i++) {
                Panamax.releaseScratch();
                Thread.sleep(1);
            }
            stop.set(true);
            for (Future<Integer> f : callers) {
                int calls = f.get(60, TimeUnit.SECONDS);
                assertTrue(calls > 0, "a caller saw a wrong result (-1) or ran no call: " + calls);
            }
            pool.shutdown();
        }
    }
}
