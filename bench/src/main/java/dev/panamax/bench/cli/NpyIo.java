package dev.panamax.bench.cli;

import dev.panamax.DType;
import dev.panamax.bench.npy.Npy;
import dev.panamax.bench.npy.NpyArray;
import dev.panamax.bench.npy.NpyFormatException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The .npy files of one {@code run <op>} call. Inputs are memory-mapped (the
 * kernel reads the files without a copy); outputs are created at full size
 * and mapped, so the kernel writes straight into them. Every complaint is one
 * line that starts with the option's name. Outputs are deleted on
 * {@link #close()} unless {@link #commit()} was called: a failed run leaves no
 * output file behind.
 */
final class NpyIo implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final List<Path> inputs = new ArrayList<>();
    private final List<Path> outputs = new ArrayList<>();
    private boolean committed;

    /** Maps an input and checks its dtype and rank. */
    NpyArray input(String option, Path path, DType dtype, int rank) throws IOException {
        return input(option, path, dtype, rank, "");
    }

    /**
     * Maps an input and checks its dtype and rank.
     *
     * @param hint added to a rank or dtype complaint, e.g. " (packed varlen layout [total, heads, D])"
     */
    NpyArray input(String option, Path path, DType dtype, int rank, String hint) throws IOException {
        return input(option, path, dtype, rank, rank, hint);
    }

    /** Maps an input and checks its dtype and that its rank is in {@code minRank .. maxRank}. */
    NpyArray input(String option, Path path, DType dtype, int minRank, int maxRank, String hint) throws IOException {
        NpyArray a;
        try {
            a = Npy.map(path, arena);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(option + " " + path + ": file not found");
        } catch (NpyFormatException e) {
            throw new IllegalArgumentException(option + " " + e.getMessage(), e);
        }
        if (a.dtype() != dtype || a.rank() < minRank || a.rank() > maxRank) {
            throw new IllegalArgumentException(option + " " + path + ": expected " + describe(dtype) + " of rank "
                    + (minRank == maxRank ? Integer.toString(minRank) : minRank + " or " + maxRank) + hint + ", got "
                    + a.describe());
        }
        inputs.add(path);
        return a;
    }

    /**
     * Creates (or replaces) an output of {@code shape}, zero-filled and mapped read-write.
     *
     * @throws IllegalArgumentException when it names an input or another output
     */
    NpyArray output(String option, Path path, DType dtype, long... shape) throws IOException {
        for (Path input : inputs) {
            if (sameFile(path, input)) {
                throw new IllegalArgumentException(option + " " + path + " is also an input; write it elsewhere");
            }
        }
        for (Path output : outputs) {
            if (sameFile(path, output)) {
                throw new IllegalArgumentException(option + " " + path + " is already another output");
            }
        }
        outputs.add(path);
        return Npy.create(path, dtype, shape, arena);
    }

    /** The run succeeded: keep the outputs. */
    void commit() {
        committed = true;
    }

    /** Unmaps every file; deletes the outputs unless committed. */
    @Override
    public void close() throws IOException {
        arena.close();
        if (!committed) {
            for (Path p : outputs) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static boolean sameFile(Path a, Path b) throws IOException {
        if (Files.exists(a) && Files.exists(b)) {
            return Files.isSameFile(a, b);
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    private static String describe(DType dtype) {
        return switch (dtype) {
            case F32 -> "float32";
            case I32 -> "int32";
            case U8 -> "uint8";
            default -> dtype.name();
        };
    }
}
