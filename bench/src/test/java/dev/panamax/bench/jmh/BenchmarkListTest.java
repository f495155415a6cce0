package dev.panamax.bench.jmh;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JMH annotation processor ran, so `panamax jmh` and org.openjdk.jmh.Main find every benchmark. */
class BenchmarkListTest {
    @Test
    void everyBenchmarkIsListed() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/BenchmarkList")) {
            assertNotNull(in, "META-INF/BenchmarkList missing: jmh-generator-annprocess did not run");
            String list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String bench : new String[] {"AttentionBench_fused", "AttentionBench_sgemmSameFlops",
                    "UnfusedAttentionBench_unfused", "SgemmBench_sgemm", "FfmOverheadBench_noop",
                    "FfmOverheadBench_tinyAttention"}) {
                assertTrue(list.contains(bench + "_jmhTest"), bench + " not in BenchmarkList");
            }
        }
    }
}
