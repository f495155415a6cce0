package dev.panamax.bench.cli;

import dev.panamax.Panamax;
import dev.panamax.bench.peers.AttentionPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** info, bench, demo and help, run in-process on small sizes. */
class CommandsTest {
    @TempDir
    Path dir;

    @Test
    void infoPrintsIsaBuildAndJdk() {
        Cli.Result r = Cli.run("info");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("CPU ISA:") && r.out().contains(Panamax.cpuIsa().name()), r.out());
        assertTrue(r.out().contains("CUDA:"), r.out());
        assertTrue(r.out().contains("native library:"), r.out());
        assertTrue(r.out().contains(System.getProperty("java.runtime.version")), r.out());
        assertTrue(r.out().toLowerCase().contains("onednn"), "build info names oneDNN: " + r.out());
    }

    @Test
    void benchWritesTableCsvAndPlot() throws IOException {
        Path csv = dir.resolve("bench.csv");
        Path png = dir.resolve("bench.png");
        Cli.Result r = Cli.run("bench", "attention", "--n", "32,64,128", "--unfused-max-n", "64", "--heads", "4",
                "--kv-heads", "2", "--head-dim", "16", "--causal", "--repeats", "2", "--threads", "1",
                "--csv", csv.toString(), "--plot", png.toString(), "--peers");
        assertEquals(0, r.exitCode(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.matches("\\s*128\\s+.*")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("\\s*32\\s+.*x")), "unfused speedup at N=32: " + r.out());
        assertTrue(r.err().contains("[3/3] N=128"), "progress on stderr: " + r.err());
        assertTrue(!r.err().contains("\u001b"), "no ANSI escapes");
        if (!ServiceLoader.load(AttentionPeer.class).iterator().hasNext()) {
            assertTrue(r.out().contains("built without -Ppeers"), r.out());
        }

        List<String> rows = Files.readAllLines(csv);
        assertEquals(4, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(0).startsWith("n,batch,heads,kv_heads,head_dim,causal,"), rows.get(0));
        assertTrue(rows.get(3).startsWith("128,1,4,2,16,true,1,"), rows.get(3));
        byte[] magic = {(byte) 0x89, 'P', 'N', 'G'};
        byte[] head = new byte[4];
        System.arraycopy(Files.readAllBytes(png), 0, head, 0, 4);
        assertArrayEquals(magic, head, "a PNG");
    }

    @Test
    void demoPassesOnASmallWorkload() {
        Cli.Result r = Cli.run("demo", "--seq-len", "256", "--sparse-len", "9000", "--check-rows", "16",
                "--ssm-len", "3000", "--decode-steps", "20", "--moe-tokens", "2000", "--linear-tokens", "1500",
                "--threads", "2");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("Checks against float64: PASS"), r.out());
        assertTrue(r.out().contains("window 256 + 10 globals") && r.out().contains("BigBird 64"), r.out());
        assertTrue(r.out().contains("[4/7] A Mamba block over a 3000-token sequence, then 20 decode steps"), r.out());
        assertTrue(r.out().contains("[5/7] A Mixture-of-Experts layer over 2000 tokens"), r.out());
        assertTrue(r.out().contains("[6/7] Exact vs linear attention on one 1500-token sequence"), r.out());
        assertTrue(r.out().contains("[7/7] Speed"), r.out());
    }

    @Test
    void helpDocumentsEveryRunFlag() {
        Cli.Result r = Cli.run("run", "attention", "--help");
        assertEquals(0, r.exitCode(), r.toString());
        for (String flag : List.of("--q", "--k", "--v", "--out", "--lse", "--causal", "--scale", "--cu-seqlens-q",
                "--cu-seqlens-k", "--threads", "--window-left", "--window-right", "--global-tokens", "--alibi-slopes",
                "--softcap", "--block-mask", "--block-q", "--block-k", "--bigbird-block", "--bigbird-window",
                "--bigbird-random", "--bigbird-global", "--seed", "--topk-blocks", "--layout-out", "--axial-shape",
                "--axial-axis", "--rope", "--rope-theta", "--rope-dim", "--rope-style", "--rope-scaling",
                "--rope-factor", "--rope-ntk-alpha", "--rope-original-max-position", "--rope-beta-fast",
                "--rope-beta-slow", "--rope-low-freq-factor", "--rope-high-freq-factor", "--rope-attention-factor",
                "--rope-offset")) {
            assertTrue(r.out().contains(flag + "=") || r.out().contains(flag + " "), flag + " in " + r.out());
        }
    }

    @Test
    void noCommandIsUsageError() {
        Cli.Result r = Cli.run();
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
    }
}
