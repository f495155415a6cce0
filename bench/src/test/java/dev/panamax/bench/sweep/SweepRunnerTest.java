package dev.panamax.bench.sweep;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner on a made-up operator: who runs how often, skips, peer failures, resources released. */
class SweepRunnerTest {
    private final AtomicInteger fusedRuns = new AtomicInteger();
    private final AtomicInteger baselineRuns = new AtomicInteger();
    private final AtomicInteger peerRuns = new AtomicInteger();
    private final AtomicInteger peerClosed = new AtomicInteger();
    private final List<String> progress = new ArrayList<>();

    @Test
    void timesEveryImplementationOnEveryShape() throws Exception {
        SweepResult result = new SweepRunner(new Repeats(1, 3, 0), progress::add).run(new FakeOp(false), null, 4);

        assertEquals(2 * 4, fusedRuns.get(), "two shapes, one warm-up and three timed runs each");
        assertEquals(4, baselineRuns.get(), "the baseline is skipped on the second shape");
        assertEquals(4, peerRuns.get(), "the peer fails to prepare on the second shape");
        assertEquals(1, peerClosed.get(), "the prepared peer is released");
        assertEquals(4, result.threads());
        assertEquals(2, result.rows().size());

        SweepRow first = result.rows().get(0);
        assertEquals(3, first.size());
        assertEquals(List.of("3", "x"), first.shapeValues());
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

        assertEquals(List.of("[1/2] L=3 ...", "[2/2] L=5 ...", "[2/2] L=5: peer fake peer failed: no session for L=5"),
                progress.stream().filter(l -> !l.contains(" done in ")).toList());
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("[1/2] L=3 done in ") && l.contains(", copy ")),
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

    /** Sizes 3 and 5; work 100 per unit of size; the baseline runs up to 4; the peer prepares only for 3. */
    private final class FakeOp implements OpSweep<Integer> {
        private final boolean fusedFails;

        FakeOp(boolean fusedFails) {
            this.fusedFails = fusedFails;
        }

        @Override
        public List<Integer> shapes() {
            return List.of(3, 5);
        }

        @Override
        public long size(Integer shape) {
            return shape;
        }

        @Override
        public List<String> shapeValues(Integer shape) {
            return List.of(shape.toString(), "x");
        }

        @Override
        public double work(Integer shape) {
            return 100.0 * shape;
        }

        @Override
        public Trial prepare(Integer shape, Arena arena) {
            return new Trial() {
                @Override
                public Candidate fused() {
                    return Candidate.of(() -> {
                        if (fusedFails) {
                            throw new IllegalStateException("fused broke");
                        }
                        fusedRuns.incrementAndGet();
                    }, 32L * shape);
                }

                @Override
                public Candidate baseline(int index) {
                    return shape > 4 ? Candidate.skipped("L > 4")
                            : Candidate.of(baselineRuns::incrementAndGet, 320L * shape);
                }

                @Override
                public Candidate peer(int index) {
                    if (shape != 3) {
                        throw new IllegalStateException("no session for L=" + shape);
                    }
                    return Candidate.compared(peerRuns::incrementAndGet, () -> 0.125, peerClosed::incrementAndGet);
                }
            };
        }

        @Override
        public String title() {
            return "Fake";
        }

        @Override
        public String plotTitle() {
            return "fake";
        }

        @Override
        public String sizeName() {
            return "L";
        }

        @Override
        public String sizeDescription() {
            return "length L";
        }

        @Override
        public List<String> shapeColumns() {
            return List.of("length", "tag");
        }

        @Override
        public WorkUnit workUnit() {
            return WorkUnit.FLOP;
        }

        @Override
        public List<String> baselineNames() {
            return List.of("copy");
        }

        @Override
        public List<String> peerNames() {
            return List.of("fake peer");
        }

        @Override
        public String legend() {
            return "";
        }
    }
}
