package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import dev.panamax.baseline.Baselines;

import org.junit.jupiter.api.Test;

class BaselinesTest {
    @Test
    void baselinesAreOutOfTheExportedApi() throws Exception {
        // The library's own module-info.class (the class loader would find the JDK's first).
        Path classes = Path.of(Attention.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(classes), "tests run against the compiled classes folder: " + classes);
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            ModuleDescriptor module = ModuleDescriptor.read(in);
            assertEquals("dev.panamax", module.name());
            Set<String> exported = new HashSet<>();
            for (ModuleDescriptor.Exports e : module.exports()) exported.add(e.source());
            assertEquals(Set.of("dev.panamax"), exported, "only the API package is exported");
        }
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.panamax.Baselines"));
        for (Method m : Attention.class.getMethods()) {
            assertFalse(m.getName().toLowerCase().contains("naive"), "Attention still has " + m);
        }
    }

    @Test
    void unfusedAttentionWithCallerWorkspaceMatchesTheReference() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor q = TestSupport.random(arena, 4, 2, 29, 4, 40);
            Tensor k = TestSupport.random(arena, 5, 2, 31, 2, 40);
            Tensor v = TestSupport.random(arena, 6, 2, 31, 2, 40);
            AttentionOptions o = AttentionOptions.builder().causal(true).build();
            Tensor ref = TestSupport.poisoned(arena, DType.F64, q.shape());
            Attention.forwardReference(ctx, q, k, v, o, ref, null);
            long bytes = Baselines.attentionUnfusedWorkspaceBytes(ctx, q, k, v, o);
            assertTrue(bytes >= 4L * 29 * 31, "unfused needs an [Nq, Nk] matrix, says " + bytes);
            Tensor out = TestSupport.poisoned(arena, DType.F32, q.shape());
            Baselines.attentionUnfused(ctx, q, k, v, o, out, null, arena.allocate(bytes, 64));
            TestSupport.assertOutClose("unfused, caller workspace", out, ref);
            PanamaxException e = assertThrows(PanamaxException.class,
                    () -> Baselines.attentionUnfused(ctx, q, k, v, o, out, null, arena.allocate(bytes - 64, 64)));
            assertEquals(Status.WORKSPACE_TOO_SMALL, e.status());
        }
    }

    @Test
    void sgemmMatchesATripleLoop() {
        int m = 37, n = 29, k = 53;
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            Tensor a = TestSupport.random(arena, 1, m, k);
            Tensor b = TestSupport.random(arena, 2, k, n);
            Tensor c = TestSupport.poisoned(arena, DType.F32, m, n);
            Baselines.sgemm(ctx, m, n, k, a.segment(), b.segment(), c.segment());
            float[] av = a.toFloatArray(), bv = b.toFloatArray(), cv = c.toFloatArray();
            double maxErr = 0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += (double) av[i * k + p] * bv[p * n + j];
                    maxErr = Math.max(maxErr, Math.abs(s - cv[i * n + j]));
                }
            }
            assertTrue(maxErr < 1e-4, "max error " + maxErr);
        }
    }

    @Test
    void sgemmRefusesBadArguments() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(1)) {
            MemorySegment a = arena.allocate(4 * 6, 64), b = arena.allocate(4 * 6, 64);
            MemorySegment small = arena.allocate(4 * 3, 64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Baselines.sgemm(ctx, 2, 3, 2, a, b, small));
            assertTrue(e.getMessage().startsWith("c:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Baselines.sgemm(ctx, -1, 3, 3, a, b, a));
            assertTrue(e.getMessage().startsWith("m:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Baselines.sgemm(ctx, 2, 3, 3, MemorySegment.ofArray(new float[6]), b, a));
            assertTrue(e.getMessage().startsWith("a:"), e.getMessage());
        }
    }

    @Test
    void expSumsItsExpsAndRefusesANegativeCount() {
        try (Context ctx = Context.create(2)) {
            // Arguments in [-24, 0): each 2^x lies in (2^-24, 1], so 8192 of them sum to between 0 and 8192
            // (the count is rounded up to whole tables of 1024 per thread).
            double sum = Baselines.exp(ctx, 8192);
            assertTrue(sum > 8192 * 0x1p-24 && sum <= 8192, "sum " + sum);
            assertEquals(0.0, Baselines.exp(ctx, 0));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Baselines.exp(ctx, -1));
            assertTrue(e.getMessage().startsWith("count:"), e.getMessage());
        }
    }

    @Test
    void readSumsEveryFloatOnAnyThreadCountAndRefusesBadMemory() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2); Context one = Context.create(1)) {
            // 1000 + 37 floats (not a multiple of the slices or the vector width), each its index.
            int n = 1037;
            MemorySegment data = arena.allocate((long) n * Float.BYTES, 64);
            for (int i = 0; i < n; i++) data.setAtIndex(ValueLayout.JAVA_FLOAT, i, i);
            double want = (double) n * (n - 1) / 2;
            assertEquals(want, Baselines.read(ctx, data));
            assertEquals(want, Baselines.read(one, data));
            assertEquals(want - (n - 1), Baselines.read(ctx, data.asSlice(0, (long) (n - 1) * Float.BYTES)));
            assertEquals(0.0, Baselines.read(ctx, data.asSlice(0, 0)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Baselines.read(ctx, MemorySegment.ofArray(new float[4])));
            assertTrue(e.getMessage().startsWith("data:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Baselines.read(ctx, data.asSlice(2, 8)));
            assertTrue(e.getMessage().startsWith("data:"), e.getMessage());
        }
    }

    @Test
    void sequentialSelectiveScanMatchesTheReference() {
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(2)) {
            SelectiveScanTest.Inputs in = SelectiveScanTest.Inputs.of(arena, 2, 23, 77);
            SelectiveScanOptions o = in.options().build();
            Tensor out = TestSupport.poisoned(arena, DType.F32, 2, 23, 24);
            Tensor state = TestSupport.poisoned(arena, DType.F32, 2, 24, 16);
            Baselines.selectiveScanSequential(ctx, in.u(), in.delta(), in.a(), in.b(), in.c(), o, out, state);
            double[][] want = SelectiveScanTest.reference(in, 2, 23);
            SelectiveScanTest.assertClose("sequential out", out.toDoubleArray(), want[0]);
            SelectiveScanTest.assertClose("sequential state", state.toDoubleArray(), want[1]);
        }
    }

    @Test
    void noopChecksItsStatusAndRefusesAClosedContext() {
        Context ctx = Context.create(1);
        for (int i = 0; i < 1000; i++) Baselines.noop(ctx);   // a non-zero status would throw
        ctx.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Baselines.noop(ctx));
        assertEquals("context: is closed", e.getMessage());
    }
}
