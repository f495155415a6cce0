package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.LinearRecurrence;
import dev.panamax.LinearRecurrenceOptions;
import dev.panamax.LinearRule;
import dev.panamax.Tensor;
import dev.panamax.bench.npy.NpyArray;
import dev.panamax.bench.npy.NpyHeader;
import dev.panamax.bench.report.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code panamax run linear-recurrence}: a linear recurrence with an update rule on .npy files. */
@Command(name = "linear-recurrence", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A linear recurrence with an update rule (Mamba-2, GLA, DeltaNet, Gated DeltaNet) on NumPy "
                + ".npy files (float32, C order); per sequence and key/value head a state S [Dk, Dv], 0 or --state-in:",
                "",
                "  linear       S_t = S_{t-1} + k_t v_tᵀ",
                "  gated        S_t = g_t ⊙ S_{t-1} + k_t v_tᵀ   (g_t per head or per key dim)",
                "  delta        S_t = S_{t-1} + β_t k_t (v_t − S_{t-1}ᵀ k_t)ᵀ",
                "  gated_delta  S_t = S' + β_t k_t (v_t − S'ᵀ k_t)ᵀ,  S' = g_t S_{t-1}",
                "  out[t, h] = S_tᵀ q[t, h]  (no feature map, no scale: scale q yourself)",
                "",
                "  q, out             [B, N, H, Dk], [B, N, H, Dv]",
                "  k, v               [B, N, Hkv, Dk], [B, N, Hkv, Dv] (Hkv divides H)",
                "  decay g            [B, N, Hkv], or [B, N, Hkv, Dk] (gated); each in [0, 1]",
                "  beta               [B, N, Hkv]",
                "  state in/out       [B, Hkv, Dk, Dv]",
                ""},
        footer = {"", "Example:",
                "  panamax run linear-recurrence --rule gated_delta --q q.npy --k k.npy --v v.npy --decay g.npy "
                        + "--beta b.npy --out y.npy --state-out S.npy",
                "Exit status: 0 success; 1 library failure; 2 bad input (one line on stderr)."})
final class RunLinearRecurrenceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rule", required = true, paramLabel = "linear|gated|delta|gated_delta", order = 1,
            converter = RuleConverter.class, description = "The state update.")
    LinearRule rule;

    @Option(names = "--q", required = true, paramLabel = "FILE.npy", order = 2,
            description = "Queries, float32 [B, N, H, Dk].")
    Path q;

    @Option(names = "--k", required = true, paramLabel = "FILE.npy", order = 3,
            description = "Keys, float32 [B, N, Hkv, Dk]; Hkv divides H.")
    Path k;

    @Option(names = "--v", required = true, paramLabel = "FILE.npy", order = 4,
            description = "Values, float32 [B, N, Hkv, Dv].")
    Path v;

    @Option(names = "--decay", paramLabel = "g.npy", order = 5,
            description = "The gated rules' decay g itself (not its log), each in [0, 1]: float32 [B, N, Hkv], "
                    + "or [B, N, Hkv, Dk] for gated.")
    Path decay;

    @Option(names = "--beta", paramLabel = "b.npy", order = 6,
            description = "The delta rules' step size β, float32 [B, N, Hkv].")
    Path beta;

    @Option(names = "--state-in", paramLabel = "FILE.npy", order = 7,
            description = "Initial state, float32 [B, Hkv, Dk, Dv] (default 0).")
    Path stateIn;

    @Option(names = "--chunk", paramLabel = "C", defaultValue = "0", order = 8,
            description = "Tokens per chunk, 1..256 (0, the default: 64); changes results only by rounding.")
    long chunk;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", order = 9,
            description = "Output written here: float32 [B, N, H, Dv].")
    Path out;

    @Option(names = "--state-out", paramLabel = "FILE.npy", order = 10,
            description = "Final state written here: float32 [B, Hkv, Dk, Dv].")
    Path stateOut;

    @Mixin
    ThreadsOption threads;

    /** The library's argument names (Java's and the C fields') and these flags. */
    private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("rule", "--rule"),
            Map.entry("q", "--q"), Map.entry("k", "--k"), Map.entry("v", "--v"), Map.entry("decay", "--decay"),
            Map.entry("beta", "--beta"), Map.entry("stateIn", "--state-in"), Map.entry("state_in", "--state-in"),
            Map.entry("chunk", "--chunk"), Map.entry("out", "--out"), Map.entry("stateOut", "--state-out"),
            Map.entry("state_out", "--state-out"));

    @Override
    public Integer call() throws IOException {
        PrintWriter w = spec.commandLine().getOut();
        try (NpyIo files = new NpyIo(); Context ctx = threads.openContext()) {
            NpyArray qa = files.input("--q", q, DType.F32, 4, " ([B, N, H, Dk])");
            NpyArray ka = files.input("--k", k, DType.F32, 4, " ([B, N, Hkv, Dk])");
            NpyArray va = files.input("--v", v, DType.F32, 4, " ([B, N, Hkv, Dv])");
            LinearRecurrenceOptions.Builder o = LinearRecurrenceOptions.builder();
            try {
                o.chunk(chunk);
                if (decay != null) {
                    o.decay(files.input("--decay", decay, DType.F32, 3, 4, " ([B, N, Hkv] or [B, N, Hkv, Dk])")
                            .tensor());
                }
                if (beta != null) o.beta(files.input("--beta", beta, DType.F32, 3, " ([B, N, Hkv])").tensor());
                if (stateIn != null) {
                    o.stateIn(files.input("--state-in", stateIn, DType.F32, 4, " ([B, Hkv, Dk, Dv])").tensor());
                }
                LinearRecurrenceOptions opts = o.build();
                long[] outShape = qa.shape().clone();
                outShape[3] = va.shape()[3];
                Tensor outT = files.output("--out", out, DType.F32, outShape).tensor();
                Tensor stateT = stateOut == null ? null
                        : files.output("--state-out", stateOut, DType.F32, qa.shape()[0], ka.shape()[2],
                                ka.shape()[3], va.shape()[3]).tensor();
                long start = System.nanoTime();
                LinearRecurrence.run(ctx, rule, qa.tensor(), ka.tensor(), va.tensor(), opts, outT, stateT);
                double ms = (System.nanoTime() - start) / 1e6;
                files.commit();
                w.printf(Locale.ROOT, "linear-recurrence: %s, q %s, k %s, v %s -> %s %s in %s on %d thread(s)%n",
                        RuleConverter.name(rule), qa.describe(), ka.describe(), va.describe(), out,
                        NpyHeader.formatShape(outShape), Units.duration(ms), ctx.numThreads());
            } catch (RuntimeException e) {
                throw MoeRouterFlags.withFlag(e, FLAGS);
            }
            w.flush();
            return ExitCodes.OK;
        }
    }

    /** Reads linear, gated, delta and gated_delta (or gated-delta), in any case. */
    static final class RuleConverter implements ITypeConverter<LinearRule> {
        @Override
        public LinearRule convert(String value) {
            try {
                return LinearRule.fromName(value.toLowerCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("expected linear, gated, delta or gated_delta, got '" + value + "'");
            }
        }

        /** The flag's spelling of {@code r}. */
        static String name(LinearRule r) {
            return r.name().toLowerCase(Locale.ROOT);
        }
    }
}
