package dev.panamax;

import dev.panamax.internal.Checks;
import dev.panamax.internal.RopeChecks;
import dev.panamax.internal.RopeParams;

import java.lang.foreign.Arena;

/**
 * Rotary position embedding on its own: {@code out = rope(x)} (see {@link RopeConfig} for the math, the
 * styles and the scalings).
 *
 * <table class="striped">
 * <caption>Shapes</caption>
 * <tr><th>tensor</th><th>shape</th></tr>
 * <tr><td>x, out</td><td>{@code [B, N, H, D]} or {@code [N, H, D]}, F32 (the reference also F64)</td></tr>
 * <tr><td>positions (optional)</td><td>I32 {@code [B, N]} or {@code [N]} (rank-3 x: {@code [N]} only)</td></tr>
 * </table>
 *
 * <p>Row {@code (b, n)} has position {@code positions[b, n]} (or {@code positions[n]}) plus the config's
 * offset, or {@code n} plus the offset when positions is null. Every head of a row gets the same rotation;
 * features from the rotary dim to D are copied unchanged. Any strides {@code >= 0}; empty tensors are fine.
 *
 * <p><b>In place.</b> {@code out} may be {@code x} itself (same memory, dtype and strides); any other
 * overlap between out and x or positions throws {@link IllegalArgumentException}, as do a read-only out and
 * out strides that write an element twice.
 *
 * <p><b>Errors.</b> What Java can see (null, rank, dtype, shapes, the rotary dim against D, memory, aliasing)
 * throws {@link IllegalArgumentException} naming the argument before any native call; what only the library
 * checks (a base theta so small that a frequency overflows) throws {@link PanamaxException}. The
 * {@link #apply(Context, Tensor, Tensor, RopeConfig, Tensor) hot path} allocates nothing on the Java heap in
 * steady state; results are bit-identical for any thread count.
 */
public final class Rope {
    private Rope() {}

    /**
     * Applies RoPE on {@link Context#global()}, allocating the output in {@code arena}.
     *
     * @param positions null: row n has position n (plus the offset)
     * @return out, shaped like x, F32, contiguous
     */
    public static Tensor apply(Arena arena, Tensor x, Tensor positions, RopeConfig config) {
        Checks.requireNonNull(arena, "arena");
        RopeChecks.check(x, positions, config, x, false);   // x stands in for out: in place always passes
        Tensor out = Tensor.allocate(arena, DType.F32, x.shape());
        apply(Context.global(), x, positions, config, out);
        return out;
    }

    /**
     * Applies RoPE into {@code out} (which may be {@code x}: in place).
     *
     * @param ctx       the context (thread count, error message)
     * @param x         {@code [B, N, H, D]} or {@code [N, H, D]}, F32
     * @param positions null, or I32 {@code [B, N]} or {@code [N]}
     * @param config    the settings
     * @param out       written: shaped like x, F32, any strides; or x itself
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws IllegalStateException    when {@code ctx} is closed
     * @throws PanamaxException         when the library refuses the call
     */
    public static void apply(Context ctx, Tensor x, Tensor positions, RopeConfig config, Tensor out) {
        RopeParams.run(RopeParams.fused(), ctx, x, positions, config, out);
    }

    /**
     * The float64 reference: the same contract, computed in double precision (the C library's cos and sin of
     * the float64 angle) on one thread; x and out may each be F32 or F64. For tests.
     */
    public static void applyReference(Context ctx, Tensor x, Tensor positions, RopeConfig config, Tensor out) {
        RopeParams.run(RopeParams.reference(), ctx, x, positions, config, out);
    }
}
