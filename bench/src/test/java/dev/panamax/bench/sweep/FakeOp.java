package dev.panamax.bench.sweep;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A made-up operator for the tests of the generic sweep: sizes L = 3 and 5,
 * work 100 bytes per unit of L, one baseline ("copy loop", run up to L = 4)
 * and one peer ("Other Lib", which prepares only for L = 3). Counts the runs.
 */
public final class FakeOp implements OpSweep<Integer> {
    final AtomicInteger fusedRuns = new AtomicInteger();
    final AtomicInteger baselineRuns = new AtomicInteger();
    final AtomicInteger peerRuns = new AtomicInteger();
    final AtomicInteger peerClosed = new AtomicInteger();
    private final boolean fusedFails;

    /** @param fusedFails whether the fused call throws "fused broke" */
    public FakeOp(boolean fusedFails) {
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
        return List.of(shape.toString(), "7");
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
                return shape > 4 ? Candidate.skipped("L > 4") : Candidate.of(baselineRuns::incrementAndGet, 320L * shape);
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
        return "Fake op";
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
        return List.of("length", "width");
    }

    @Override
    public WorkUnit workUnit() {
        return WorkUnit.BYTE;
    }

    @Override
    public List<String> baselineNames() {
        return List.of("copy loop");
    }

    @Override
    public List<String> peerNames() {
        return List.of("Other Lib");
    }

    @Override
    public String legend() {
        return "GB/s counts 100 bytes per unit of L.\n";
    }
}
