package dev.panamax;

import dev.panamax.internal.Checks;
import dev.panamax.internal.LinearAttentionParams.Form;
import dev.panamax.internal.LinearRecurrenceParams;

import java.lang.foreign.Arena;

/**
 * Linear recurrences with update rules (the ones ONNX Runtime's LinearAttention names: Mamba-2-style decay, GLA,
 * DeltaNet, Gated DeltaNet). Per sequence and key/value head g, a state {@code S [Dk, Dv]}
 * ({@code S_{-1} = stateIn}, or 0), for {@code t = 0 .. N-1}, by the {@link LinearRule rule}:
 * <pre>
 *   LINEAR       S_t = S_{t-1} + k_t v_tᵀ
 *   GATED        S_t = g_t ⊙ S_{t-1} + k_t v_tᵀ        (g_t a scalar per head, or [Dk] scaling the rows)
 *   DELTA        S_t = S_{t-1} + β_t k_t (v_t − S_{t-1}ᵀ k_t)ᵀ
 *   GATED_DELTA  S_t = S' + β_t k_t (v_t − S'ᵀ k_t)ᵀ,   S' = g_t S_{t-1}
 * </pre>
 * and for each query head h of group g ({@code g = h / (H / Hkv)}): {@code out[t, h] = S_tᵀ q[t, h]}, after the
 * update. No feature map and no scale: callers scale q. The decay holds g itself (not its log), each in
 * {@code [0, 1]}. A prefill runs the chunked forms (LINEAR and GATED: a masked attention inside a chunk, the
 * state across chunks; DELTA and GATED_DELTA: the WY representation, a unit lower-triangular solve per chunk),
 * which agree with the recurrence to rounding; {@link #step} runs one token.
 *
 * <table class="striped">
 * <caption>Shapes (F32; the reference also F64)</caption>
 * <tr><th>tensor</th><th>{@link #run run}</th><th>{@link #step step}</th><th></th></tr>
 * <tr><td>q</td><td>{@code [B, N, H, Dk]}</td><td>{@code [B, H, Dk]}</td><td></td></tr>
 * <tr><td>k</td><td>{@code [B, N, Hkv, Dk]}</td><td>{@code [B, Hkv, Dk]}</td><td>Hkv divides H</td></tr>
 * <tr><td>v</td><td>{@code [B, N, Hkv, Dv]}</td><td>{@code [B, Hkv, Dv]}</td><td></td></tr>
 * <tr><td>out</td><td>{@code [B, N, H, Dv]}</td><td>{@code [B, H, Dv]}</td><td></td></tr>
 * <tr><td>decay</td><td>{@code [B, N, Hkv]} or {@code [B, N, Hkv, Dk]}</td><td>{@code [B, Hkv]} or
 *     {@code [B, Hkv, Dk]}</td><td>gated rules (per key dim: GATED only)</td></tr>
 * <tr><td>beta</td><td>{@code [B, N, Hkv]}</td><td>{@code [B, Hkv]}</td><td>delta rules</td></tr>
 * <tr><td>stateIn, stateOut</td><td colspan="2">{@code [B, Hkv, Dk, Dv]}</td><td>optional (step: stateOut
 *     required)</td></tr>
 * </table>
 *
 * <p>{@code 1 <= Dk <= }{@link LinearRecurrenceOptions#MAX_KEY_DIM},
 * {@code 1 <= Dv <= }{@link LinearRecurrenceOptions#MAX_HEAD_DIM}; N may be 0. Any strides {@code >= 0}. Outputs
 * never overlap an input or each other, except that {@link #step} may update the state in place
 * ({@code stateOut} is {@code stateIn} itself: same memory, dtype and strides).
 *
 * <p><b>Errors.</b> What Java can see (null, rank, dtype, shapes, limits, a decay or beta the rule does not take
 * or lacks, closed arenas, read-only or overlapping outputs) throws {@link IllegalArgumentException} naming the
 * argument before any native call; what only the library checks (a decay outside {@code [0, 1]}, a non-finite
 * beta: the message names the tensor and the element) throws {@link PanamaxException}. The hot path allocates
 * nothing on the Java heap in steady state when the caller gives the outputs; results do not depend on the
 * thread count.
 */
