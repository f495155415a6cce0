package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.bench.report.Units;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's exact-vs-linear section on short sequences: the table, the checks, errors of approximations. */
class DemoLinearSectionTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 17, 1013})
    void printsTheTableAndPasses(int n) throws Exception {
        StringWriter text = new StringWriter();
        boolean ok;
        try (Context ctx = Context.create(2)) {
            ok = new DemoLinearSection(ctx, new PrintWriter(text, true), n, 16, 7).run("[6/7]");
        }
        String out = text.toString();
        assertTrue(ok, out);
        assertTrue(out.contains("[6/7] Exact vs linear attention on one " + n + "-token sequence"), out);
        assertTrue(out.contains("q, k, v [1, " + n + ", 8, 64] uniform in [-1, 1)"), out);
        assertTrue(out.matches("(?s).*\\n\\s+method\\s+time\\s+extra memory\\s+error vs exact\\n.*"), out);
        long unfused = (long) n * n * 8 * 4;
        assertTrue(out.contains("; unfused scores " + Units.bytes(unfused)),
                out);
        assertTrue(out.contains("state 130 KiB ([8, 64, 64] + norm [8, 64])"), out);
        assertTrue(out.contains("state 520 KiB ([8, 256, 64] + norm [8, 256]) + W 64.0 KiB"), out);
        for (String method : List.of("elu\\+1", "FAVOR\\+ m=256")) {
            Matcher m = Pattern.compile("\\n\\s+" + method + "\\s+\\S+ m?s\\s+.*\\s(\\d+\\.\\d{3})\\n").matcher(out);
            assertTrue(m.find(), method + " row with an error: " + out);
            double err = Double.parseDouble(m.group(1));
            // An approximation, not garbage: at one token both are exact (one key, weight 1).
            assertTrue(n == 1 ? err < 1e-5 : err > 0 && err < 2, method + " error " + err + ": " + out);
        }
        assertEquals(3, out.lines().filter(l -> l.endsWith(": PASS")).count(), out);
        assertFalse(out.contains("FAIL"), out);
    }
}
