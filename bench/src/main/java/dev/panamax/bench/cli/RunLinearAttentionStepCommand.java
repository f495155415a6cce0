package dev.panamax.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code panamax run linear-attention-step}: one decoding step of linear attention on .npy files. */
@Command(name = "linear-attention-step", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"One decoding step of kernel linear attention (one token per sequence) on",
                ".npy files: the flags of 'run linear-attention', always causal, no --chunk;",
                "q [B, H, Dk], k [B, Hkv, Dk], v [B, Hkv, Dv], out [B, H, Dv]:",
                "",
                "  S += φ(k) vᵀ,  Z += φ(k),  out = φ(q)ᵀ S / (φ(q)ᵀ Z + eps)",
                "",
                "S and Z go from --state-in/--norm-in (default 0) to --state-out/--norm-out.",
                "With favor, give the prefill's matrix (its --random-matrix-out) as",
                "--random-matrix, or the same --features and --seed.",
                ""},
        footer = {"", "Example:",
                "  panamax run linear-attention-step --q q.npy --k k.npy --v v.npy --state-in S.npy "
                        + "--norm-in Z.npy --out y.npy --state-out S_next.npy --norm-out Z_next.npy",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunLinearAttentionStepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LinearAttentionFlags flags;

    @Mixin
    LinearStateFlags state;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        return flags.run(true, true, 0, state, threads, spec.commandLine().getOut());
    }
}
