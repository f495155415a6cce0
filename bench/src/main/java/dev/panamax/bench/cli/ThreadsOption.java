package dev.panamax.bench.cli;

import dev.panamax.Context;
import picocli.CommandLine.Option;

/** The {@code --threads} option every compute command shares (a picocli mixin). */
public final class ThreadsOption {
    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", order = 50,
            description = "Threads the kernels use, 1..4096; 0 (the default) uses every core.")
    int threads;

    /** A context with the requested thread count; the caller closes it. */
    Context openContext() {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be 0 (all cores) or 1..4096, got " + threads);
        }
        return Context.create(threads);
    }
}
