package dev.panamax.bench.cli;

import dev.panamax.DType;
import dev.panamax.MoeRouterOptions;
import dev.panamax.MoeScoring;
import dev.panamax.PanamaxException;
import dev.panamax.RouterOutputs;
import dev.panamax.Status;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.NpyArray;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The router flags of {@code run moe} and {@code run moe-router} (a picocli mixin: the fields of
 * {@code pmx_moe_router_params} in kebab case), and what both commands do with them: the logits or the gate
 * weight mapped, the options validated, the router outputs created, and the library's argument names turned back
 * into these flags in error messages (a non-finite logit included).
 */
final class MoeRouterFlags {
    /** The --scoring values. */
    enum Scoring {
        softmax(MoeScoring.SOFTMAX), sigmoid(MoeScoring.SIGMOID);

        final MoeScoring value;

        Scoring(MoeScoring value) {
            this.value = value;
        }
    }

    @Option(names = "--logits", paramLabel = "FILE.npy", order = 2,
            description = "Router logits, float32 [T, E] (this or --gate-weight).")
    Path logits;

    @Option(names = "--gate-weight", paramLabel = "FILE.npy", order = 3,
            description = "Router weight, float32 [d, E]: logits = x·gate_weight (needs --x).")
    Path gateWeight;

    @Option(names = "--top-k", required = true, paramLabel = "K", order = 4,
            description = "k, the experts each token goes to: 1..E.")
    int topK;

    @Option(names = "--scoring", paramLabel = "softmax|sigmoid", defaultValue = "softmax", order = 5,
            description = "softmax over a token's logits, or a sigmoid per logit (default: ${DEFAULT-VALUE}).")
    Scoring scoring;

    @Option(names = "--renormalize", order = 6, description = "Divide each token's k weights by their sum.")
    boolean renormalize;

    @Option(names = "--capacity-factor", paramLabel = "F", defaultValue = "0", order = 7,
            description = "Each expert keeps at most ceil(F·T·k/E) assignments, in token order; the rest are "
                    + "dropped. Finite, >= 0 (default: 0 = dropless).")
    double capacityFactor;

    @Option(names = "--noise-std", paramLabel = "S", defaultValue = "0", order = 8,
            description = "Adds S·n to each logit, n standard normal from (seed, token, expert): the same on any "
                    + "machine. Finite, >= 0 (default: 0 = no noise).")
    double noiseStd;

    @Option(names = "--noise-seed", paramLabel = "SEED", defaultValue = "0", order = 9,
            converter = BigBirdFlags.UnsignedLong.class,
            description = "Seed of the noise, 0 .. 2^64-1 (default: ${DEFAULT-VALUE}).")
    long noiseSeed;

