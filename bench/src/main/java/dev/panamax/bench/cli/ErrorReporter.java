package dev.panamax.bench.cli;

import dev.panamax.PanamaxException;
import dev.panamax.Status;
import picocli.CommandLine;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * Turns every failure into an exit code and one line on stderr: bad input
 * (picocli parameter errors, IllegalArgumentException, missing files, bad .npy,
 * and what only the native library detects: a PanamaxException with status
 * INVALID_ARGUMENT, e.g. bad cu_seqlens contents) exits {@link ExitCodes#USAGE};
 * any other PanamaxException exits {@link ExitCodes#FAILURE} with its message.
 * Stack traces only for unexpected errors with PANAMAX_DEBUG=1.
 */
final class ErrorReporter implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
    private static final String PREFIX = "panamax: ";

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String help = cmd.getCommandSpec().qualifiedName(" ") + " --help";
        cmd.getErr().println(PREFIX + oneLine(ex.getMessage()) + " (see '" + help + "')");
        cmd.getErr().flush();
        return ExitCodes.USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        return report(ex, cmd.getErr());
    }

    /** Reports {@code failure} on {@code err} and returns the exit code. */
    static int report(Throwable failure, PrintWriter err) {
        Throwable t = unwrap(failure);
        int code;
        String line;
        if (t instanceof CommandLine.ParameterException pe) {
            code = ExitCodes.USAGE;
            line = pe.getMessage();
        } else if (t instanceof PanamaxException pe) {
            code = pe.status() == Status.INVALID_ARGUMENT ? ExitCodes.USAGE : ExitCodes.FAILURE;
            line = pe.getMessage();
        } else if (t instanceof IllegalArgumentException) {
            code = ExitCodes.USAGE;
            line = t.getMessage();
        } else if (t instanceof NoSuchFileException e) {
            code = ExitCodes.USAGE;
            line = "file not found: " + e.getFile();
        } else if (t instanceof AccessDeniedException e) {
            code = ExitCodes.USAGE;
            line = "permission denied: " + e.getFile();
        } else if (t instanceof FileSystemException e) {
            code = ExitCodes.USAGE;
            line = e.getFile() + ": " + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName());
        } else if (t instanceof FileNotFoundException) {
            code = ExitCodes.USAGE;
            line = "file not found: " + t.getMessage();
        } else if (t instanceof IOException) {
            code = ExitCodes.FAILURE;
            line = "I/O error: " + t.getMessage();
        } else if (t instanceof CheckFailedException) {
            code = ExitCodes.FAILURE;
            line = t.getMessage();
        } else {
            // The native library failing to load surfaces as IllegalStateException or a LinkageError.
            code = ExitCodes.FAILURE;
            line = t.getClass().getSimpleName() + ": " + t.getMessage();
            if (debug()) {
                t.printStackTrace(err);
            }
        }
        err.println(PREFIX + (line == null ? t.getClass().getSimpleName() : line));
        err.flush();
        return code;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while ((current instanceof ExceptionInInitializerError || current instanceof UncheckedIOException
                || current instanceof CommandLine.ExecutionException)
                && current.getCause() != null && current.getCause() != current) {
            current = current.getCause();
        }
        return current;
    }

    /** Parameter messages can carry a newline (e.g. picocli's suggestions); keep the first line. */
    private static String oneLine(String message) {
        if (message == null) {
            return "invalid arguments";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }

    private static boolean debug() {
        String v = System.getenv("PANAMAX_DEBUG");
        return v != null && !v.isEmpty() && !v.equals("0");
    }
}
