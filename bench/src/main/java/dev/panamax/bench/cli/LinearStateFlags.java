package dev.panamax.bench.cli;

import dev.panamax.DType;
import dev.panamax.LinearAttentionOptions;
import dev.panamax.Tensor;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * The running sums {@code run linear-attention} and {@code run linear-attention-step} carry between calls (a
 * picocli mixin: the C fields in kebab case): S {@code [B, Hkv, F, Dv]} and Z {@code [B, Hkv, F]}, read from
 * {@code --state-in}/{@code --norm-in} and written to {@code --state-out}/{@code --norm-out}.
 */
final class LinearStateFlags {
    @Option(names = "--state-in", paramLabel = "FILE.npy", order = 14,
            description = "Initial S = Σ φ(k)vᵀ, float32 [B, Hkv, F, Dv] (default 0).")
    Path stateIn;

    @Option(names = "--norm-in", paramLabel = "FILE.npy", order = 15,
            description = "Initial Z = Σ φ(k), float32 [B, Hkv, F] (default 0).")
    Path normIn;

    @Option(names = "--state-out", paramLabel = "FILE.npy", order = 16,
            description = "S after the last token written here: float32 [B, Hkv, F, Dv].")
    Path stateOut;

    @Option(names = "--norm-out", paramLabel = "FILE.npy", order = 17,
            description = "Z after the last token written here: float32 [B, Hkv, F].")
    Path normOut;

    /** Maps --state-in and --norm-in (when given) into {@code o}. */
    void inputs(NpyIo files, LinearAttentionOptions.Builder o) throws IOException {
        if (stateIn != null) o.stateIn(files.input("--state-in", stateIn, DType.F32, 4, " ([B, Hkv, F, Dv])").tensor());
        if (normIn != null) o.normIn(files.input("--norm-in", normIn, DType.F32, 3, " ([B, Hkv, F])").tensor());
    }

    /** The output sums: S {@code [B, Hkv, F, Dv]} and Z {@code [B, Hkv, F]}, either null when not kept. */
    record Outputs(Tensor state, Tensor norm) {
    }

    /**
     * Creates --state-out and --norm-out (when given). {@code scratch} non-null (a step, which always writes
     * both): what is not written to a file goes to a tensor of that arena instead.
     */
    Outputs outputs(NpyIo files, Arena scratch, long batch, long kvHeads, long features, long dv) throws IOException {
        Tensor s = stateOut != null
                ? files.output("--state-out", stateOut, DType.F32, batch, kvHeads, features, dv).tensor()
                : scratch != null ? Tensor.allocate(scratch, DType.F32, batch, kvHeads, features, dv) : null;
        Tensor z = normOut != null ? files.output("--norm-out", normOut, DType.F32, batch, kvHeads, features).tensor()
                : scratch != null ? Tensor.allocate(scratch, DType.F32, batch, kvHeads, features) : null;
        return new Outputs(s, z);
    }
}
