package dev.panamax;

import dev.panamax.internal.Checks;
import dev.panamax.internal.LinearAttentionParams;
import dev.panamax.internal.LinearAttentionParams.Form;

import java.lang.foreign.Arena;

/**
 * Kernel linear attention: per sequence, query head {@code h} and its key/value head {@code g = h / (H / Hkv)},
 * with a {@link FeatureMap feature map} φ applied to each query and key row (F features per row),
 * <pre>
 *   S     = stateIn + Σ_j φ(k_j) v_jᵀ      [F, Dv]
 *   Z     = normIn  + Σ_j φ(k_j)           [F]
 *   out_i = φ(q_i)ᵀ S / (φ(q_i)ᵀ Z + eps)   (normalize)
 *   out_i = φ(q_i)ᵀ S                       (normalize off: the form ONNX Runtime and FLA use)
 * </pre>
 * Non-causal sums run over every key of the sequence, causal ones over {@code j <= i}: in chunks of
 * {@link LinearAttentionOptions#chunk()} tokens (a masked small attention inside a chunk, the running S and Z
 * across chunks), never token by token, so the cost is linear in N. The chunk changes results only by rounding.
 * {@code stateOut} and {@code normOut} receive S and Z after the last token: a prefill's state, which
 * {@link #step} continues one token at a time, {@code O(F·Dv)} per token and head whatever the position.
 *
 * <p>F is Dk, except for {@link FeatureMap#FAVOR} (FAVOR+ random features, {@code F = m} the rows of the
 * options' random matrix, drawn by {@link #favorRandomMatrix(Arena, long, long, long)}). FAVOR is computed
 * stabilised (the query rows and keys scaled by factors that cancel); states and norms always hold the true
 * sums.
 *
 * <table class="striped">
 * <caption>Shapes (F32; the reference also F64)</caption>
 * <tr><th>tensor</th><th>{@link #run run}</th><th>{@link #step step}</th></tr>
 * <tr><td>q</td><td>{@code [B, N, H, Dk]}</td><td>{@code [B, H, Dk]}</td></tr>
 * <tr><td>k</td><td>{@code [B, N, Hkv, Dk]}</td><td>{@code [B, Hkv, Dk]}</td></tr>
 * <tr><td>v</td><td>{@code [B, N, Hkv, Dv]}</td><td>{@code [B, Hkv, Dv]}</td></tr>
 * <tr><td>out</td><td>{@code [B, N, H, Dv]}</td><td>{@code [B, H, Dv]}</td></tr>
 * <tr><td>randomMatrix</td><td colspan="2">{@code [m, Dk]}, FAVOR only</td></tr>
 * <tr><td>stateIn, stateOut</td><td colspan="2">{@code [B, Hkv, F, Dv]}</td></tr>
 * <tr><td>normIn, normOut</td><td colspan="2">{@code [B, Hkv, F]}</td></tr>
 * </table>
 *
 * <p>Hkv divides H (grouped-query attention); {@code 1 <= Dk, F <= }{@link LinearAttentionOptions#MAX_FEATURES},
 * {@code 1 <= Dv <= }{@link LinearAttentionOptions#MAX_HEAD_DIM}; N may be 0 (then out is empty and the states
 * pass through). Any strides {@code >= 0}. Outputs never overlap an input or each other, except that
 * {@link #step} may update the state and norm in place ({@code stateOut} is {@code stateIn} itself: same memory,
 * dtype and strides; likewise {@code normOut} and {@code normIn}).
 *
 * <p><b>Errors.</b> What Java can see (null, rank, dtype, shapes, limits, closed arenas, read-only or overlapping
 * outputs) throws {@link IllegalArgumentException} naming the argument before any native call; what only the
 * library checks throws {@link PanamaxException}. The hot path allocates nothing on the Java heap in steady state
 * when the caller gives the outputs; results do not depend on the thread count.
 */
public final class LinearAttention {
    private LinearAttention() {}

    /**
     * What the allocating {@link #run(Arena, Tensor, Tensor, Tensor, LinearAttentionOptions)} returns.
     *
     * @param out   {@code [B, N, H, Dv]}
     * @param state S after the last token, {@code [B, Hkv, F, Dv]}
     * @param norm  Z after the last token, {@code [B, Hkv, F]}
     */
    public record Result(Tensor out, Tensor state, Tensor norm) {}

    /**
     * Runs linear attention on {@link Context#global()}, allocating out {@code [B, N, H, Dv]}, the final state
     * {@code [B, Hkv, F, Dv]} and the final norm {@code [B, Hkv, F]} (F32) in {@code arena}.
     *
     * @param options null means {@link LinearAttentionOptions#defaults()}
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws PanamaxException         when the library refuses the call
     */
    public static Result run(Arena arena, Tensor q, Tensor k, Tensor v, LinearAttentionOptions options) {
        Checks.requireNonNull(arena, "arena");
        LinearAttentionOptions o = options == null ? LinearAttentionOptions.defaults() : options;
        LinearAttentionParams.checkInputs(q, k, v, o, false, false);
        long f = LinearAttentionParams.features(q, o, false);
        Tensor out = Tensor.allocate(arena, DType.F32, q.shape(0), q.shape(1), q.shape(2), v.shape(3));
        Tensor state = Tensor.allocate(arena, DType.F32, q.shape(0), k.shape(2), f, v.shape(3));
        Tensor norm = Tensor.allocate(arena, DType.F32, q.shape(0), k.shape(2), f);
        run(Context.global(), q, k, v, o, out, state, norm);
        return new Result(out, state, norm);
    }

