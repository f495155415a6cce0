package dev.panamax;

/**
 * What {@link Attention#forwardWithLse} returns.
 *
 * @param out the attention output, shaped like q: {@code [B, Nq, H, D]} or {@code [total_q, H, D]}, F32
 * @param lse the log-sum-exp of each score row (natural log): {@code [B, H, Nq]} or {@code [H, total_q]},
 *            F32; {@code -inf} for a row that sees no key
 */
public record AttentionResult(Tensor out, Tensor lse) {}
