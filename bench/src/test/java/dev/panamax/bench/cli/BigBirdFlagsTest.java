package dev.panamax.bench.cli;

import dev.panamax.BigBirdOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The BigBird flags mixin: presence, defaults, every flag reaching its option, bad values exiting 2. */
class BigBirdFlagsTest {
    @Command(name = "host")
    static final class Host implements Callable<Integer> {
        @Mixin
        BigBirdFlags bigbird;

        BigBirdOptions options;

        @Override
        public Integer call() {
            options = bigbird.toOptions(true);
            return ExitCodes.OK;
        }
    }

    private record Run(int exitCode, String err, Host host) {}

    private static Run run(String... args) {
        Host host = new Host();
        StringWriter err = new StringWriter();
        ErrorReporter reporter = new ErrorReporter();
        int code = new CommandLine(host).setErr(new PrintWriter(err, true)).setParameterExceptionHandler(reporter)
                .setExecutionExceptionHandler(reporter).execute(args);
        return new Run(code, err.toString(), host);
    }

    @Test
    void absentFlagsGiveTheDefaults() {
        Run r = run();
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.host().bigbird.present());
        assertEquals(BigBirdOptions.defaults().toBuilder().causal(true).build(), r.host().options);
        Run seedOnly = run("--seed", "9");
        assertFalse(seedOnly.host().bigbird.present(), "--seed alone asks for no layout");
    }

    @Test
    void everyFlagReachesItsOption() {
        Run r = run("--bigbird-block", "32", "--bigbird-window", "2", "--bigbird-random", "5", "--bigbird-global",
                "1", "--seed", "18446744073709551615");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.host().bigbird.present());
        assertEquals(BigBirdOptions.builder().block(32).windowBlocks(2).randomBlocks(5).globalBlocks(1).seed(-1L)
                .causal(true).build(), r.host().options);
        assertTrue(run("--bigbird-random", "0").host().bigbird.present());
        assertEquals(17, run("--bigbird-block", "17").host().options.block());
    }

    @Test
    void badValuesExitTwoWithOneLineNamingTheFlag() {
        String[][] cases = {
                {"--bigbird-block", "0"},
                {"--bigbird-window", "-1"},
                {"--bigbird-random", "-2"},
                {"--bigbird-global", "-3"},
                {"--bigbird-block", "x"},
                {"--seed", "-1"},
        };
        for (String[] args : cases) {
            Run r = run(args);
            assertEquals(ExitCodes.USAGE, r.exitCode(), String.join(" ", args) + ": " + r.err());
            String[] lines = r.err().strip().split("\n");
            assertEquals(1, lines.length, r.err());
            assertTrue(lines[0].startsWith("panamax: "), lines[0]);
            assertTrue(lines[0].contains(args[0]), "names " + args[0] + ": " + lines[0]);
        }
        assertTrue(run("--bigbird-block", "0").err().contains("--bigbird-block: must be >= 1, got 0"));
    }
}