    /**
     * Runs linear attention into {@code out} (and {@code stateOut}, {@code normOut}, when not null).
     *
     * @param options  null means {@link LinearAttentionOptions#defaults()}
     * @param out      {@code [B, N, H, Dv]}, written
     * @param stateOut {@code [B, Hkv, F, Dv]}: S after the last token, or null
     * @param normOut  {@code [B, Hkv, F]}: Z after the last token, or null
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws IllegalStateException    when {@code ctx} is closed
     * @throws PanamaxException         when the library refuses the call
     */
    public static void run(Context ctx, Tensor q, Tensor k, Tensor v, LinearAttentionOptions options, Tensor out,
                           Tensor stateOut, Tensor normOut) {
        LinearAttentionParams.run(Form.RUN, ctx, q, k, v, options, out, stateOut, normOut);
    }

    /**
     * One decoding step per sequence: q {@code [B, H, Dk]}, k {@code [B, Hkv, Dk]}, v {@code [B, Hkv, Dv]}, out
     * {@code [B, H, Dv]}. {@code S += φ(k)vᵀ}, {@code Z += φ(k)} from {@code options.stateIn()} and
     * {@code normIn()} (0 when null), then {@code out = φ(q)ᵀS [/ (φ(q)ᵀZ + eps)]}. Causal whatever
     * {@link LinearAttentionOptions#causal()} says; the chunk must be 0.
     *
     * @param stateOut {@code [B, Hkv, F, Dv]}, required; may be {@code options.stateIn()} itself (in place)
     * @param normOut  {@code [B, Hkv, F]}, required when normalising (else may be null); may be
     *                 {@code options.normIn()} itself (in place)
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws PanamaxException         when the library refuses the call
     */
    public static void step(Context ctx, Tensor q, Tensor k, Tensor v, LinearAttentionOptions options, Tensor out,
                            Tensor stateOut, Tensor normOut) {
        LinearAttentionParams.run(Form.STEP, ctx, q, k, v, options, out, stateOut, normOut);
    }

    /**
     * The float64 reference: the sums token by token, in double precision; every tensor may be F32 or F64. For
     * tests. Same arguments as {@link #run(Context, Tensor, Tensor, Tensor, LinearAttentionOptions, Tensor,
     * Tensor, Tensor) run}.
     */
    public static void runReference(Context ctx, Tensor q, Tensor k, Tensor v, LinearAttentionOptions options,
                                    Tensor out, Tensor stateOut, Tensor normOut) {
        LinearAttentionParams.run(Form.REFERENCE, ctx, q, k, v, options, out, stateOut, normOut);
    }

    /**
     * Draws a FAVOR+ random matrix {@code [m, dk]} (F32) in {@code arena}, on {@link Context#global()}: see
     * {@link #favorRandomMatrix(Context, long, Tensor)}.
     *
     * @param m    the feature count F, 1 .. {@link LinearAttentionOptions#MAX_FEATURES}
     * @param dk   the key dim, 1 .. {@link LinearAttentionOptions#MAX_FEATURES}
     * @param seed read as unsigned 64 bits
     * @throws IllegalArgumentException naming m or dk when out of range
     */
    public static Tensor favorRandomMatrix(Arena arena, long m, long dk, long seed) {
        Checks.requireNonNull(arena, "arena");
        long max = LinearAttentionOptions.MAX_FEATURES;
        if (m < 1 || m > max) throw new IllegalArgumentException("m: must be in 1.." + max + ", got " + m);
        if (dk < 1 || dk > max) throw new IllegalArgumentException("dk: must be in 1.." + max + ", got " + dk);
        Tensor out = Tensor.allocate(arena, DType.F32, m, dk);
        favorRandomMatrix(Context.global(), seed, out);
        return out;
    }

    /**
     * FAVOR+ orthogonal random features into {@code out} {@code [m, Dk]} (F32 or F64): {@code ceil(m / Dk)}
     * blocks of Dk orthonormal rows (Gram-Schmidt, in float64, of a Gaussian {@code Dk x Dk} matrix; the last
     * block keeps its first {@code m mod Dk} rows), each row then scaled by the norm of an independent standard
     * Gaussian Dk-vector. The Gaussians come from a counter-based generator of {@code (seed, index)}: the same
     * matrix for the same seed on any machine and thread count.
     *
     * @param seed read as unsigned 64 bits
     * @param out  {@code [m, Dk]}, {@code 1 <= m, Dk <= }{@link LinearAttentionOptions#MAX_FEATURES}, written
     * @throws IllegalArgumentException naming the argument, before any native call
     */
    public static void favorRandomMatrix(Context ctx, long seed, Tensor out) {
        LinearAttentionParams.favorRandomMatrix(ctx, seed, out);
    }
}