    /** The library's argument names (Java's and the C fields') and these flags, outputs included. */
    static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("x", "--x"),
            Map.entry("gateWeight", "--gate-weight"), Map.entry("gate_weight", "--gate-weight"),
            Map.entry("logits", "--logits"), Map.entry("x·gate_weight", "--x/--gate-weight"),
            Map.entry("topK", "--top-k"), Map.entry("top_k", "--top-k"), Map.entry("scoring", "--scoring"),
            Map.entry("capacityFactor", "--capacity-factor"), Map.entry("capacity_factor", "--capacity-factor"),
            Map.entry("noiseStd", "--noise-std"), Map.entry("noise_std", "--noise-std"),
            Map.entry("indices", "--indices-out"), Map.entry("weights", "--weights-out"),
            Map.entry("counts", "--counts-out"), Map.entry("dropped", "--dropped-out"),
            Map.entry("auxLoss", "--aux-loss-out"), Map.entry("aux_loss", "--aux-loss-out"),
            Map.entry("zLoss", "--z-loss-out"), Map.entry("z_loss", "--z-loss-out"));

    /** The router's inputs as mapped: x may be null with --logits; T and E as the router will see them. */
    record Inputs(NpyArray x, NpyArray gateWeight, NpyArray logits, long tokens, long experts) {
        Tensor xTensor() {
            return x == null ? null : x.tensor();
        }

        Tensor gateWeightTensor() {
            return gateWeight == null ? null : gateWeight.tensor();
        }

        Tensor logitsTensor() {
            return logits == null ? null : logits.tensor();
        }

        /** "logits float32 (T, E)" or "gate weight float32 (d, E)", for the summary line. */
        String describe() {
            return logits != null ? "logits " + logits.describe() : "gate weight " + gateWeight.describe();
        }
    }

    /** The router outputs' files (null: not written). */
    record Outputs(Path indices, Path weights, Path counts, Path dropped, Path auxLoss, Path zLoss) {
        boolean any() {
            return indices != null || weights != null || counts != null || dropped != null || auxLoss != null
                    || zLoss != null;
        }
    }

    /**
     * Maps --logits or --gate-weight (exactly one), with {@code xPath} (--x) required with the gate weight.
     *
     * @throws IllegalArgumentException naming the flag
     */
    Inputs inputs(NpyIo files, Path xPath) throws IOException {
        if (logits != null && gateWeight != null) {
            throw new IllegalArgumentException("--logits: give --logits or --gate-weight, not both");
        }
        if (logits == null && gateWeight == null) {
            throw new IllegalArgumentException("--logits: required unless --gate-weight is given (give one of them)");
        }
        if (gateWeight != null && xPath == null) {
            throw new IllegalArgumentException("--x: required with --gate-weight (logits = x·gate_weight)");
        }
        NpyArray x = xPath == null ? null : files.input("--x", xPath, DType.F32, 2, " ([T, d])");
        if (gateWeight != null) {
            NpyArray g = files.input("--gate-weight", gateWeight, DType.F32, 2, " ([d, E])");
            return new Inputs(x, g, null, x.shape()[0], g.shape()[1]);
        }
        NpyArray l = files.input("--logits", logits, DType.F32, 2, " ([T, E])");
        return new Inputs(x, null, l, l.shape()[0], l.shape()[1]);
    }

    /**
     * The router options of these flags.
     *
     * @throws IllegalArgumentException naming the field (rewrite it with {@link #withFlag})
     */
    MoeRouterOptions options() {
        return MoeRouterOptions.builder().topK(topK).scoring(scoring.value).renormalize(renormalize)
                .capacityFactor(capacityFactor).noiseStd(noiseStd).noiseSeed(noiseSeed).build();
    }

    /**
     * Creates the router outputs asked for (indices I32, weights F32 and dropped U8 {@code [T, k]}, counts I32
     * {@code [E]}, the losses F32 {@code [1]}); null when none is.
     */
    static RouterOutputs create(NpyIo files, Outputs o, long t, int k, long e) throws IOException {
        if (!o.any()) return null;
        return new RouterOutputs(out(files, "--indices-out", o.indices(), DType.I32, t, k),
                out(files, "--weights-out", o.weights(), DType.F32, t, k),
                out(files, "--counts-out", o.counts(), DType.I32, e),
                out(files, "--dropped-out", o.dropped(), DType.U8, t, k),
                out(files, "--aux-loss-out", o.auxLoss(), DType.F32, 1),
                out(files, "--z-loss-out", o.zLoss(), DType.F32, 1));
    }

    private static Tensor out(NpyIo files, String flag, Path path, DType dtype, long... shape) throws IOException {
        return path == null ? null : files.output(flag, path, dtype, shape).tensor();
    }

    /** ", top-2 softmax, renormalized, capacity factor 1.25, noise 0.1 (seed 7)" for the summary line. */
    String describeOptions(MoeRouterOptions o) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "top-%d %s", o.topK(), scoring));
        if (o.renormalize()) s.append(", renormalized");
        if (o.capacityFactor() > 0) s.append(", capacity factor ").append(plain(o.capacityFactor()));
        if (o.noiseStd() > 0) {
            s.append(", noise ").append(plain(o.noiseStd())).append(" (seed ")
                    .append(Long.toUnsignedString(o.noiseSeed())).append(')');
        }
        return s.toString();
    }

    /** 1.25 as "1.25", 1.0 as "1". */
    private static String plain(double v) {
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    /** ", 12 of 4096 assignments dropped" when dropped was written, else "". */
    static String describeDrops(RouterOutputs r) {
        if (r == null || r.dropped() == null) return "";
        long n = r.dropped().elementCount(), dropped = 0;
        for (long i = 0; i < n; i++) {
            if (r.dropped().segment().get(ValueLayout.JAVA_BYTE, i) != 0) dropped++;
        }
        return String.format(Locale.ROOT, ", %d of %d assignments dropped", dropped, n);
    }

    /**
     * The library's "name: reason" as "--flag: reason": an {@link IllegalArgumentException} from the Java checks,
     * or a {@link PanamaxException} with {@link Status#INVALID_ARGUMENT} from the library's own (a non-finite
     * logit: "--logits: token 3 has a non-finite logit"). Anything else comes back as it was.
     */
    static RuntimeException withFlag(RuntimeException e, Map<String, String> flags) {
        if (e instanceof IllegalArgumentException && e.getMessage() != null) {
            return new IllegalArgumentException(ScanFlags.withFlag(e.getMessage(), flags), e);
        }
        if (e instanceof PanamaxException pe && pe.status() == Status.INVALID_ARGUMENT) {
            String message = ScanFlags.withFlag(pe.nativeMessage(), flags);
            if (message.startsWith("--")) return new IllegalArgumentException(message, e);
        }
        return e;
    }
}
