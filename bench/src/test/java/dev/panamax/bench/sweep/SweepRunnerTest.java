package dev.panamax.bench.sweep;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner on a made-up operator: who runs how often, skips, peer failures, resources released. */
class SweepRunnerTest {
    private final List<String> progress = new ArrayList<>();

    @Test
    void timesEveryImplementationOnEveryShape() throws Exception {
        FakeOp op = new FakeOp(false);
        SweepResult result = new SweepRunner(new Repeats(1, 3, 0), progress::add).run(op, null, 4);

        // First shape: three implementations in rounds, each timed run after an untimed one of its own
        // (1 + 3 + 3 runs); second shape: the fused call alone (1 + 3).
        assertEquals(7 + 4, op.fusedRuns.get(), "two shapes, one warm-up and three timed runs each");
        assertEquals(7, op.baselineRuns.get(), "the baseline is skipped on the second shape");
        assertEquals(7, op.peerRuns.get(), "the peer fails to prepare on the second shape");
        assertEquals(1, op.peerClosed.get(), "the prepared peer is released");
        assertEquals(4, result.threads());
        assertEquals(2, result.rows().size());

        SweepRow first = result.rows().get(0);
        assertEquals(3, first.size());
        assertEquals(List.of("3", "7"), first.shapeValues());
        assertEquals(300.0, first.work());
        assertEquals(96, first.fused().extraBytes());
        assertTrue(first.fused().ran() && first.fused().millis() >= 0, first.toString());
        assertTrue(Double.isNaN(first.fused().maxAbsDiff()), "the fused call is not compared with itself");
        assertEquals(960, first.baselines().get(0).extraBytes());
        assertEquals(0.125, first.peers().get(0).maxAbsDiff());

        SweepRow second = result.rows().get(1);
        assertEquals("L > 4", second.baselines().get(0).skipped());
        assertTrue(Double.isNaN(second.baselines().get(0).millis()));
        assertEquals("failed: no session for L=5", second.peers().get(0).skipped());

        assertEquals(List.of("[1/2] L=3 ...", "[2/2] L=5 ...", "[2/2] L=5: peer Other Lib failed: no session for L=5"),
                progress.stream().filter(l -> !l.contains(" done in ")).toList());
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("[1/2] L=3 done in ") && l.contains(", copy loop ")),
                progress.toString());
    }

    @Test
    void aFailingFusedCallFailsTheSweep() {
        SweepRunner runner = new SweepRunner(new Repeats(0, 1, 0), progress::add);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> runner.run(new FakeOp(true), null, 1));
        assertEquals("fused broke", e.getMessage());
        assertFalse(progress.stream().anyMatch(l -> l.contains(" done in ")), progress.toString());
    }

    @Test
    void repeatsAreValidated() {
        assertEquals("--repeats must be positive, got 0",
                assertThrows(IllegalArgumentException.class, () -> new Repeats(1, 0, 0)).getMessage());
        assertEquals("--warmup must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> new Repeats(-1, 1, 0)).getMessage());
    }
}
