package dev.panamax.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code panamax run selective-scan}: Mamba's selective scan on .npy files (inputs mapped, not copied). */
@Command(name = "selective-scan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The selective scan of Mamba (S6) on NumPy .npy files (float32/int32, C order):",
                "",
                "  dt = softplus(delta + bias) (--delta-softplus) or delta + bias",
                "  s_t = exp(dt·A)·s_{t-1} + dt·B_t·u_t,  y_t = C_t·s_t + D·u_t,  out = y·silu(z)",
                "",
                "  u, delta, z, out   [B, L, Dm], or [total, Dm] with --cu-seqlens",
                "  A                  [Dm, Ns];  B, C [B, L, G, Ns] or [total, G, Ns] (G divides Dm)",
                "  D, delta bias      [Dm];  state in/out [B, Dm, Ns]",
                ""},
        footer = {"", "Example:",
                "  panamax run selective-scan --u u.npy --delta dt.npy --A A.npy --B B.npy --C C.npy --D D.npy "
                        + "--z z.npy --delta-softplus --out y.npy --state-out s.npy",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunSelectiveScanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ScanFlags flags;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        return flags.run(false, threads, spec.commandLine().getOut());
    }
}
