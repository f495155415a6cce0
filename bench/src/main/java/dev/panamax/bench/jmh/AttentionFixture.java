package dev.panamax.bench.jmh;

import dev.panamax.baseline.Baselines;
import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.Tensor;
import dev.panamax.bench.attention.TensorData;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Inputs, caller-provided outputs and workspace for one attention shape,
 * allocated once per trial so the measured calls allocate nothing
 * ({@code -prof gc} shows ~0 B/op).
 */
final class AttentionFixture implements AutoCloseable {
    final Arena arena = Arena.ofShared();
    final Context ctx;
    final Tensor q;
    final Tensor k;
    final Tensor v;
    final Tensor out;
    final AttentionOptions options;
    final MemorySegment workspace;

    AttentionFixture(int threads, int batch, int seqLen, int heads, int kvHeads, int headDim, boolean causal) {
        ctx = Context.create(threads);
        q = TensorData.uniform(Tensor.allocate(arena, DType.F32, batch, seqLen, heads, headDim), 1);
        k = TensorData.uniform(Tensor.allocate(arena, DType.F32, batch, seqLen, kvHeads, headDim), 2);
        v = TensorData.uniform(Tensor.allocate(arena, DType.F32, batch, seqLen, kvHeads, headDim), 3);
        out = Tensor.allocate(arena, DType.F32, batch, seqLen, heads, headDim);
        options = AttentionOptions.builder().causal(causal).build();
        workspace = arena.allocate(Attention.workspaceBytes(ctx, q, k, v, options), 64);
    }

    void fused() {
        Attention.forward(ctx, q, k, v, options, out, null, workspace);
    }

    void naive() {
        Baselines.attentionUnfused(ctx, q, k, v, options, out, null);
    }

    @Override
    public void close() {
        ctx.close();
        arena.close();
    }
}
