package dev.panamax.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code panamax run linear-attention}: kernel linear attention on .npy files (inputs mapped, not copied). */
@Command(name = "linear-attention", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Kernel linear attention on NumPy .npy files (float32, C order), query head h reading "
                + "key/value head h / (H / Hkv):",
                "",
                "  S = Σ_j φ(k_j) v_jᵀ  [F, Dv],  Z = Σ_j φ(k_j)  [F]",
                "      (over every key j, or j <= i with --causal)",
                "  out_i = φ(q_i)ᵀ S / (φ(q_i)ᵀ Z + eps),  or φ(q_i)ᵀ S with --no-normalize",
                "",
                "  q, out             [B, N, H, Dk], [B, N, H, Dv]",
                "  k, v               [B, N, Hkv, Dk], [B, N, Hkv, Dv] (Hkv divides H)",
                "  random matrix      [m, Dk] (favor only; F = m, else F = Dk)",
                "  state in/out       [B, Hkv, F, Dv];  norm in/out [B, Hkv, F]",
                ""},
        footer = {"", "Example:",
                "  panamax run linear-attention --q q.npy --k k.npy --v v.npy --causal --feature-map favor "
                        + "--features 128 --seed 7 --out y.npy --random-matrix-out W.npy --state-out S.npy "
                        + "--norm-out Z.npy",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunLinearAttentionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LinearAttentionFlags flags;

    @Option(names = "--causal", order = 5, description = "out_i sees keys j <= i only (computed in chunks).")
    boolean causal;

    @Option(names = "--chunk", paramLabel = "C", defaultValue = "0", order = 13,
            description = "Tokens per causal chunk, 1..256 (0, the default: 64); changes results only by rounding.")
    long chunk;

    @Mixin
    LinearStateFlags state;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        return flags.run(false, causal, chunk, state, threads, spec.commandLine().getOut());
    }
}
