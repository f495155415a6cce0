package dev.panamax;

import dev.panamax.internal.Checks;
import dev.panamax.internal.ScanParams;

import java.lang.foreign.Arena;

/**
 * The selective scan of Mamba (S6), fused: per sequence, channel {@code d} and state {@code n},
 * <pre>
 *   dt   = softplus(delta[t, d] + deltaBias[d])      (deltaSoftplus; else delta + deltaBias)
 *   s_t  = exp(dt·A[d, n])·s_{t-1} + dt·B[t, g, n]·u[t, d]
 *   y    = sum_n C[t, g, n]·s_t[n] + D[d]·u[t, d],   out = y·silu(z[t, d])   (when z is given)
 * </pre>
 * with {@code g = d / (Dm / G)} and {@code s_{-1} = stateIn} (0 when null). The state is carried in F32.
 *
 * <table class="striped">
 * <caption>Shapes (F32 unless said)</caption>
 * <tr><th>tensor</th><th>dense</th><th>packed varlen ({@code cuSeqlens})</th><th>{@link #step step}</th></tr>
 * <tr><td>u, delta, z, out</td><td>{@code [B, L, Dm]}</td><td>{@code [total, Dm]}</td><td>{@code [B, Dm]}</td></tr>
 * <tr><td>B, C</td><td>{@code [B, L, G, Ns]}</td><td>{@code [total, G, Ns]}</td><td>{@code [B, G, Ns]}</td></tr>
 * <tr><td>A</td><td colspan="3">{@code [Dm, Ns]}, {@code 1 <= Ns <= 256}; G divides Dm</td></tr>
 * <tr><td>D, deltaBias</td><td colspan="3">{@code [Dm]} (options)</td></tr>
 * <tr><td>stateIn, stateOut</td><td colspan="3">{@code [B, Dm, Ns]} (stateOut: the state after the last token)</td></tr>
 * </table>
 *
 * <p>Any strides {@code >= 0}: Mamba's channel-major {@code [B, Dm, L]} is the strided view with strides
 * {@code (Dm·L, 1, L)}, read in place. Outputs never overlap an input, except that {@link #step} may update
 * the state in place ({@code stateOut} is {@code stateIn} itself: same memory, dtype and strides).
 *
 * <p><b>Errors.</b> What Java can see (null, rank, dtype, shapes, memory, aliasing) throws
 * {@link IllegalArgumentException} naming the argument before any native call; what only the library checks
 * (the cuSeqlens values) throws {@link PanamaxException}. The hot path allocates nothing on the Java heap in
 * steady state; results are bit-identical for any thread count.
 */
public final class SelectiveScan {
    private SelectiveScan() {}

    /** What the allocating {@link #run(Arena, Tensor, Tensor, Tensor, Tensor, Tensor, SelectiveScanOptions)} returns. */
    public record Result(Tensor out, Tensor state) {}

    /**
     * Runs the scan on {@link Context#global()}, allocating out (shaped like u) and the final state
     * ({@code [B, Dm, Ns]}) in {@code arena}.
     *
     * @param options null means {@link SelectiveScanOptions#defaults()}
     */
    public static Result run(Arena arena, Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c,
                             SelectiveScanOptions options) {
        Checks.requireNonNull(arena, "arena");
        SelectiveScanOptions o = options == null ? SelectiveScanOptions.defaults() : options;
        ScanParams.checkInputs(u, delta, a, b, c, o, false, false);
        long batch = o.varlen() ? o.cuSeqlens().shape(0) - 1 : u.shape(0);
        Tensor out = Tensor.allocate(arena, DType.F32, u.shape());
        Tensor state = Tensor.allocate(arena, DType.F32, batch, a.shape(0), a.shape(1));
        run(Context.global(), u, delta, a, b, c, o, out, state);
        return new Result(out, state);
    }

    /**
     * Runs the scan into {@code out} (and {@code stateOut}, when not null).
     *
     * @param options null means {@link SelectiveScanOptions#defaults()}
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws IllegalStateException    when {@code ctx} is closed
     * @throws PanamaxException         when the library refuses the call
     */
    public static void run(Context ctx, Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c,
                           SelectiveScanOptions options, Tensor out, Tensor stateOut) {
        ScanParams.run(ScanParams.scan(), ctx, u, delta, a, b, c, options, out, stateOut);
    }

    /**
     * One decoding step per sequence: u, delta, z, out {@code [B, Dm]}; B, C {@code [B, G, Ns]}; the state
     * goes from {@code options.stateIn()} (0 when null) to {@code stateOut}, which may be the same tensor.
     * No cuSeqlens, chunk 0.
     */
    public static void step(Context ctx, Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c,
                            SelectiveScanOptions options, Tensor out, Tensor stateOut) {
        ScanParams.run(ScanParams.step(), ctx, u, delta, a, b, c, options, out, stateOut);
    }

    /**
     * The float64 reference: the sequential recurrence in double precision on one thread; every tensor may be
     * F32 or F64. For tests.
     */
    public static void runReference(Context ctx, Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c,
                                    SelectiveScanOptions options, Tensor out, Tensor stateOut) {
        ScanParams.run(ScanParams.reference(), ctx, u, delta, a, b, c, options, out, stateOut);
    }
}
