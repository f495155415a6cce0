package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.bench.peers.CausalConv1dPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

/**
 * {@code bench causal-conv1d} on small sizes (a functional run, not a measurement): table, copy baseline, peers, CSV,
 * bad input.
 */
class BenchCausalConv1dCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsTheCopyBaselineAndWritesCsv() throws IOException {
        Path csv = dir.resolve("conv.csv");
        Cli.Result r = Cli.run("bench", "causal-conv1d", "--n", "16,40", "--channels", "37", "--width", "3",
                "--repeats", "1", "--warmup", "0", "--threads", "1", "--csv", csv.toString(), "--peers");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("Causal conv1d (bias, SiLU, final state): B=1 C=37 W=3"), r.out());
        assertTrue(r.out().contains("GB/s") && r.out().contains("vs copy"), r.out());
        if (!ServiceLoader.load(CausalConv1dPeer.class).iterator().hasNext()) {
            assertTrue(r.out().contains("built without -Ppeers"), r.out());
        } else {
            assertTrue(r.out().contains("P1 = onnxruntime CausalConvWithState"), r.out());
        }
        List<String> rows = Files.readAllLines(csv);
        assertEquals(3, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(0).startsWith("l,batch,channels,width,"), rows.get(0));
        assertTrue(rows.get(2).startsWith("40,1,37,3,"), rows.get(2));
        Cli.Result plain = Cli.run("bench", "causal-conv1d", "--n", "8", "--channels", "16", "--no-silu",
                "--repeats", "1", "--warmup", "0", "--threads", "1");
        assertEquals(0, plain.exitCode(), plain.toString());
        assertTrue(plain.out().contains("Causal conv1d (bias, final state)"), plain.out());
    }

    @Test
    void badShapesExitTwoNamingTheFlag() {
        for (String[] bad : List.of(new String[] {"--width", "9", "--width: must be in 1..8"},
                new String[] {"--channels", "0", "--channels must be positive"})) {
            Cli.Result r = Cli.run("bench", "causal-conv1d", bad[0], bad[1], "--repeats", "1");
            assertEquals(2, r.exitCode(), r.toString());
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.errLines().get(0).startsWith("panamax: " + bad[2]), r.toString());
        }
    }
}
