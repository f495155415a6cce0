package dev.panamax.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code panamax run <operator>}: each operator is a subcommand reading and writing .npy files. */
@Command(name = "run", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "OPERATOR",
        description = "Run one operator on NumPy .npy inputs (float32/int32, C order) and write .npy outputs.",
        subcommands = {RunAttentionCommand.class, RunRopeCommand.class, RunSelectiveScanCommand.class,
                RunSelectiveScanStepCommand.class, RunCausalConv1dCommand.class, RunSsdCommand.class, RunS4KernelCommand.class,
                RunFftConvCommand.class, RunMoeCommand.class, RunMoeRouterCommand.class, RunLinearAttentionCommand.class,
                RunLinearAttentionStepCommand.class, RunLinearRecurrenceCommand.class})
final class RunCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing operator: choose one of " + String.join(", ", spec.subcommands().keySet()));
    }
}
