package dev.panamax;

import dev.panamax.internal.Checks;
import dev.panamax.internal.Conv1dParams;

import java.lang.foreign.Arena;

/**
 * Mamba's short causal depthwise convolution: per channel {@code c}, width {@code W} (1..8),
 * <pre>
 *   out[t, c] = act(bias[c] + sum_{k&lt;W} weight[c, k]·x[t - W + 1 + k, c])
 * </pre>
 * with {@code act} = SiLU when asked, and the positions before a sequence's start read from {@code stateIn}
 * (its last W - 1 inputs, oldest first; zeros when null). {@code stateOut} receives the last W - 1 inputs of
 * each sequence, ready for the {@link #step step} form.
 *
 * <table class="striped">
 * <caption>Shapes (F32 unless said)</caption>
 * <tr><th>tensor</th><th>dense</th><th>packed varlen ({@code cuSeqlens})</th><th>{@link #step step}</th></tr>
 * <tr><td>x, out</td><td>{@code [B, L, C]}</td><td>{@code [total, C]}</td><td>{@code [B, C]}</td></tr>
 * <tr><td>weight</td><td colspan="3">{@code [C, W]}</td></tr>
 * <tr><td>bias</td><td colspan="3">{@code [C]} (options)</td></tr>
 * <tr><td>stateIn, stateOut</td><td colspan="3">{@code [B, C, W - 1]}</td></tr>
 * </table>
 *
 * <p>Any strides {@code >= 0} (Mamba's channel-major {@code [B, C, L]} is a strided view, read in place).
 * Outputs never overlap an input, except that {@link #step} may roll the state in place ({@code stateOut}
 * is {@code stateIn} itself). Errors as for every operator: {@link IllegalArgumentException} naming the
 * argument before any native call, {@link PanamaxException} for what only the library checks (cuSeqlens
 * values). Results are bit-identical for any thread count.
 */
public final class CausalConv1d {
    private CausalConv1d() {}

    /** What the allocating {@link #run(Arena, Tensor, Tensor, CausalConv1dOptions)} returns. */
    public record Result(Tensor out, Tensor state) {}

    /**
     * Runs the convolution on {@link Context#global()}, allocating out (shaped like x) and the final state
     * ({@code [B, C, W - 1]}) in {@code arena}.
     *
     * @param options null means {@link CausalConv1dOptions#defaults()}
     */
    public static Result run(Arena arena, Tensor x, Tensor weight, CausalConv1dOptions options) {
        Checks.requireNonNull(arena, "arena");
        CausalConv1dOptions o = options == null ? CausalConv1dOptions.defaults() : options;
        Conv1dParams.checkInputs(x, weight, o, false, false);
        long batch = o.varlen() ? o.cuSeqlens().shape(0) - 1 : x.shape(0);
        Tensor out = Tensor.allocate(arena, DType.F32, x.shape());
        Tensor state = Tensor.allocate(arena, DType.F32, batch, weight.shape(0), weight.shape(1) - 1);
        run(Context.global(), x, weight, o, out, state);
        return new Result(out, state);
    }

    /**
     * Runs the convolution into {@code out} (and {@code stateOut}, when not null).
     *
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws IllegalStateException    when {@code ctx} is closed
     * @throws PanamaxException         when the library refuses the call
     */
    public static void run(Context ctx, Tensor x, Tensor weight, CausalConv1dOptions options, Tensor out,
                           Tensor stateOut) {
        Conv1dParams.run(Conv1dParams.full(), ctx, x, weight, options, out, stateOut);
    }

    /**
     * One decoding step: x and out {@code [B, C]}; the state goes from {@code options.stateIn()} (zeros when
     * null) to {@code stateOut}, rolled by one token; {@code stateOut} may be {@code stateIn} itself.
     */
    public static void step(Context ctx, Tensor x, Tensor weight, CausalConv1dOptions options, Tensor out,
                            Tensor stateOut) {
        Conv1dParams.run(Conv1dParams.step(), ctx, x, weight, options, out, stateOut);
    }

    /** The float64 reference (one thread; every tensor F32 or F64). For tests. */
    public static void runReference(Context ctx, Tensor x, Tensor weight, CausalConv1dOptions options, Tensor out,
                                    Tensor stateOut) {
        Conv1dParams.run(Conv1dParams.reference(), ctx, x, weight, options, out, stateOut);
    }
}
