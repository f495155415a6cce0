package dev.panamax.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code panamax run selective-scan-step}: one decoding step of the selective scan on .npy files. */
@Command(name = "selective-scan-step", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"One decoding step of Mamba's selective scan (one token per sequence) on .npy files:",
                "the same flags as 'run selective-scan' with u, delta, z, out [B, Dm] and B, C [B, G, Ns];",
                "the state goes from --state-in (default 0) to --state-out.",
                ""},
        footer = {"", "Example:",
                "  panamax run selective-scan-step --u u.npy --delta dt.npy --A A.npy --B B.npy --C C.npy "
                        + "--state-in s.npy --out y.npy --state-out s_next.npy",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunSelectiveScanStepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ScanFlags flags;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        return flags.run(true, threads, spec.commandLine().getOut());
    }
}
