package dev.panamax.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code panamax bench <operator>}: quick sweeps with a table, CSV and plot; JMH is {@code panamax jmh}. */
@Command(name = "bench", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "OPERATOR",
        description = "Benchmark an operator over a sweep of sizes against its baselines, printing a table.",
        subcommands = {BenchAttentionCommand.class, BenchRopeCommand.class, BenchSelectiveScanCommand.class,
                BenchCausalConv1dCommand.class, BenchSsdCommand.class, BenchFftConvCommand.class, BenchMoeCommand.class,
                BenchLinearCommand.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing operator: choose one of " + String.join(", ", spec.subcommands().keySet()));
    }
}
