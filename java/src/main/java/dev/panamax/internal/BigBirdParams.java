package dev.panamax.internal;

import dev.panamax.BigBirdOptions;
import dev.panamax.Context;
import dev.panamax.Tensor;
import dev.panamax.internal.ffi.Panamax_h;
import dev.panamax.internal.ffi.pmx_bigbird_params;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code pmx_bigbird_params} layout (offsets from the generated struct class) and
 * {@code pmx_bigbird_layout}, bound on first use.
 */
public final class BigBirdParams {
    private static final long STRUCT_SIZE = pmx_bigbird_params.struct_size$offset();
    private static final long NQ = pmx_bigbird_params.nq$offset();
    private static final long NK = pmx_bigbird_params.nk$offset();
    private static final long HEADS = pmx_bigbird_params.heads$offset();
    private static final long BLOCK = pmx_bigbird_params.block$offset();
    private static final long WINDOW_BLOCKS = pmx_bigbird_params.window_blocks$offset();
    private static final long RANDOM_BLOCKS = pmx_bigbird_params.random_blocks$offset();
    private static final long GLOBAL_BLOCKS = pmx_bigbird_params.global_blocks$offset();
    private static final long CAUSAL = pmx_bigbird_params.causal$offset();
    private static final long SEED = pmx_bigbird_params.seed$offset();
    private static final long LAYOUT = pmx_bigbird_params.layout$offset();

    private BigBirdParams() {}

    /** Fills the params struct and runs {@code pmx_bigbird_layout} (arguments already checked). */
    public static void run(Context ctx, long nq, long nk, int heads, BigBirdOptions o, Tensor layout) {
        try (NativeCall call = NativeCall.begin(ctx)) {
            MemorySegment p = call.params();
            p.set(ValueLayout.JAVA_LONG, STRUCT_SIZE, pmx_bigbird_params.sizeof());
            p.set(ValueLayout.JAVA_LONG, NQ, nq);
            p.set(ValueLayout.JAVA_LONG, NK, nk);
            p.set(ValueLayout.JAVA_INT, HEADS, heads);
            p.set(ValueLayout.JAVA_INT, BLOCK, o.block());
            p.set(ValueLayout.JAVA_INT, WINDOW_BLOCKS, o.windowBlocks());
            p.set(ValueLayout.JAVA_INT, RANDOM_BLOCKS, o.randomBlocks());
            p.set(ValueLayout.JAVA_INT, GLOBAL_BLOCKS, o.globalBlocks());
            p.set(ValueLayout.JAVA_INT, CAUSAL, o.causal() ? 1 : 0);
            p.set(ValueLayout.JAVA_LONG, SEED, o.seed());
            call.tensor(LAYOUT, layout);
            call.run(Layout.FUNCTION);
        }
    }

    private static final class Layout {
        static final NativeFunction FUNCTION = NativeFunction.plain("pmx_bigbird_layout",
                Panamax_h.pmx_bigbird_layout$address());
    }
}
