package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code bench linear} on small sizes, every mode (a functional run, not a measurement), and bad input. */
class BenchLinearCommandTest {
    private static final String[] SMALL = {"--heads", "2", "--dk", "8", "--dv", "8", "--chunk", "8", "--repeats", "1",
            "--warmup", "0", "--threads", "1"};

    @TempDir
    Path dir;

    private static Cli.Result bench(String... args) {
        String[] all = new String[2 + args.length + SMALL.length];
        all[0] = "bench";
        all[1] = "linear";
        System.arraycopy(args, 0, all, 2, args.length);
        System.arraycopy(SMALL, 0, all, 2 + args.length, SMALL.length);
        return Cli.run(all);
    }

    @Test
    void scalingPrintsTheSgemmCeilingAndWritesCsv() throws IOException {
        Path csv = dir.resolve("scaling.csv");
        Cli.Result r = bench("--mode", "scaling", "--n", "16,40", "--csv", csv.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("Linear attention, elu1 causal (chunk 8): B=1 H=2 Dk=8 Dv=8"), r.out());
        assertTrue(r.out().contains("GFLOP/s") && r.out().contains("sgemm"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s*40\\s+.*")), r.out());
        List<String> rows = Files.readAllLines(csv);
        assertEquals(3, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(0).startsWith("n,batch,heads,dk,dv,features,feature_map,causal,chunk,"), rows.get(0));
        assertTrue(rows.get(2).startsWith("40,1,2,8,8,8,elu1,true,8,"), rows.get(2));
    }

    @Test
    void rateTimesEachMapAndRule() throws IOException {
        Path csv = dir.resolve("rate.csv");
        Cli.Result r = bench("--mode", "rate", "--n", "33", "--features", "elu1,favor16", "--mask", "both",
                "--rules", "gated_delta,linear", "--csv", csv.toString());
        assertEquals(0, r.exitCode(), r.toString());
        for (String p : List.of("elu1 non-causal", "elu1 causal", "favor16 causal", "gated_delta", "linear")) {
            assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith(p + "  ")), p + "\n" + r.out());
        }
        List<String> rows = Files.readAllLines(csv);
        assertEquals(7, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(0).startsWith("problem,n,batch,heads,dk,dv,chunk,threads,flops,ms,gflops,pct_sgemm"),
                rows.get(0));
    }

    @Test
    void stepReportsMicrosecondsPerTokenAndHead() {
        Cli.Result r = bench("--mode", "step", "--n", "0,100", "--steps", "5", "--features", "elu1,favor16");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("us/token·head"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s*favor16\\s+100\\s+16\\s+.*")), r.out());
        assertTrue(r.err().contains("prefilled"), r.err());
    }

    @Test
    void accuracyGivesAFiniteErrorPerMapInputAndMask() throws IOException {
        Path csv = dir.resolve("accuracy.csv");
        Cli.Result r = bench("--mode", "accuracy", "--n", "32", "--inputs", "random,low-rank,peaked", "--rank", "2",
                "--features", "elu1,relu,favor16", "--csv", csv.toString());
        assertEquals(0, r.exitCode(), r.toString());
        List<String> rows = Files.readAllLines(csv);
        assertEquals(1 + 3 * 2, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(0).endsWith("elu1_rel_error,relu_rel_error,favor16_rel_error"), rows.get(0));
        for (String row : rows.subList(1, rows.size())) {
            String[] cells = row.split(",", -1);
            for (int c = cells.length - 3; c < cells.length; c++) {
                double err = Double.parseDouble(cells[c]);
                assertTrue(err >= 0 && err < 100, row);
            }
        }
    }

    @Test
    void crossoverPrintsTimesAndWhereEachMapBecomesFaster() {
        Cli.Result r = bench("--mode", "crossover", "--n", "16,32", "--features", "elu1,favor16");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("exact ms") && r.out().contains("faster from N"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s*favor16\\s+causal\\s+\\S.*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s*elu1\\s+none\\s+\\S.*")), r.out());
    }

    @Test
    void peersWithoutAPeersJarSaySoAndTimePanamaxAlone() {
        Cli.Result r = bench("--mode", "peers", "--n", "16");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("elu1 causal") && r.out().contains("gated_delta"), r.out());
    }

    @Test
    void helpListsEveryMode() {
        Cli.Result r = Cli.run("bench", "linear", "--help");
        assertEquals(0, r.exitCode(), r.toString());
        for (String mode : List.of("scaling", "rate", "peers", "step", "accuracy", "crossover")) {
            assertTrue(r.out().contains("  " + mode + " "), mode + "\n" + r.out());
        }
        // Formatted, not the raw string picocli falls back to on a bad format.
        assertTrue(r.out().contains("and % of sgemm") && !r.out().contains("%%"), r.out());
        assertTrue(Cli.run("bench", "--help").out().contains("linear"));
    }

    @Test
    void badOptionsExitTwoNamingTheFlag() {
        for (String[] bad : List.of(
                new String[] {"--mode", "accuracy", "--dv", "32", "--dv: exact attention needs Dk = Dv"},
                new String[] {"--mode", "rate", "--features", "favor", "--features: 'favor'"},
                new String[] {"--mode", "rate", "--rules", "gelu", "--rules: unknown rule 'gelu'"},
                new String[] {"--mode", "crossover", "--n", "64,32", "--n: the crossover grid must ascend"},
                new String[] {"--mode", "step", "--mask", "causal", "--mask: the step is causal"},
                new String[] {"--mode", "scaling", "--inputs", "random", "--inputs: only with --mode accuracy"},
                new String[] {"--mode", "scaling", "--features", "elu1,relu", "--features/--mask: scaling times one"},
                new String[] {"--mode", "scaling", "--chunk", "300", "--chunk: must be in 0..256"},
                new String[] {"--mode", "scaling", "--n", "0", "--n must be positive"})) {
            String[] args = new String[bad.length - 1];
            System.arraycopy(bad, 0, args, 0, args.length);
            Cli.Result r = Cli.run(concat(new String[] {"bench", "linear"}, args, new String[] {"--repeats", "1",
                    "--warmup", "0", "--threads", "1", "--heads", "2"}));
            assertEquals(2, r.exitCode(), r.toString());
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.errLines().get(0).startsWith("panamax: " + bad[bad.length - 1]), r.toString());
        }
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
