package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.baseline.Baselines;

import org.junit.jupiter.api.Test;

class ContextTest {
    @Test
    void threadCountCanBeSetAndRead() {
        try (Context ctx = Context.create(1)) {
            assertEquals(1, ctx.numThreads());
            ctx.setNumThreads(3);
            assertEquals(3, ctx.numThreads());
            ctx.setNumThreads(0);
            assertTrue(ctx.numThreads() >= 1, "0 resolves to the core count");
        }
        try (Context all = Context.create()) {
            assertTrue(all.numThreads() >= 1);
        }
    }

    @Test
    void outOfRangeThreadCountsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Context.create(-1));
        assertTrue(e.getMessage().startsWith("numThreads:"), e.getMessage());
        try (Context ctx = Context.create(2)) {
            assertThrows(IllegalArgumentException.class, () -> ctx.setNumThreads(4097));
            assertEquals(2, ctx.numThreads(), "a refused setting changes nothing");
        }
    }

    @Test
    void closedContextRefusesUseAndCloseIsIdempotent() {
        Context ctx = Context.create(1);
        assertFalse(ctx.isClosed());
        ctx.close();
        ctx.close();
        assertTrue(ctx.isClosed());
        assertThrows(IllegalStateException.class, ctx::numThreads);
        assertThrows(IllegalStateException.class, () -> ctx.setNumThreads(1));
        assertThrows(IllegalStateException.class, () -> Baselines.noop(ctx));
    }

    @Test
    void globalIsSharedAndNeverClosed() {
        Context g = Context.global();
        assertSame(g, Context.global());
        g.close();
        assertFalse(g.isClosed());
        assertTrue(g.numThreads() >= 1);
    }
}
