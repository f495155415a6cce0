package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import org.junit.jupiter.api.Test;

/**
 * The out-parameter forms allocate nothing on the Java heap in steady state. Measured with the JDK's
 * per-thread allocation counter (com.sun.management.ThreadMXBean), reached reflectively because the
 * dev.panamax module does not read jdk.management.
 */
class AllocationTest {
    private static final int WARMUP = 30_000;
    private static final int MEASURED = 10_000;

    @Test
    void steadyStateForwardAllocatesNothing() throws Throwable {
        MethodHandle allocated = allocationCounter();
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            Tensor q = TestSupport.random(arena, 1, 1, 4, 2, 8);
            Tensor k = TestSupport.random(arena, 2, 1, 4, 1, 8);
            Tensor v = TestSupport.random(arena, 3, 1, 4, 1, 8);
            Tensor out = Tensor.allocate(arena, DType.F32, 1, 4, 2, 8);
            Tensor lse = Tensor.allocate(arena, DType.F32, 1, 2, 4);
            AttentionOptions causal = AttentionOptions.builder().causal(true).build();
            int[] cu = {0, 1, 4};
            Tensor cuQ = Tensor.fromInts(arena, cu, 3), cuK = Tensor.fromInts(arena, cu, 3);
            AttentionOptions varlen = AttentionOptions.builder().varlen(cuQ, cuK).build();
            Tensor vq = TestSupport.random(arena, 4, 4, 2, 8);
            Tensor vk = TestSupport.random(arena, 5, 4, 1, 8);
            Tensor vout = Tensor.allocate(arena, DType.F32, 4, 2, 8);
            Tensor vlse = Tensor.allocate(arena, DType.F32, 2, 4);

            for (int i = 0; i < WARMUP; i++) {
                Attention.forward(ctx, q, k, v, causal, out, lse);
                Attention.forward(ctx, vq, vk, vk, varlen, vout, vlse);
            }
            long before = (long) allocated.invokeExact();
            for (int i = 0; i < MEASURED; i++) {
                Attention.forward(ctx, q, k, v, causal, out, lse);
                Attention.forward(ctx, vq, vk, vk, varlen, vout, vlse);
            }
            long bytes = (long) allocated.invokeExact() - before;
            // Zero in practice; a few hundred bytes of slack for one-off JIT or counter noise, far below
            // what a single allocating call per iteration would cost (>= 16 bytes x 20,000 calls).
            assertTrue(bytes < 1024, "hot path allocated " + bytes + " bytes over " + 2 * MEASURED + " calls");
        }
    }

    @Test
    void steadyStateStateSpaceCallsAllocateNothing() throws Throwable {
        MethodHandle allocated = allocationCounter();
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            long b = 1, l = 5, dm = 8, ns = 4, w = 4;
            Tensor x = TestSupport.random(arena, 7, b, l, dm), xc = Tensor.allocate(arena, DType.F32, b, l, dm);
            Tensor weight = TestSupport.random(arena, 8, dm, w);
            Tensor convState = Tensor.allocate(arena, DType.F32, b, dm, w - 1);
            CausalConv1dOptions conv = CausalConv1dOptions.builder().silu(true).build();
            Tensor delta = TestSupport.random(arena, 9, b, l, dm), a = TestSupport.random(arena, 10, dm, ns);
            Tensor bm = TestSupport.random(arena, 11, b, l, 1, ns), cm = TestSupport.random(arena, 12, b, l, 1, ns);
            Tensor y = Tensor.allocate(arena, DType.F32, b, l, dm), state = Tensor.allocate(arena, DType.F32, b, dm, ns);
            SelectiveScanOptions scan = SelectiveScanOptions.builder().deltaSoftplus(true).build();
            // One token through the step forms, both states in place.
            Tensor x1 = TestSupport.random(arena, 13, b, dm), u1 = Tensor.allocate(arena, DType.F32, b, dm);
            Tensor d1 = TestSupport.random(arena, 14, b, dm), y1 = Tensor.allocate(arena, DType.F32, b, dm);
            Tensor b1 = TestSupport.random(arena, 15, b, 1, ns), c1 = TestSupport.random(arena, 16, b, 1, ns);
            CausalConv1dOptions convStep = conv.toBuilder().stateIn(convState).build();
            SelectiveScanOptions scanStep = scan.toBuilder().stateIn(state).build();
            Runnable calls = () -> {
                CausalConv1d.run(ctx, x, weight, conv, xc, convState);
                SelectiveScan.run(ctx, xc, delta, a, bm, cm, scan, y, state);
                CausalConv1d.step(ctx, x1, weight, convStep, u1, convState);
                SelectiveScan.step(ctx, u1, d1, a, b1, c1, scanStep, y1, state);
            };
            for (int i = 0; i < WARMUP; i++) calls.run();
            long before = (long) allocated.invokeExact();
            for (int i = 0; i < MEASURED; i++) calls.run();
            long bytes = (long) allocated.invokeExact() - before;
            assertTrue(bytes < 1024, "state-space hot paths allocated " + bytes + " bytes over " + 4 * MEASURED
                    + " calls");
        }
    }

    @Test
    void steadyStateSsdAllocatesNothing() throws Throwable {
        MethodHandle allocated = allocationCounter();
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            long b = 1, l = 5, h = 4, p = 3, g = 2, n = 4;
            Tensor x = TestSupport.random(arena, 20, b, l, h, p), dt = TestSupport.random(arena, 21, b, l, h);
            // A < 0: the state decays, so the in-place step below stays finite over all the iterations.
            Tensor a = Tensor.fromFloats(arena, new float[] {-0.5f, -1f, -1.5f, -2f}, h);
            Tensor bm = TestSupport.random(arena, 22, b, l, g, n), cm = TestSupport.random(arena, 23, b, l, g, n);
            Tensor d = TestSupport.random(arena, 24, h), dtBias = TestSupport.random(arena, 25, h);
            Tensor stateIn = TestSupport.random(arena, 26, b, h, p, n);
            Tensor y = Tensor.allocate(arena, DType.F32, b, l, h, p);
            Tensor state = Tensor.allocate(arena, DType.F32, b, h, p, n);
            SsdOptions full = SsdOptions.builder().dtSoftplus(true).d(d).dtBias(dtBias).stateIn(stateIn).chunk(2)
                    .build();
            // One token through the step form, the state (the full run's final state) updated in place.
            Tensor x1 = TestSupport.random(arena, 27, b, h, p), dt1 = TestSupport.random(arena, 28, b, h);
            Tensor b1 = TestSupport.random(arena, 29, b, g, n), c1 = TestSupport.random(arena, 30, b, g, n);
            Tensor y1 = Tensor.allocate(arena, DType.F32, b, h, p);
            SsdOptions step = full.toBuilder().chunk(0).stateIn(state).build();
            Runnable calls = () -> {
                Ssd.run(ctx, x, dt, a, bm, cm, full, y, state);
                Ssd.step(ctx, x1, dt1, a, b1, c1, step, y1, state);
            };
            for (int i = 0; i < WARMUP; i++) calls.run();
            long before = (long) allocated.invokeExact();
            for (int i = 0; i < MEASURED; i++) calls.run();
            long bytes = (long) allocated.invokeExact() - before;
            assertTrue(bytes < 1024, "SSD hot paths allocated " + bytes + " bytes over " + 2 * MEASURED + " calls");
            for (float v : y1.toFloatArray()) assertTrue(Float.isFinite(v), "step output not finite: " + v);
        }
    }

    @Test
    void steadyStateLinearAttentionAllocatesNothing() throws Throwable {
        MethodHandle allocated = allocationCounter();
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            long b = 1, n = 6, h = 4, hkv = 2, dk = 4, dv = 3, m = 5;
            Tensor q = TestSupport.random(arena, 50, b, n, h, dk), k = TestSupport.random(arena, 51, b, n, hkv, dk);
            Tensor v = TestSupport.random(arena, 52, b, n, hkv, dv), out = Tensor.allocate(arena, DType.F32, b, n, h, dv);
            Tensor state = Tensor.allocate(arena, DType.F32, b, hkv, dk, dv);
            Tensor norm = Tensor.allocate(arena, DType.F32, b, hkv, dk);
            Tensor s0 = TestSupport.random(arena, 53, b, hkv, dk, dv);
            LinearAttentionOptions causal = LinearAttentionOptions.builder().causal(true).chunk(4).stateIn(s0).build();
            Tensor w = LinearAttention.favorRandomMatrix(arena, m, dk, 54);
            LinearAttentionOptions favor = LinearAttentionOptions.builder().featureMap(FeatureMap.FAVOR)
                    .randomMatrix(w).build();
            Tensor fState = Tensor.allocate(arena, DType.F32, b, hkv, m, dv);
            Tensor fNorm = Tensor.allocate(arena, DType.F32, b, hkv, m);
            // One token through the step form, the state and norm updated in place.
            Tensor q1 = TestSupport.random(arena, 55, b, h, dk), k1 = TestSupport.random(arena, 56, b, hkv, dk);
            Tensor v1 = TestSupport.random(arena, 57, b, hkv, dv), y1 = Tensor.allocate(arena, DType.F32, b, h, dv);
            LinearAttentionOptions step = LinearAttentionOptions.builder().stateIn(state).normIn(norm).build();
            // The recurrences: a gated delta prefill and step (unit-norm key: the state stays bounded).
            Tensor kn = Tensor.fromFloats(arena, new float[] {0.5f, -0.5f, 0.5f, 0.5f, 0.6f, 0.8f, 0f, 0f}, b, hkv, dk);
            Tensor kr = Tensor.allocate(arena, DType.F32, b, n, hkv, dk);
            for (long t = 0; t < n; t++) MemorySegment.copy(kn.segment(), 0, kr.segment(), t * hkv * dk * 4, hkv * dk * 4);
            Tensor decay = Tensor.allocate(arena, DType.F32, b, n, hkv).fill(0.9f);
            Tensor beta = Tensor.allocate(arena, DType.F32, b, n, hkv).fill(0.5f);
            Tensor decay1 = Tensor.allocate(arena, DType.F32, b, hkv).fill(0.9f);
            Tensor beta1 = Tensor.allocate(arena, DType.F32, b, hkv).fill(0.5f);
            Tensor rState = Tensor.allocate(arena, DType.F32, b, hkv, dk, dv);
            LinearRecurrenceOptions rule = LinearRecurrenceOptions.builder().decay(decay).beta(beta).chunk(4).build();
            LinearRecurrenceOptions ruleStep = LinearRecurrenceOptions.builder().decay(decay1).beta(beta1)
                    .stateIn(rState).build();
            Runnable calls = () -> {
                LinearAttention.run(ctx, q, k, v, causal, out, state, norm);
                LinearAttention.step(ctx, q1, k1, v1, step, y1, state, norm);
                LinearAttention.run(ctx, q, k, v, favor, out, fState, fNorm);
                LinearRecurrence.run(ctx, LinearRule.GATED_DELTA, q, kr, v, rule, out, rState);
                LinearRecurrence.step(ctx, LinearRule.GATED_DELTA, q1, kn, v1, ruleStep, y1, rState);
            };
            for (int i = 0; i < WARMUP; i++) calls.run();
            long before = (long) allocated.invokeExact();
            for (int i = 0; i < MEASURED; i++) calls.run();
            long bytes = (long) allocated.invokeExact() - before;
            assertTrue(bytes < 1024, "linear attention hot paths allocated " + bytes + " bytes over " + 5 * MEASURED
                    + " calls");
            for (float x : y1.toFloatArray()) assertTrue(Float.isFinite(x), "step output not finite: " + x);
        }
    }

    @Test
    void steadyStateLongConvolutionAllocatesNothing() throws Throwable {
        MethodHandle allocated = allocationCounter();
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            long b = 1, l = 40, c = 5, nh = 3;
            Tensor u = TestSupport.random(arena, 40, b, l, c), d = TestSupport.random(arena, 41, c);
            Tensor a = Tensor.fromFloats(arena, new float[] {-0.5f, 1, -0.2f, 2, -0.1f, 3}, 1, nh, 2);
            Tensor ac = Tensor.allocate(arena, DType.F32, c, nh, 2), bc = TestSupport.random(arena, 42, c, nh, 2);
            for (long i = 0; i < c; i++) MemorySegment.copy(a.segment(), 0, ac.segment(), i * nh * 8, nh * 8);
            Tensor logDt = TestSupport.random(arena, 43, c);
            Tensor k = Tensor.allocate(arena, DType.F32, c, l), y = Tensor.allocate(arena, DType.F32, b, l, c);
            Runnable calls = () -> {
                S4dKernel.compute(ctx, ac, bc, bc, logDt, k);
                FftConv.run(ctx, u, k, d, FftConvMethod.FFT, y);
                FftConv.run(ctx, u, k, null, FftConvMethod.DIRECT, y);
            };
            for (int i = 0; i < WARMUP; i++) calls.run();
            long before = (long) allocated.invokeExact();
            for (int i = 0; i < MEASURED; i++) calls.run();
            long bytes = (long) allocated.invokeExact() - before;
            assertTrue(bytes < 1024, "S4 hot paths allocated " + bytes + " bytes over " + 3 * MEASURED + " calls");
        }
    }

    @Test
    void steadyStateRopeAllocatesNothing() throws Throwable {
        MethodHandle allocated = allocationCounter();
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            Tensor x = TestSupport.random(arena, 6, 1, 4, 2, 8);
            Tensor out = Tensor.allocate(arena, DType.F32, 1, 4, 2, 8);
            Tensor positions = Tensor.fromInts(arena, new int[] {5, 6, 7, 8}, 4);
            RopeConfig yarn = RopeConfig.builder().scaling(RopeScaling.YARN).factor(4).originalMaxPosition(64).build();
            for (int i = 0; i < WARMUP; i++) {
                Rope.apply(ctx, x, positions, yarn, out);
                Rope.apply(ctx, out, null, yarn, out);
            }
            long before = (long) allocated.invokeExact();
            for (int i = 0; i < MEASURED; i++) {
                Rope.apply(ctx, x, positions, yarn, out);
                Rope.apply(ctx, out, null, yarn, out);
            }
            long bytes = (long) allocated.invokeExact() - before;
            assertTrue(bytes < 1024, "RoPE hot path allocated " + bytes + " bytes over " + 2 * MEASURED + " calls");
        }
    }

    private static MethodHandle allocationCounter() throws Exception {
        Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
        Object bean = factory.getMethod("getThreadMXBean").invoke(null);
        Class<?> sunBean = Class.forName("com.sun.management.ThreadMXBean");
        MethodHandle mh = MethodHandles.publicLookup()
                .findVirtual(sunBean, "getCurrentThreadAllocatedBytes", MethodType.methodType(long.class));
        return mh.bindTo(bean);
    }
}
