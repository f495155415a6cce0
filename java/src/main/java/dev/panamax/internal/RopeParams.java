package dev.panamax.internal;

import dev.panamax.Context;
import dev.panamax.RopeConfig;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.Panamax_h;
import dev.panamax.internal.ffi.pmx_rope_config;
import dev.panamax.internal.ffi.pmx_rope_params;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code pmx_rope_params} and {@code pmx_rope_config} layouts (offsets from the generated struct classes)
 * and the entry points that take them. {@link #writeConfig} also fills the {@code rope} field other params
 * structs embed (the fused attention's).
 */
public final class RopeParams {
    private static final long STRUCT_SIZE = pmx_rope_params.struct_size$offset();
    private static final long X = pmx_rope_params.x$offset();
    private static final long POSITIONS = pmx_rope_params.positions$offset();
    private static final long ROPE = pmx_rope_params.rope$offset();
    private static final long OUT = pmx_rope_params.out$offset();

    private static final long STYLE = pmx_rope_config.style$offset();
    private static final long ROTARY_DIM = pmx_rope_config.rotary_dim$offset();
    private static final long THETA = pmx_rope_config.theta$offset();
    private static final long SCALING = pmx_rope_config.scaling$offset();
    private static final long FACTOR = pmx_rope_config.factor$offset();
    private static final long NTK_ALPHA = pmx_rope_config.ntk_alpha$offset();
    private static final long ORIGINAL_MAX_POSITION = pmx_rope_config.original_max_position$offset();
    private static final long BETA_FAST = pmx_rope_config.beta_fast$offset();
    private static final long BETA_SLOW = pmx_rope_config.beta_slow$offset();
    private static final long LOW_FREQ_FACTOR = pmx_rope_config.low_freq_factor$offset();
    private static final long HIGH_FREQ_FACTOR = pmx_rope_config.high_freq_factor$offset();
    private static final long ATTENTION_FACTOR = pmx_rope_config.attention_factor$offset();
    private static final long OFFSET = pmx_rope_config.offset$offset();
    private static final long CONFIG_SIZE = pmx_rope_config.sizeof();

    private RopeParams() {}

    /**
     * Writes {@code c} as the {@code pmx_rope_config} at {@code offset} of {@code params}; null writes style
     * OFF (every field zero). Plain stores: allocates nothing.
     */
    public static void writeConfig(MemorySegment params, long offset, RopeConfig c) {
        for (long off = 0; off + 8 <= CONFIG_SIZE; off += 8) params.set(ValueLayout.JAVA_LONG, offset + off, 0L);
        if (c == null) return;
        params.set(ValueLayout.JAVA_INT, offset + STYLE, c.style().code());
        params.set(ValueLayout.JAVA_INT, offset + ROTARY_DIM, c.rotaryDim());
        params.set(ValueLayout.JAVA_DOUBLE, offset + THETA, c.theta());
        params.set(ValueLayout.JAVA_INT, offset + SCALING, c.scaling().code());
        params.set(ValueLayout.JAVA_FLOAT, offset + FACTOR, c.factor());
        params.set(ValueLayout.JAVA_FLOAT, offset + NTK_ALPHA, c.ntkAlpha());
        params.set(ValueLayout.JAVA_INT, offset + ORIGINAL_MAX_POSITION, c.originalMaxPosition());
        params.set(ValueLayout.JAVA_FLOAT, offset + BETA_FAST, c.betaFast());
        params.set(ValueLayout.JAVA_FLOAT, offset + BETA_SLOW, c.betaSlow());
        params.set(ValueLayout.JAVA_FLOAT, offset + LOW_FREQ_FACTOR, c.lowFreqFactor());
        params.set(ValueLayout.JAVA_FLOAT, offset + HIGH_FREQ_FACTOR, c.highFreqFactor());
        params.set(ValueLayout.JAVA_FLOAT, offset + ATTENTION_FACTOR, c.attentionFactor());
        params.set(ValueLayout.JAVA_LONG, offset + OFFSET, c.offset());
    }

    /**
     * The whole call: checks the arguments (before any downcall), fills the params struct and runs {@code f}.
     *
     * @param positions null: row n has position n
     */
    public static void run(NativeFunction f, Context ctx, Tensor x, Tensor positions, RopeConfig config, Tensor out) {
        Checks.requireNonNull(ctx, "ctx");
        RopeChecks.check(x, positions, config, out, f == reference());
        try (NativeCall call = NativeCall.begin(ctx)) {
            MemorySegment p = call.params();
            p.set(ValueLayout.JAVA_LONG, STRUCT_SIZE, pmx_rope_params.sizeof());
            call.tensor(X, x);
            call.tensor(POSITIONS, positions);
            writeConfig(p, ROPE, config);
            call.tensor(OUT, out);
            call.run(f);
        }
    }

    /** {@code pmx_rope}. */
    public static NativeFunction fused() {
        return Fused.FUNCTION;
    }

    /** {@code pmx_rope_reference}. */
    public static NativeFunction reference() {
        return Reference.FUNCTION;
    }

    private static final class Fused {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_rope", Panamax_h.pmx_rope$address());
    }

    private static final class Reference {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_rope_reference",
                Panamax_h.pmx_rope_reference$address());
    }
}
