package dev.panamax.bench.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The router statistics {@code run moe} and {@code run moe-router} may write (a picocli mixin). */
final class MoeStatsFlags {
    @Option(names = "--counts-out", paramLabel = "FILE.npy", order = 20,
            description = "Assignments per expert (before capacity) written here: int32 [E].")
    Path countsOut;

    @Option(names = "--dropped-out", paramLabel = "FILE.npy", order = 21,
            description = "1 where an assignment went past its expert's capacity: uint8 [T, k].")
    Path droppedOut;

    @Option(names = "--aux-loss-out", paramLabel = "FILE.npy", order = 22,
            description = "The load-balancing loss E·sum_e f_e·P_e: float32 [1].")
    Path auxLossOut;

    @Option(names = "--z-loss-out", paramLabel = "FILE.npy", order = 23,
            description = "The router z-loss, mean of logsumexp(logits)²: float32 [1].")
    Path zLossOut;

    /** These and the two required-or-not outputs of the command, as the files to create. */
    MoeRouterFlags.Outputs with(Path indicesOut, Path weightsOut) {
        return new MoeRouterFlags.Outputs(indicesOut, weightsOut, countsOut, droppedOut, auxLossOut, zLossOut);
    }
}
