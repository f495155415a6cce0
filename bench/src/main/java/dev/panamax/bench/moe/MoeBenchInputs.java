package dev.panamax.bench.moe;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.ExpertWeights;
import dev.panamax.MoE;
import dev.panamax.MoeActivation;
import dev.panamax.MoeRouterOptions;
import dev.panamax.RouterOutputs;
import dev.panamax.Tensor;
import dev.panamax.bench.sweep.TensorData;

import java.lang.foreign.Arena;

/**
 * The random inputs of one {@link MoeBenchShape} and their routing: x, logits (softmax routing is roughly
 * balanced on uniform logits), the weights (scaled so activations stay O(1)), and the router's outputs with
 * the permutation, computed once outside any timing.
 */
final class MoeBenchInputs {
    final MoeBenchShape shape;
    final Tensor x, logits, out;
    final ExpertWeights weights;
    final MoeRouterOptions options;
    final RouterOutputs routing;
    final Tensor xSorted, ySorted, offsets, rows;

    MoeBenchInputs(Context ctx, MoeBenchShape s, Arena arena, long seed) {
        shape = s;
        long t = s.tokens(), d = s.dmodel(), h = s.hidden(), e = s.experts();
        x = TensorData.uniform(Tensor.allocate(arena, DType.F32, t, d), seed, -1, 1);
        logits = TensorData.uniform(Tensor.allocate(arena, DType.F32, t, e), seed + 1, -2, 2);
        double s1 = 1 / Math.sqrt(d), s2 = 1 / Math.sqrt(h);
        Tensor w1 = TensorData.uniform(Tensor.allocate(arena, DType.F32, e, d, h), seed + 2, -s1, s1);
        Tensor w2 = TensorData.uniform(Tensor.allocate(arena, DType.F32, e, h, d), seed + 3, -s2, s2);
        Tensor w3 = s.gated() ? TensorData.uniform(Tensor.allocate(arena, DType.F32, e, d, h), seed + 4, -s1, s1)
                : null;
        weights = new ExpertWeights(w1, w2, w3, null, null, null);
        options = MoeRouterOptions.builder().topK(s.topK()).renormalize(true).build();
        out = Tensor.allocate(arena, DType.F32, t, d);
        routing = RouterOutputs.allocate(arena, t, s.topK(), e);
        MoE.route(ctx, null, null, logits, options, routing);
        xSorted = Tensor.allocate(arena, DType.F32, s.rows(), d);
        ySorted = Tensor.allocate(arena, DType.F32, s.rows(), d);
        offsets = Tensor.allocate(arena, DType.I32, e + 1);
        rows = Tensor.allocate(arena, DType.I32, t, s.topK());
        MoE.permute(ctx, x, routing.indices(), routing.dropped(), e, xSorted, offsets, rows);
        MoE.experts(ctx, xSorted, offsets, weights, MoeActivation.SILU, ySorted);
    }

    /** Experts that received at least one row. */
    int activeExperts() {
        int n = 0;
        for (long e = 0; e < shape.experts(); e++) {
            if (offsets.segment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, e + 1)
                    > offsets.segment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, e)) {
                n++;
            }
        }
        return n;
    }
}
