package dev.panamax.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.bench.ssm.FftConvSweep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code bench fft-conv} on small sizes (a functional run, not a measurement): table, CSV, bad input. */
class BenchFftConvCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsTheTableAndWritesCsv() throws IOException {
        Path csv = dir.resolve("fft.csv");
        Cli.Result r = Cli.run("bench", "fft-conv", "--n", "100,300", "--channels", "20", "--method", "fft",
                "--repeats", "1", "--warmup", "0", "--threads", "1", "--csv", csv.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("FFT convolution (S4, method FFT): B=1 C=20 Lk=L"), r.out());
        assertTrue(r.out().contains("GFLOP/s"), r.out());
        List<String> rows = Files.readAllLines(csv);
        assertEquals(3, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(0).startsWith("l,batch,channels,kernel_len,fft_len,"), rows.get(0));
        assertTrue(rows.get(2).startsWith("300,1,20,300,1024,"), rows.get(2));
    }

    @Test
    void flopsCountTwoTransformsPerSequenceAndOnePerKernel() {
        double fft = 2.5 * 1024 * 10;
        assertEquals(3 * 5 * (2 * fft + 3 * 1024) + 5 * fft, FftConvSweep.flops(3, 5, 1024), 1e-6);
    }

    @Test
    void badOptionsExitTwoNamingTheFlag() {
        for (String[] bad : List.of(new String[] {"--kernel-len", "-1", "--kernel-len: must be >= 0"},
                new String[] {"--n", "0", "--n must be positive"})) {
            Cli.Result r = Cli.run("bench", "fft-conv", "--channels", "4", bad[0], bad[1], "--repeats", "1");
            assertEquals(2, r.exitCode(), r.toString());
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.errLines().get(0).startsWith("panamax: " + bad[2]), r.toString());
        }
    }
}
