package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code bench selective-scan} on small sizes (a functional run, not a measurement): table, baselines, CSV, bad input. */
class BenchSelectiveScanCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsTheExpCopyAndSequentialBaselinesAndWritesCsv() throws IOException {
        Path csv = dir.resolve("scan.csv");
        Cli.Result r = Cli.run("bench", "selective-scan", "--n", "16,40", "--channels", "24", "--states", "5",
                "--groups", "2", "--repeats", "1", "--warmup", "0", "--threads", "1", "--csv", csv.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("Selective scan (Mamba-1, D, z, delta bias, softplus): B=1 Dm=24 Ns=5 G=2"), r.out());
        assertTrue(r.out().contains("Gexp/s"), r.out());
        for (String b : List.of("vs exp", "vs copy", "vs sequential")) assertTrue(r.out().contains(b), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s*40\\s+.*")), r.out());
        List<String> rows = Files.readAllLines(csv);
        assertEquals(3, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(0).startsWith("l,batch,channels,states,groups,"), rows.get(0));
        assertTrue(rows.get(2).startsWith("40,1,24,5,2,"), rows.get(2));
    }

    @Test
    void noSequentialDropsThatBaseline() {
        Cli.Result r = Cli.run("bench", "selective-scan", "--n", "8", "--channels", "16", "--states", "4",
                "--repeats", "1", "--warmup", "0", "--threads", "1", "--no-sequential");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(!r.out().contains("vs sequential") && r.out().contains("vs exp"), r.out());
    }

    @Test
    void badShapesExitTwoNamingTheFlag() {
        for (String[] bad : List.of(new String[] {"--groups", "5", "--groups: 5 does not divide --channels 16"},
                new String[] {"--states", "300", "--states: must be <= 256"},
                new String[] {"--n", "0", "--n must be positive"})) {
            Cli.Result r = Cli.run("bench", "selective-scan", "--channels", "16", bad[0], bad[1], "--repeats", "1");
            assertEquals(2, r.exitCode(), r.toString());
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.errLines().get(0).startsWith("panamax: " + bad[2]), r.toString());
        }
    }
}
