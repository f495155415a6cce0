package dev.panamax.bench.report;

import dev.panamax.bench.sweep.Ceiling;
import dev.panamax.bench.sweep.FakeOp;
import dev.panamax.bench.sweep.Measurement;
import dev.panamax.bench.sweep.SweepResult;
import dev.panamax.bench.sweep.SweepRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table and the CSV of a made-up operator ({@link FakeOp}), with hand-computed expected cells. */
class SweepReportTest {
    @TempDir
    Path dir;

    /** 3e9 bytes in 1.5 ms = 2000 GB/s; the baseline 6 ms (4x slower); the peer 3 ms, skipped on the 2nd row. */
    private static SweepResult result(Ceiling ceiling) {
        SweepRow first = new SweepRow(100, List.of("100", "7"), 3e9, new Measurement(1.5, 2048, Double.NaN, null),
                List.of(new Measurement(6, 1 << 20, Double.NaN, null)),
                List.of(new Measurement(3, -1, 2.5e-7, null)));
        SweepRow second = new SweepRow(1000, List.of("1000", "7"), 3e10, new Measurement(12, 4096, Double.NaN, null),
                List.of(Measurement.skipped("L > 500")),
                List.of(Measurement.skipped("does not support this shape")));
        return new SweepResult(new FakeOp(false), ceiling, 2, List.of(first, second));
    }

    @Test
    void tableHasOneColumnGroupPerImplementation() {
        assertEquals("""
                   L  fused ms  fused GB/s  % memcpy  fused mem  copy loop ms  copy loop GB/s  copy loop mem  vs copy loop  P1 ms  P1 GB/s  vs P1  P1 max|diff|
                ----  --------  ----------  --------  ---------  ------------  --------------  -------------  ------------  -----  -------  -----  ------------
                 100      1.50      2000.0      50.0   2.00 KiB          6.00           500.0       1.00 MiB          4.0x   3.00   1000.0   2.0x       2.5e-07
                1000      12.0      2500.0      62.5   4.00 KiB             -               -              -             -      -        -      -             -
                P1 = Other Lib (not run where '-': does not support this shape)
                """, SweepTable.render(result(new Ceiling("memcpy", "memcpy 1 GiB", 4000))));
    }

    @Test
    void legendNamesTheCeilingAndTheComparisons() {
        assertEquals("""
                ms: median wall time after warm-up; every implementation runs once per round, in turn (after an untimed run of its own when under 2 s). GB/s counts 100 bytes per unit of L.
                % memcpy: of memcpy 1 GiB in this run (4000.0 GB/s).
                vs X: how many times faster fused is than X. Pi max|diff|: largest |Pi out - fused out|.
                """, SweepTable.legend(result(new Ceiling("memcpy", "memcpy 1 GiB", 4000))));
    }

    @Test
    void csvHasRawNumbersAndEmptyCellsWhereNothingRan() throws IOException {
        Path csv = dir.resolve("fake.csv");
        SweepCsv.write(csv, result(new Ceiling("memcpy", "memcpy 1 GiB", 4000)));
        assertEquals(List.of(
                "length,width,threads,bytes_moved,fused_ms,fused_gbytes_per_s,fused_pct_memcpy,fused_bytes,"
                        + "copy_loop_ms,copy_loop_gbytes_per_s,copy_loop_bytes,speedup_vs_copy_loop,"
                        + "memcpy_gbytes_per_s,peer_other_lib_ms,peer_other_lib_gbytes_per_s,peer_other_lib_max_abs_diff",
                "100,7,2,3.00000e+09,1.50000,2000.00,50.0000,2048,6.00000,500.000,1048576,4.00000,4000.00,"
                        + "3.00000,1000.00,2.50000e-07",
                "1000,7,2,3.00000e+10,12.0000,2500.00,62.5000,4096,,,,,4000.00,,,"),
                Files.readAllLines(csv));
    }

    @Test
    void withoutACeilingItsColumnsAreLeftOut() throws IOException {
        SweepResult result = result(null);
        String header = SweepTable.render(result).lines().findFirst().orElseThrow();
        assertTrue(header.startsWith("   L  fused ms  fused GB/s  fused mem  copy loop ms  "), header);
        Path csv = dir.resolve("fake.csv");
        SweepCsv.write(csv, result);
        assertEquals("length,width,threads,bytes_moved,fused_ms,fused_gbytes_per_s,fused_bytes,copy_loop_ms,"
                        + "copy_loop_gbytes_per_s,copy_loop_bytes,speedup_vs_copy_loop,peer_other_lib_ms,"
                        + "peer_other_lib_gbytes_per_s,peer_other_lib_max_abs_diff",
                Files.readAllLines(csv).get(0));
    }
}
