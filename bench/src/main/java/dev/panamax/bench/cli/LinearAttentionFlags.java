package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.FeatureMap;
import dev.panamax.LinearAttention;
import dev.panamax.LinearAttentionOptions;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.NpyArray;
import dev.panamax.bench.npy.NpyHeader;
import dev.panamax.bench.report.Units;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The flags of {@code run linear-attention} and {@code run linear-attention-step} (a picocli mixin: the C fields
 * in kebab case) but the state ({@link LinearStateFlags}), and the run both share: the FAVOR+ matrix given or
 * drawn, inputs memory-mapped, outputs written through mappings, the library's argument names turned back into
 * these flags in error messages.
 */
final class LinearAttentionFlags {
    /** FAVOR+ rows drawn when --features is not given. */
    static final long DEFAULT_FEATURES = 256;

    @Option(names = "--q", required = true, paramLabel = "FILE.npy", order = 1,
            description = "Queries, float32 [B, N, H, Dk] ([B, H, Dk] for a step).")
    Path q;

    @Option(names = "--k", required = true, paramLabel = "FILE.npy", order = 2,
            description = "Keys, float32 [B, N, Hkv, Dk] ([B, Hkv, Dk] for a step); Hkv divides H.")
    Path k;

    @Option(names = "--v", required = true, paramLabel = "FILE.npy", order = 3,
            description = "Values, float32 [B, N, Hkv, Dv] ([B, Hkv, Dv] for a step).")
    Path v;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", order = 4,
            description = "Output written here: float32 [B, N, H, Dv] ([B, H, Dv] for a step).")
    Path out;

    @Option(names = "--feature-map", paramLabel = "elu1|relu|identity|favor", defaultValue = "elu1", order = 6,
            converter = FeatureMapConverter.class,
            description = "φ applied to each query and key row: elu(x)+1, max(x,0), x, or FAVOR+ random features "
                    + "(default: ${DEFAULT-VALUE}).")
    FeatureMap featureMap;

    @Option(names = "--features", paramLabel = "M", order = 7,
            description = "FAVOR+ only: rows m of the random matrix drawn from --seed, 1..1024 (default 256).")
    Long features;

    @Option(names = "--seed", paramLabel = "S", order = 8, converter = BigBirdFlags.UnsignedLong.class,
            description = "FAVOR+ only: seed of the random matrix, 0 .. 2^64-1 (default 0): the same matrix on "
                    + "every machine.")
    Long seed;

    @Option(names = "--random-matrix", paramLabel = "W.npy", order = 9,
            description = "FAVOR+ only: the random matrix, float32 [m, Dk], instead of drawing one "
                    + "(not with --features or --seed).")
    Path randomMatrix;

    @Option(names = "--random-matrix-out", paramLabel = "W.npy", order = 10,
            description = "FAVOR+ only: the random matrix used written here: float32 [m, Dk] (pass it as "
                    + "--random-matrix to the steps that follow).")
    Path randomMatrixOut;

    @Option(names = "--no-normalize", order = 11,
            description = "out = φ(q)ᵀS, without the division by φ(q)ᵀZ + eps (ONNX Runtime's and FLA's form).")
    boolean noNormalize;

    @Option(names = "--eps", paramLabel = "E", order = 12,
            description = "Added to the denominator φ(q)ᵀZ; finite, >= 0 (default: the library's, 1e-6).")
    Double eps;

    /** The library's argument names (Java's and the C fields') and these flags. */
    static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("q", "--q"), Map.entry("k", "--k"),
            Map.entry("v", "--v"), Map.entry("out", "--out"), Map.entry("featureMap", "--feature-map"),
            Map.entry("feature_map", "--feature-map"), Map.entry("randomMatrix", "--random-matrix"),
            Map.entry("random_matrix", "--random-matrix"), Map.entry("eps", "--eps"), Map.entry("chunk", "--chunk"),
            Map.entry("causal", "--causal"), Map.entry("stateIn", "--state-in"), Map.entry("state_in", "--state-in"),
            Map.entry("normIn", "--norm-in"), Map.entry("norm_in", "--norm-in"), Map.entry("stateOut", "--state-out"),
            Map.entry("state_out", "--state-out"), Map.entry("normOut", "--norm-out"),
            Map.entry("norm_out", "--norm-out"));

    /**
     * Runs linear attention (or one step) and prints one line.
     *
     * @param causal ignored for a step (always causal)
     * @param chunk  0: the library's default; a step takes 0
     */
    int run(boolean step, boolean causal, long chunk, LinearStateFlags state, ThreadsOption threads, PrintWriter w)
            throws IOException {
        String name = step ? "linear-attention-step" : "linear-attention";
        boolean favor = featureMap == FeatureMap.FAVOR;
        checkFavorFlags(favor);
        try (NpyIo files = new NpyIo(); Arena scratch = Arena.ofConfined(); Context ctx = threads.openContext()) {
            int rank = step ? 3 : 4;
            NpyArray qa = files.input("--q", q, DType.F32, rank, step ? " ([B, H, Dk])" : " ([B, N, H, Dk])");
            NpyArray ka = files.input("--k", k, DType.F32, rank, step ? " ([B, Hkv, Dk])" : " ([B, N, Hkv, Dk])");
            NpyArray va = files.input("--v", v, DType.F32, rank, step ? " ([B, Hkv, Dv])" : " ([B, N, Hkv, Dv])");
            long dk = qa.shape()[rank - 1], dv = va.shape()[rank - 1];
            LinearAttentionOptions.Builder o = LinearAttentionOptions.builder().featureMap(featureMap)
                    .causal(step || causal).normalize(!noNormalize);
            String map = featureMap.name().toLowerCase(Locale.ROOT);
            long f = dk;
            try {
                if (eps != null) o.eps(eps);
                o.chunk(chunk);
                if (favor) {
                    Tensor matrix = favorMatrix(files, scratch, ctx, dk);
                    f = matrix.shape(0);
                    o.randomMatrix(matrix);
                    map = randomMatrix != null ? "favor (m " + f + " from " + randomMatrix + ")"
                            : "favor (m " + f + ", seed " + Long.toUnsignedString(seed == null ? 0 : seed) + ")";
                }
                state.inputs(files, o);
                LinearAttentionOptions opts = o.build();
                long[] outShape = qa.shape().clone();
                outShape[rank - 1] = dv;
                Tensor outT = files.output("--out", out, DType.F32, outShape).tensor();
                LinearStateFlags.Outputs sums = state.outputs(files, step ? scratch : null, qa.shape()[0],
                        ka.shape()[rank - 2], f, dv);
                long start = System.nanoTime();
                if (step) {
                    LinearAttention.step(ctx, qa.tensor(), ka.tensor(), va.tensor(), opts, outT, sums.state(),
                            sums.norm());
                } else {
                    LinearAttention.run(ctx, qa.tensor(), ka.tensor(), va.tensor(), opts, outT, sums.state(),
                            sums.norm());
                }
                double ms = (System.nanoTime() - start) / 1e6;
                files.commit();
                w.printf(Locale.ROOT, "%s: q %s, k %s, v %s, %s%s%s -> %s %s in %s on %d thread(s)%n", name,
                        qa.describe(), ka.describe(), va.describe(), map, step || !causal ? "" : ", causal",
                        noNormalize ? ", not normalized" : "", out, NpyHeader.formatShape(outShape),
                        Units.duration(ms), ctx.numThreads());
            } catch (RuntimeException e) {
                throw MoeRouterFlags.withFlag(e, FLAGS);
            }
            w.flush();
            return ExitCodes.OK;
        }
    }

    /** --features, --seed, --random-matrix and --random-matrix-out belong to FAVOR+; the matrix is given or drawn. */
    private void checkFavorFlags(boolean favor) {
        if (!favor) {
            String flag = features != null ? "--features" : seed != null ? "--seed"
                    : randomMatrix != null ? "--random-matrix" : randomMatrixOut != null ? "--random-matrix-out" : null;
            if (flag != null) {
                throw new IllegalArgumentException(flag + ": only with --feature-map favor (the map is " + featureMap
                        .name().toLowerCase(Locale.ROOT) + ")");
            }
        } else if (randomMatrix != null && (features != null || seed != null)) {
            throw new IllegalArgumentException("--random-matrix: not with " + (features != null ? "--features" : "--seed")
                    + " (the matrix is given, not drawn)");
        }
    }

    /**
     * --random-matrix mapped (and copied to --random-matrix-out), or a matrix of --features rows drawn from --seed
     * on {@code ctx} (straight into --random-matrix-out when given).
     */
    private Tensor favorMatrix(NpyIo files, Arena scratch, Context ctx, long dk) throws IOException {
        if (randomMatrix != null) {
            Tensor matrix = files.input("--random-matrix", randomMatrix, DType.F32, 2, " ([m, Dk])").tensor();
            if (randomMatrixOut != null) {
                Tensor copy = files.output("--random-matrix-out", randomMatrixOut, DType.F32, matrix.shape()).tensor();
                MemorySegment.copy(matrix.segment(), 0, copy.segment(), 0, copy.segment().byteSize());
            }
            return matrix;
        }
        long m = features == null ? DEFAULT_FEATURES : features;
        long max = LinearAttentionOptions.MAX_FEATURES;
        if (m < 1 || m > max) throw new IllegalArgumentException("--features: must be in 1.." + max + ", got " + m);
        Tensor matrix = randomMatrixOut != null
                ? files.output("--random-matrix-out", randomMatrixOut, DType.F32, m, dk).tensor()
                : Tensor.allocate(scratch, DType.F32, m, dk);
        try {
            LinearAttention.favorRandomMatrix(ctx, seed == null ? 0 : seed, matrix);
        } catch (IllegalArgumentException e) {
            // m is in range: what is left to refuse is the key dim, q's.
            String message = String.valueOf(e.getMessage());
            int colon = message.indexOf(':');
            throw new IllegalArgumentException("--q" + (colon >= 0 ? message.substring(colon) : ": " + message), e);
        }
        return matrix;
    }

    /** Reads elu1, relu, identity and favor, in any case. */
    static final class FeatureMapConverter implements ITypeConverter<FeatureMap> {
        @Override
        public FeatureMap convert(String value) {
            try {
                return FeatureMap.fromName(value.toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("expected elu1, relu, identity or favor, got '" + value + "'");
            }
        }
    }
}
