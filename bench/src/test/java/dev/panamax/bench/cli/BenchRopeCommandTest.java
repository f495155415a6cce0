package dev.panamax.bench.cli;

import dev.panamax.bench.peers.RopePeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench rope} on small sizes (a functional run, not a measurement): table, ceiling, CSV, bad input. */
class BenchRopeCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsTableWithTheCopyBaselineAndWritesCsv() throws IOException {
        Path csv = dir.resolve("rope.csv");
        Cli.Result r = Cli.run("bench", "rope", "--n", "16,48", "--heads", "3", "--head-dim", "20", "--rope-dim", "12",
                "--rope-style", "interleaved", "--repeats", "1", "--warmup", "0", "--threads", "1", "--csv",
                csv.toString(), "--peers");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("RoPE (standalone, out of place): B=1 H=3 D=20 rd=12 interleaved"), r.out());
        assertTrue(r.out().contains("GB/s"), r.out());
        // The ceiling is the copy baseline, timed in the same rounds.
        assertTrue(r.err().contains(", copy "), "the copy baseline: " + r.err());
        assertTrue(r.out().contains("vs copy"), r.out());
        assertTrue(r.out().contains("copy: x copied into a buffer of its size"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s*48\\s+.*")), r.out());
        if (!ServiceLoader.load(RopePeer.class).iterator().hasNext()) {
            assertTrue(r.out().contains("built without -Ppeers"), r.out());
        }
        List<String> rows = Files.readAllLines(csv);
        assertEquals(3, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(0).startsWith("n,batch,heads,head_dim,rotary_dim,style,"), rows.get(0));
        assertTrue(rows.get(2).startsWith("48,1,3,20,12,interleaved,"), rows.get(2));
    }

    @Test
    void badShapesExitTwoNamingTheFlag() {
        for (String[] bad : List.of(new String[] {"--rope-dim", "7", "| --rope-dim: must be 0 (= D) or even"},
                new String[] {"--rope-dim", "24", "| --rope-dim: 24 exceeds --head-dim 20"},
                new String[] {"--n", "0", "| --n must be positive"})) {
            Cli.Result r = Cli.run("bench", "rope", "--head-dim", "20", bad[0], bad[1], "--repeats", "1");
            assertEquals(2, r.exitCode(), r.toString());
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.errLines().get(0).startsWith("panamax: " + bad[2].substring(2)), r.toString());
        }
    }
}
