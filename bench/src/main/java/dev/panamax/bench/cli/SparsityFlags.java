package dev.panamax.bench.cli;

import dev.panamax.AttentionOptions;
import dev.panamax.AxialAxis;
import dev.panamax.DType;
import dev.panamax.Tensor;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The sparse and positional flags of {@code run attention}: the C field names of
 * {@code pmx_attention_params} in kebab case. Values are checked here, so that a bad one exits 2 with a
 * line naming the flag.
 */
final class SparsityFlags {
    @Option(names = "--window-left", order = 21, paramLabel = "N", defaultValue = "-1",
            description = "Sliding window: keys left of the diagonal each query sees (-1: unbounded).")
    int windowLeft;

    @Option(names = "--window-right", order = 22, paramLabel = "N", defaultValue = "-1",
            description = "Keys right of the diagonal each query sees (-1: unbounded; --causal means 0).")
    int windowRight;

    @Option(names = "--global-tokens", order = 23, paramLabel = "FILE.npy",
            description = "int32 [G] strictly increasing positions that see and are seen by every token "
                    + "(self-attention only).")
    Path globalTokens;

    @Option(names = "--alibi-slopes", order = 24, paramLabel = "FILE.npy",
            description = "float32 [H] or [B, H] ALiBi slopes: adds -slope*|i + Nk - N - j| to each score.")
    Path alibiSlopes;

    @Option(names = "--softcap", order = 25, paramLabel = "C", defaultValue = "0",
            description = "Softcap: each score s becomes C*tanh(s/C) (Gemma 2); 0 = off.")
    float softcap;

    @Option(names = "--block-mask", order = 26, paramLabel = "FILE.npy",
            description = "uint8 [1|B, 1|H, ceil(N/BQ), ceil(Nk/BK)]: nonzero = visit that block.")
    Path blockMask;

    @Option(names = "--block-q", order = 27, paramLabel = "BQ", defaultValue = "64",
            description = "Query rows per block of --block-mask, --topk-blocks and BigBird layouts (default 64).")
    int blockQ;

    @Option(names = "--block-k", order = 28, paramLabel = "BK", defaultValue = "64",
            description = "Keys per block (default 64).")
    int blockK;

    @Option(names = "--topk-blocks", order = 29, paramLabel = "K", defaultValue = "0",
            description = "Dynamic top-k block sparsity: per head and query block, the K key blocks whose mean "
                    + "key best matches the block's mean query, plus the local block.")
    int topkBlocks;

    @Option(names = "--layout-out", order = 30, paramLabel = "FILE.npy",
            description = "Write the block layout used (uint8 [B, H, nbq, nbk]): top-k or BigBird.")
    Path layoutOut;

    @Option(names = "--axial-shape", order = 31, paramLabel = "R,C", split = ",",
            description = "Axial attention: the sequence is an R x C grid (row-major); needs --axial-axis.")
    int[] axialShape;

    @Option(names = "--axial-axis", order = 32, paramLabel = "row|col",
            description = "Attend within each grid row or each grid column.")
    String axialAxis;

    /** Checks every value that needs no file (exit 2 naming the flag). */
    void check() {
        if (windowLeft < -1) throw bad("--window-left", "must be -1 (unbounded) or >= 0, got " + windowLeft);
        if (windowRight < -1) throw bad("--window-right", "must be -1 (unbounded) or >= 0, got " + windowRight);
        if (!Float.isFinite(softcap) || softcap < 0) throw bad("--softcap", "must be finite and >= 0, got " + softcap);
        if (blockQ < 1) throw bad("--block-q", "must be >= 1, got " + blockQ);
        if (blockK < 1) throw bad("--block-k", "must be >= 1, got " + blockK);
        if (topkBlocks < 0) throw bad("--topk-blocks", "must be >= 0, got " + topkBlocks);
        if (topkBlocks > 0 && blockMask != null) throw bad("--topk-blocks", "not with --block-mask");
        if ((axialShape == null) != (axialAxis == null)) {
            throw bad(axialShape == null ? "--axial-axis" : "--axial-shape", "--axial-shape and --axial-axis go together");
        }
        if (axialShape != null && (axialShape.length != 2 || axialShape[0] < 1 || axialShape[1] < 1)) {
            throw bad("--axial-shape", "expected R,C with R, C >= 1");
        }
        if (axialAxis != null && !axialAxis.equals("row") && !axialAxis.equals("col")) {
            throw bad("--axial-axis", "expected row or col, got " + axialAxis);
        }
    }

    boolean windowed() {
        return windowLeft != -1 || windowRight != -1;
    }

    /**
     * Adds the flags to {@code options} for queries {@code q} (heads H = q's second-last dim) and keys
     * {@code k}, reading the files through {@code files}.
     */
    void apply(AttentionOptions.Builder options, NpyIo files, Tensor q, Tensor k, boolean varlen) throws IOException {
        check();
        long heads = q.shape(q.rank() - 2);
        long nq = varlen ? -1 : q.shape(1), nk = varlen ? -1 : k.shape(1);
        if (windowed()) options.window(windowLeft, windowRight);
        options.softcap(softcap);
        if (globalTokens != null) {
            Tensor g = files.input("--global-tokens", globalTokens, DType.I32, 1).tensor();
            int[] pos = g.toIntArray();
            for (int i = 0; i < pos.length; i++) {
                if (pos[i] < 0 || (nq >= 0 && pos[i] >= nq)) {
                    throw bad("--global-tokens", "entry " + i + " is " + pos[i] + ", outside [0, " + nq + ")");
                }
                if (i > 0 && pos[i] <= pos[i - 1]) throw bad("--global-tokens", "must be strictly increasing (entry " + i + ")");
            }
            options.globalTokens(g);
        }
        if (alibiSlopes != null) {
            Tensor s = files.input("--alibi-slopes", alibiSlopes, DType.F32, 1, 2, "").tensor();
            if (s.rank() < 1 || s.rank() > 2 || s.shape(s.rank() - 1) != heads) {
                throw bad("--alibi-slopes", "expected float32 [H] or [B, H] with H = " + heads);
            }
            options.alibiSlopes(s);
        }
        if (blockMask != null) {
            options.blockMask(files.input("--block-mask", blockMask, DType.U8, 4).tensor(), blockQ, blockK);
        }
        if (topkBlocks > 0) {
            long nbk = nk < 0 ? Long.MAX_VALUE : (nk + blockK - 1) / blockK;
            if (topkBlocks > nbk) throw bad("--topk-blocks", topkBlocks + " is more than the " + nbk + " key blocks");
            options.topkBlocks(topkBlocks, blockQ, blockK);
        }
        if (axialShape != null) {
            long cells = (long) axialShape[0] * axialShape[1];
            if (varlen) throw bad("--axial-shape", "dense batches only (not with --cu-seqlens-q/-k)");
            if (cells != nq || cells != nk) {
                throw bad("--axial-shape", axialShape[0] + " x " + axialShape[1] + " must equal N = " + nq + " and Nk = " + nk);
            }
            options.axial(axialAxis.equals("row") ? AxialAxis.ROW : AxialAxis.COL, axialShape[0], axialShape[1]);
        }
    }

    static IllegalArgumentException bad(String flag, String message) {
        return new IllegalArgumentException(flag + ": " + message);
    }
}
