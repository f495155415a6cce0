package dev.panamax.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * The {@code panamax} command: {@code info}, {@code run <op>}, {@code bench <op>},
 * {@code demo} and {@code jmh}. Exit codes are in {@link ExitCodes}.
 */
@Command(name = "panamax",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Fused native attention kernels for the JVM: inspect the build, run an operator on .npy files, "
                + "benchmark it, or see a demo.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {
                InfoCommand.class,
                RunCommand.class,
                BenchCommand.class,
                DemoCommand.class,
                JmhCommand.class,
                CommandLine.HelpCommand.class,
        },
        footer = {"", "Exit status: 0 success; 1 library failure or failed check; 2 bad input.",
                "Start with 'panamax demo'."})
public final class Main implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing command: choose one of info, run, bench, demo, jmh");
    }

    public static void main(String[] args) {
        Charset charset = Charset.defaultCharset();
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, charset), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, charset), true);
        int code = execute(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs the command line in this process, writing to the given streams; returns the exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        try {
            return commandLine(out, err).execute(args);
        } catch (RuntimeException | LinkageError e) {
            // Failures outside a command's call() (e.g. in picocli's own help rendering).
            return ErrorReporter.report(e, err);
        }
    }

    /** The configured picocli command line (tests use it to run commands in-process). */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        ErrorReporter reporter = new ErrorReporter();
        CommandLine cmd = new CommandLine(new Main())
                .setOut(out)
                .setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(reporter)
                .setExecutionExceptionHandler(reporter);
        // Everything after 'jmh' belongs to JMH, including options picocli does not know.
        CommandLine jmh = cmd.getSubcommands().get("jmh");
        jmh.setUnmatchedOptionsArePositionalParams(true);
        jmh.setStopAtPositional(true);
        return cmd;
    }
}
