package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.bench.ssm.SsdSweep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code bench ssd} on small sizes (a functional run, not a measurement): table, sgemm ceiling, CSV, bad input. */
class BenchSsdCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsTheSgemmCeilingAndWritesCsv() throws IOException {
        Path csv = dir.resolve("ssd.csv");
        Cli.Result r = Cli.run("bench", "ssd", "--n", "16,40", "--heads", "4", "--head-dim", "8", "--state-dim", "16",
                "--groups", "2", "--chunk", "8", "--repeats", "1", "--warmup", "0", "--threads", "1", "--csv",
                csv.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("SSD (Mamba-2, chunked, chunk 8): B=1 H=4 P=8 N=16 G=2"), r.out());
        assertTrue(r.out().contains("GFLOP/s") && r.out().contains("sgemm"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s*40\\s+.*")), r.out());
        List<String> rows = Files.readAllLines(csv);
        assertEquals(3, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(0).startsWith("l,batch,heads,head_dim,state_dim,groups,chunk,"), rows.get(0));
        assertTrue(rows.get(2).startsWith("40,1,4,8,16,2,8,"), rows.get(2));
    }

    @Test
    void flopsCountEveryChunkIncludingTheLastPartialOne() {
        // L = 5 in chunks of 2: q = 2, 2, 1. Per head q(q+1)P + 4qNP, per group q(q+1)N.
        long h = 3, p = 4, n = 5, g = 1;
        double want = 0;
        for (long q : new long[] {2, 2, 1}) want += h * (q * (q + 1) * p + 4 * q * n * p) + g * q * (q + 1) * n;
        assertEquals(2 * want, SsdSweep.flops(2, 5, h, p, n, g, 2), 1e-9);
    }

    @Test
    void badShapesExitTwoNamingTheFlag() {
        for (String[] bad : List.of(new String[] {"--groups", "5", "--groups: 5 does not divide --heads 4"},
                new String[] {"--chunk", "600", "--chunk: must be in 0..512"},
                new String[] {"--n", "0", "--n must be positive"})) {
            Cli.Result r = Cli.run("bench", "ssd", "--heads", "4", bad[0], bad[1], "--repeats", "1");
            assertEquals(2, r.exitCode(), r.toString());
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.errLines().get(0).startsWith("panamax: " + bad[2]), r.toString());
        }
    }
}
