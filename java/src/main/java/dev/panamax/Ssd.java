package dev.panamax;

import dev.panamax.internal.Checks;
import dev.panamax.internal.SsdParams;

import java.lang.foreign.Arena;

/**
 * The state-space dual of Mamba-2 (SSD), by the chunked algorithm: per sequence and head {@code h}, with
 * {@code s} a {@code [P, N]} state,
 * <pre>
 *   dt'  = softplus(dt[t, h] + dtBias[h])      (dtSoftplus; else dt + dtBias)
 *   s_t  = exp(dt'·A[h])·s_{t-1} + dt'·x[t, h, :] ⊗ B[t, g, :]
 *   y    = s_t·C[t, g, :] + D[h]·x[t, h, :]
 * </pre>
 * with {@code g = h / (H / G)} and {@code s_{-1} = stateIn} (0 when null). Within a chunk of
 * {@link SsdOptions#chunk()} tokens the outputs are matrix products; across chunks the state is passed on. An
 * exact rearrangement of the recurrence: results agree with it to rounding.
 *
 * <table class="striped">
 * <caption>Shapes (F32 unless said)</caption>
 * <tr><th>tensor</th><th>dense</th><th>packed varlen ({@code cuSeqlens})</th><th>{@link #step step}</th></tr>
 * <tr><td>x, out</td><td>{@code [B, L, H, P]}</td><td>{@code [total, H, P]}</td><td>{@code [B, H, P]}</td></tr>
 * <tr><td>dt</td><td>{@code [B, L, H]}</td><td>{@code [total, H]}</td><td>{@code [B, H]}</td></tr>
 * <tr><td>B, C</td><td>{@code [B, L, G, N]}</td><td>{@code [total, G, N]}</td><td>{@code [B, G, N]}</td></tr>
 * <tr><td>A</td><td colspan="3">{@code [H]} (one scalar per head); G divides H; {@code N <= 1024},
 * {@code P <= 1024}</td></tr>
 * <tr><td>D, dtBias</td><td colspan="3">{@code [H]} (options)</td></tr>
 * <tr><td>stateIn, stateOut</td><td colspan="3">{@code [B, H, P, N]} (stateOut: the state after the last
 *     token)</td></tr>
 * </table>
 *
 * <p>Any strides {@code >= 0} (a head-major {@code [B, H, P, L]} buffer is read in place as a strided view).
 * Outputs never overlap an input, except that {@link #step} may update the state in place ({@code stateOut}
 * is {@code stateIn} itself: same memory, dtype and strides).
 *
 * <p><b>Errors.</b> What Java can see (null, rank, dtype, shapes, memory, aliasing) throws
 * {@link IllegalArgumentException} naming the argument before any native call; what only the library checks
 * (the cuSeqlens values) throws {@link PanamaxException}. The hot path allocates nothing on the Java heap in
 * steady state; results are bit-identical for any thread count.
 */
public final class Ssd {
    private Ssd() {}

    /** What the allocating {@link #run(Arena, Tensor, Tensor, Tensor, Tensor, Tensor, SsdOptions)} returns. */
    public record Result(Tensor out, Tensor state) {}

    /**
     * Runs the SSD on {@link Context#global()}, allocating out (shaped like x) and the final state
     * ({@code [B, H, P, N]}) in {@code arena}.
     *
     * @param options null means {@link SsdOptions#defaults()}
     */
    public static Result run(Arena arena, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, SsdOptions options) {
        Checks.requireNonNull(arena, "arena");
        SsdOptions o = options == null ? SsdOptions.defaults() : options;
        SsdParams.checkInputs(x, dt, a, b, c, o, false, false);
        int lead = o.varlen() ? 1 : 2;
        long batch = o.varlen() ? o.cuSeqlens().shape(0) - 1 : x.shape(0);
        Tensor out = Tensor.allocate(arena, DType.F32, x.shape());
        Tensor state = Tensor.allocate(arena, DType.F32, batch, x.shape(lead), x.shape(lead + 1),
                b.shape(lead + 1));
        run(Context.global(), x, dt, a, b, c, o, out, state);
        return new Result(out, state);
    }

    /**
     * Runs the SSD into {@code out} (and {@code stateOut}, when not null).
     *
     * @param options null means {@link SsdOptions#defaults()}
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws IllegalStateException    when {@code ctx} is closed
     * @throws PanamaxException         when the library refuses the call
     */
    public static void run(Context ctx, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, SsdOptions options,
                           Tensor out, Tensor stateOut) {
        SsdParams.run(SsdParams.ssd(), ctx, x, dt, a, b, c, options, out, stateOut);
    }

    /**
     * One decoding step per sequence: x, out {@code [B, H, P]}; dt {@code [B, H]}; B, C {@code [B, G, N]};
     * the state goes from {@code options.stateIn()} (0 when null) to {@code stateOut}, which may be the same
     * tensor. No cuSeqlens, chunk 0.
     */
    public static void step(Context ctx, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, SsdOptions options,
                            Tensor out, Tensor stateOut) {
        SsdParams.run(SsdParams.step(), ctx, x, dt, a, b, c, options, out, stateOut);
    }

    /**
     * The float64 reference: the sequential recurrence (never chunked) in double precision on one thread;
     * every tensor may be F32 or F64. For tests.
     */
    public static void runReference(Context ctx, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c,
                                    SsdOptions options, Tensor out, Tensor stateOut) {
        SsdParams.run(SsdParams.reference(), ctx, x, dt, a, b, c, options, out, stateOut);
    }
}