public final class LinearRecurrence {
    private LinearRecurrence() {}

    /**
     * What the allocating {@link #run(Arena, LinearRule, Tensor, Tensor, Tensor, LinearRecurrenceOptions)} returns.
     *
     * @param out   {@code [B, N, H, Dv]}
     * @param state the state after the last token, {@code [B, Hkv, Dk, Dv]}
     */
    public record Result(Tensor out, Tensor state) {}

    /**
     * Runs the recurrence on {@link Context#global()}, allocating out {@code [B, N, H, Dv]} and the final state
     * {@code [B, Hkv, Dk, Dv]} (F32) in {@code arena}.
     *
     * @param options null means {@link LinearRecurrenceOptions#defaults()}
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws PanamaxException         when the library refuses the call (decay or beta values)
     */
    public static Result run(Arena arena, LinearRule rule, Tensor q, Tensor k, Tensor v,
                             LinearRecurrenceOptions options) {
        Checks.requireNonNull(arena, "arena");
        LinearRecurrenceOptions o = options == null ? LinearRecurrenceOptions.defaults() : options;
        LinearRecurrenceParams.checkInputs(rule, q, k, v, o, false, false);
        Tensor out = Tensor.allocate(arena, DType.F32, q.shape(0), q.shape(1), q.shape(2), v.shape(3));
        Tensor state = Tensor.allocate(arena, DType.F32, q.shape(0), k.shape(2), q.shape(3), v.shape(3));
        run(Context.global(), rule, q, k, v, o, out, state);
        return new Result(out, state);
    }

    /**
     * Runs the recurrence into {@code out} (and {@code stateOut}, when not null).
     *
     * @param options  null means {@link LinearRecurrenceOptions#defaults()}
     * @param out      {@code [B, N, H, Dv]}, written
     * @param stateOut {@code [B, Hkv, Dk, Dv]}: the state after the last token, or null
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws IllegalStateException    when {@code ctx} is closed
     * @throws PanamaxException         when the library refuses the call (decay or beta values)
     */
    public static void run(Context ctx, LinearRule rule, Tensor q, Tensor k, Tensor v,
                           LinearRecurrenceOptions options, Tensor out, Tensor stateOut) {
        LinearRecurrenceParams.run(Form.RUN, ctx, rule, q, k, v, options, out, stateOut);
    }

    /**
     * One decoding step per sequence: q {@code [B, H, Dk]}, k {@code [B, Hkv, Dk]}, v {@code [B, Hkv, Dv]},
     * decay {@code [B, Hkv]} or {@code [B, Hkv, Dk]}, beta {@code [B, Hkv]}, out {@code [B, H, Dv]}; the state
     * goes from {@code options.stateIn()} (0 when null) to {@code stateOut}. The chunk must be 0.
     *
     * @param stateOut {@code [B, Hkv, Dk, Dv]}, required; may be {@code options.stateIn()} itself (in place)
     * @throws IllegalArgumentException naming the argument, before any native call
     * @throws PanamaxException         when the library refuses the call (decay or beta values)
     */
    public static void step(Context ctx, LinearRule rule, Tensor q, Tensor k, Tensor v,
                            LinearRecurrenceOptions options, Tensor out, Tensor stateOut) {
        LinearRecurrenceParams.run(Form.STEP, ctx, rule, q, k, v, options, out, stateOut);
    }

    /**
     * The float64 reference: the recurrence token by token, in double precision; every tensor may be F32 or F64.
     * For tests. Same arguments as {@link #run(Context, LinearRule, Tensor, Tensor, Tensor,
     * LinearRecurrenceOptions, Tensor, Tensor) run}.
     */
    public static void runReference(Context ctx, LinearRule rule, Tensor q, Tensor k, Tensor v,
                                    LinearRecurrenceOptions options, Tensor out, Tensor stateOut) {
        LinearRecurrenceParams.run(Form.REFERENCE, ctx, rule, q, k, v, options, out, stateOut);
    }
}
