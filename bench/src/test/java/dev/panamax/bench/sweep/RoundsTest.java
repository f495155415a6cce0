package dev.panamax.bench.sweep;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rounds: one run of each implementation per round, failures and budgets per implementation. */
class RoundsTest {
    @Test
    void runsOneOfEachPerRoundWarmupFirst() throws Exception {
        List<String> order = new ArrayList<>();
        List<Rounds.Outcome> out = Rounds.run(1, 2, 0, Rounds.REWARM_BELOW_MILLIS, List.of(
                new Rounds.Entry(() -> order.add("a"), false), new Rounds.Entry(() -> order.add("b"), true)));
        // Short runs after another implementation's run get an untimed run of their own first.
        assertEquals(List.of("a", "b", "a", "a", "b", "b", "a", "a", "b", "b"), order);
        assertEquals(2, out.size());
        assertTrue(out.get(0).millis() >= 0 && out.get(0).failure() == null, out.toString());
    }

    @Test
    void aTolerantFailureDropsOnlyThatEntry() throws Exception {
        List<String> order = new ArrayList<>();
        List<Rounds.Outcome> out = Rounds.run(0, 3, 0, Rounds.REWARM_BELOW_MILLIS, List.of(
                new Rounds.Entry(() -> order.add("a"), false),
                new Rounds.Entry(() -> {
                    order.add("peer");
                    throw new IllegalStateException("peer broke");
                }, true)));
        // No warm-up: the first round has no time to go by; alone after the failure, a is not re-warmed.
        assertEquals(List.of("a", "peer", "a", "a"), order);
        assertTrue(Double.isNaN(out.get(1).millis()));
        assertEquals("peer broke", out.get(1).failure().getMessage());
        assertTrue(out.get(0).failure() == null && out.get(0).millis() >= 0);
    }

    @Test
    void anIntolerantFailureFailsTheRounds() {
        List<Rounds.Entry> broken = List.of(new Rounds.Entry(() -> {
            throw new IllegalStateException("fused broke");
        }, false));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Rounds.run(0, 2, 0, Rounds.REWARM_BELOW_MILLIS, broken));
        assertEquals("fused broke", e.getMessage());
    }

    @Test
    void longRunsAreNotRewarmed() throws Exception {
        List<String> order = new ArrayList<>();
        Rounds.run(1, 2, 0, 20, List.of(
                new Rounds.Entry(() -> {
                    order.add("long");
                    Thread.sleep(25);
                }, false),
                new Rounds.Entry(() -> order.add("short"), false)));
        assertEquals(List.of("long", "short", "long", "short", "short", "long", "short", "short"), order);
    }

    @Test
    void budgetsArePerEntry() throws Exception {
        List<String> order = new ArrayList<>();
        Rounds.run(1, 3, 1, Rounds.REWARM_BELOW_MILLIS, List.of(
                new Rounds.Entry(() -> {
                    order.add("slow");
                    Thread.sleep(5);
                }, false),
                new Rounds.Entry(() -> order.add("fast"), false)));
        // The slow one's warm-up run is over the budget: it is its only run; the fast one runs 1 + 3 times.
        assertEquals(List.of("slow", "fast", "fast", "fast", "fast"), order);
    }
}
