package dev.panamax.bench.cli;

import dev.panamax.RopeConfig;
import dev.panamax.RopeScaling;
import dev.panamax.RopeStyle;
import picocli.CommandLine.Option;

import java.util.Map;

/**
 * The {@code --rope-*} options (a picocli mixin) of every command that applies RoPE: the fields of
 * {@code pmx_rope_config} in kebab case. {@link #toConfig()} validates them; a bad value names its flag.
 */
public final class RopeFlags {
    /** The flag of each {@link RopeConfig} field, for messages. */
    private static final Map<String, String> FLAG_OF_FIELD = Map.ofEntries(
            Map.entry("style", "--rope-style"), Map.entry("scaling", "--rope-scaling"),
            Map.entry("rotaryDim", "--rope-dim"), Map.entry("theta", "--rope-theta"),
            Map.entry("factor", "--rope-factor"), Map.entry("ntkAlpha", "--rope-ntk-alpha"),
            Map.entry("originalMaxPosition", "--rope-original-max-position"),
            Map.entry("betaFast", "--rope-beta-fast"), Map.entry("betaSlow", "--rope-beta-slow"),
            Map.entry("lowFreqFactor", "--rope-low-freq-factor"), Map.entry("highFreqFactor", "--rope-high-freq-factor"),
            Map.entry("attentionFactor", "--rope-attention-factor"), Map.entry("offset", "--rope-offset"));

    @Option(names = "--rope-theta", paramLabel = "THETA", defaultValue = "10000", order = 60,
            description = "RoPE base theta (default: ${DEFAULT-VALUE}).")
    double theta;

    @Option(names = "--rope-dim", paramLabel = "RD", defaultValue = "0", order = 61,
            description = "Rotary dim: even, 2..D; the features beyond it pass through (default: 0 = D).")
    int rotaryDim;

    @Option(names = "--rope-style", paramLabel = "half|interleaved", defaultValue = "half", order = 62,
            description = "Pairs (i, i + rd/2) as GPT-NeoX/Llama, or (2i, 2i+1) as GPT-J (default: ${DEFAULT-VALUE}).")
    RopeStyle style;

    @Option(names = "--rope-scaling", paramLabel = "none|linear|ntk|yarn|llama3", defaultValue = "none", order = 63,
            description = "Frequency scaling, as Hugging Face transformers computes it (default: ${DEFAULT-VALUE}).")
    RopeScaling scaling;

    @Option(names = "--rope-factor", paramLabel = "F", defaultValue = "0", order = 64,
            description = "Scaling factor: required by linear, yarn and llama3.")
    float factor;

    @Option(names = "--rope-ntk-alpha", paramLabel = "A", defaultValue = "0", order = 65,
            description = "NTK-aware alpha: base theta becomes theta*A^(rd/(rd-2)); required by ntk.")
    float ntkAlpha;

    @Option(names = "--rope-original-max-position", paramLabel = "L", defaultValue = "0", order = 66,
            description = "The trained context length: required by yarn and llama3.")
    int originalMaxPosition;

    @Option(names = "--rope-beta-fast", paramLabel = "B", defaultValue = "32", order = 67,
            description = "YaRN beta_fast (default: ${DEFAULT-VALUE}).")
    float betaFast;

    @Option(names = "--rope-beta-slow", paramLabel = "B", defaultValue = "1", order = 68,
            description = "YaRN beta_slow (default: ${DEFAULT-VALUE}).")
    float betaSlow;

    @Option(names = "--rope-low-freq-factor", paramLabel = "F", defaultValue = "0", order = 69,
            description = "llama3 low_freq_factor: required by llama3 (e.g. 1).")
    float lowFreqFactor;

    @Option(names = "--rope-high-freq-factor", paramLabel = "F", defaultValue = "0", order = 70,
            description = "llama3 high_freq_factor, above the low one: required by llama3 (e.g. 4).")
    float highFreqFactor;

    @Option(names = "--rope-attention-factor", paramLabel = "F", defaultValue = "0", order = 71,
            description = "Scales cos and sin; 0 = the scaling's default (yarn: 0.1*ln(factor)+1, others 1).")
    float attentionFactor;

    @Option(names = "--rope-offset", paramLabel = "P", defaultValue = "0", order = 72,
            description = "Added to every position, |P| <= 2^40 (default: ${DEFAULT-VALUE}).")
    long offset;

    /**
     * The settings the flags give.
     *
     * @throws IllegalArgumentException naming the flag ("--rope-dim: 7 is odd")
     */
    public RopeConfig toConfig() {
        try {
            return RopeConfig.builder().style(style).scaling(scaling).rotaryDim(rotaryDim).theta(theta).factor(factor)
                    .ntkAlpha(ntkAlpha).originalMaxPosition(originalMaxPosition).betaFast(betaFast).betaSlow(betaSlow)
                    .lowFreqFactor(lowFreqFactor).highFreqFactor(highFreqFactor).attentionFactor(attentionFactor)
                    .offset(offset).build();
        } catch (IllegalArgumentException e) {
            throw withFlag(e);
        }
    }

    /**
     * Checks the rotary dim against the head dim D of the tensor given by {@code tensorFlag} (e.g. "--x").
     *
     * @throws IllegalArgumentException naming --rope-dim
     */
    public void checkHeadDim(long d, String tensorFlag) {
        long rd = rotaryDim == 0 ? d : rotaryDim;
        String where = " of " + tensorFlag;
        if (rotaryDim == 0 && d % 2 != 0) {
            throw new IllegalArgumentException("--rope-dim: 0 means D, but D = " + d + where + " is odd; give an even "
                    + "--rope-dim");
        }
        if (rd > d) throw new IllegalArgumentException("--rope-dim: " + rd + " exceeds D = " + d + where);
        if (scaling == RopeScaling.NTK && rd < 4) {
            throw new IllegalArgumentException("--rope-dim: ntk scaling needs a rotary dim >= 4, got " + rd);
        }
    }

    /** The builder's "field: reason" message as "--flag: reason". */
    private static IllegalArgumentException withFlag(IllegalArgumentException e) {
        String message = e.getMessage();
        int colon = message.indexOf(':');
        String flag = colon < 0 ? null : FLAG_OF_FIELD.get(message.substring(0, colon));
        return flag == null ? e : new IllegalArgumentException(flag + message.substring(colon), e);
    }
}
