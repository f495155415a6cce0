package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The ISA path the kernels take is the one asked for with PMX_ISA when the CPU supports it (read from
 * /proc/cpuinfo, independently of the library), and the best one without PMX_ISA. A path the CPU
 * supports must run; only one it lacks is skipped, with the reason printed.
 */
class IsaPathTest {
    @Test
    void theRequestedPathRunsWhenTheCpuHasIt() throws IOException {
        Isa best = bestFromCpuInfo();
        String requested = System.getenv("PMX_ISA");
        Isa active = Panamax.cpuIsa();
        if (requested == null || requested.isBlank()) {
            assertEquals(best, active, "without PMX_ISA the best path of this CPU runs");
            return;
        }
        Isa want = Isa.valueOf(requested.strip().toUpperCase(Locale.ROOT));
        if (want.ordinal() > best.ordinal()) {
            String reason = "PMX_ISA=" + requested + ": this CPU lacks it (best path " + best + "); skipped";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        assertEquals(want, active, "PMX_ISA=" + requested + " on a CPU that supports it");
    }

    /** AVX512 needs F, BW, VL, DQ and FMA; AVX2 needs AVX2 and FMA (the library's own rule). */
    private static Isa bestFromCpuInfo() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        Assumptions.assumeTrue(Files.isReadable(cpuinfo), "needs /proc/cpuinfo (Linux)");
        Set<String> flags = new HashSet<>();
        for (String line : Files.readAllLines(cpuinfo)) {
            if (line.startsWith("flags")) {
                flags.addAll(Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+")));
                break;
            }
        }
        if (flags.containsAll(List.of("avx512f", "avx512bw", "avx512vl", "avx512dq", "fma"))) return Isa.AVX512;
        if (flags.containsAll(List.of("avx2", "fma"))) return Isa.AVX2;
        return Isa.PORTABLE;
    }
}
