package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.Panamax;
import dev.panamax.bench.report.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code panamax info}: what this build and machine will run. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the CPU features the kernels use, threads, build (incl. oneDNN version), CUDA status, "
                + "where the native library was loaded from, and the JDK.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // JDK facts first: they are what to report when the library fails to load.
        row(out, "JDK", System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor")
                + ", " + System.getProperty("java.vm.name") + ")");
        row(out, "OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        out.flush();

        row(out, "native library", Panamax.loadedFrom());
        int abi = Panamax.abiVersion();
        row(out, "ABI version", (abi >>> 16) + "." + (abi & 0xFFFF));
        row(out, "CPU ISA", Panamax.cpuIsa().name() + " (the kernel path taken on this CPU; PMX_ISA=portable|avx2|avx512 caps it)");
        row(out, "threads", Context.global().numThreads() + " by default (all cores; --threads N to change)");
        String[] build = Panamax.buildInfo().strip().split("\\R");
        row(out, "build", build[0]);
        for (int i = 1; i < build.length; i++) {
            row(out, "", build[i].strip());
        }
        var cuda = Panamax.cuda();
        if (!cuda.available()) {
            row(out, "CUDA", "unavailable (" + cuda.reason() + ")");
        } else {
            row(out, "CUDA", cuda.devices().size() + " device(s)");
            for (var d : cuda.devices()) {
                row(out, "", d.index() + ": " + d.name() + ", compute " + d.computeMajor() + "." + d.computeMinor()
                        + ", " + Units.bytes(d.totalMemoryBytes()) + ", " + d.multiprocessors() + " SMs");
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static void row(PrintWriter out, String key, String value) {
        out.printf("%-16s %s%n", key.isEmpty() ? "" : key + ":", value);
    }
}
