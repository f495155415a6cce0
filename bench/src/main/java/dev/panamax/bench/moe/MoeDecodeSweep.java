package dev.panamax.bench.moe;

import dev.panamax.Context;
import dev.panamax.MoE;
import dev.panamax.MoeActivation;
import dev.panamax.Panamax;
import dev.panamax.baseline.Baselines;
import dev.panamax.bench.sweep.Candidate;
import dev.panamax.bench.sweep.OpSweep;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.bench.sweep.Trial;
import dev.panamax.bench.sweep.WorkUnit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;

/**
 * MoE decode steps (a few tokens): the whole layer, rated in GB/s of the expert weights it must read (those of
 * the experts the routing picks, each once) against a multi-threaded read of as many bytes in the same rounds.
 */
public record MoeDecodeSweep(Context ctx, List<Integer> tokens, int dmodel, int hidden, int experts, int topK,
                             boolean gated, long seed) implements OpSweep<MoeBenchShape> {

    public MoeDecodeSweep {
        tokens = List.copyOf(tokens);
        if (tokens.isEmpty()) throw new IllegalArgumentException("--tokens: give at least one token count");
        for (int t : tokens) new MoeBenchShape(t, dmodel, hidden, experts, topK, gated);
    }

    @Override
    public String title() {
        return String.format(Locale.ROOT, "MoE decode: d=%d h=%d E=%d k=%d %s SiLU, float32, %d thread(s), ISA %s",
                dmodel, hidden, experts, topK, gated ? "gated (W3)" : "ungated", ctx.numThreads(),
                Panamax.cpuIsa().name());
    }

    @Override
    public String plotTitle() {
        return String.format(Locale.ROOT, "MoE decode d=%d h=%d E=%d k=%d", dmodel, hidden, experts, topK);
    }

    @Override
    public String sizeName() {
        return "T";
    }

    @Override
    public String sizeDescription() {
        return "tokens T";
    }

    @Override
    public List<String> shapeColumns() {
        return List.of("tokens", "dmodel", "hidden", "experts", "top_k", "gated", "active_experts");
    }

    @Override
    public WorkUnit workUnit() {
        return WorkUnit.BYTE;
    }

    @Override
    public List<String> baselineNames() {
        return List.of("read");
    }

    @Override
    public List<String> peerNames() {
        return List.of();
    }

    @Override
    public String legend() {
        return "GB/s counts the weights of the experts the routing picks (each read once: W1, W2 and W3 when gated).\n"
                + "fused: the whole layer on given logits, caller workspace. read: as many bytes summed by the\n"
                + "context's threads (pmx_bench_read), the in-run read-bandwidth ceiling.\n";
    }

    @Override
    public List<MoeBenchShape> shapes() {
        return tokens.stream().map(t -> new MoeBenchShape(t, dmodel, hidden, experts, topK, gated)).toList();
    }

    @Override
    public long size(MoeBenchShape s) {
        return s.tokens();
    }

    /** Active experts per shape, known once its inputs are made (the same seed makes the same routing). */
    private static final java.util.Map<MoeBenchShape, Integer> ACTIVE = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public List<String> shapeValues(MoeBenchShape s) {
        return List.of(Integer.toString(s.tokens()), Integer.toString(s.dmodel()), Integer.toString(s.hidden()),
                Integer.toString(s.experts()), Integer.toString(s.topK()), Boolean.toString(s.gated()),
                Integer.toString(ACTIVE.getOrDefault(s, -1)));
    }

    @Override
    public double work(MoeBenchShape s) {
        Integer active = ACTIVE.get(s);
        if (active == null) throw new IllegalStateException("work: shape " + s + " not prepared yet");
        return (double) active * s.expertBytes();
    }

    @Override
    public Trial prepare(MoeBenchShape s, Arena arena) {
        MoeBenchInputs in = new MoeBenchInputs(ctx, s, arena, seed);
        int active = in.activeExperts();
        ACTIVE.put(s, active);
        long bytes = MoE.workspaceBytes(ctx, in.x, null, in.logits, in.options, in.weights, MoeActivation.SILU,
                in.out);
        MemorySegment workspace = arena.allocate(Math.max(bytes, 64), 64);
        return new Trial() {
            @Override
            public Candidate fused() {
                return Candidate.of(() -> MoE.forward(ctx, in.x, null, in.logits, in.options, in.weights,
                        MoeActivation.SILU, in.out, null, workspace), bytes + TensorData.byteSize(in.out));
            }

            @Override
            public Candidate baseline(int index) {
                if (index != 0) throw new IndexOutOfBoundsException("MoE decode has 1 baseline, got " + index);
                MemorySegment data = arena.allocate((long) active * s.expertBytes(), 64);
                data.fill((byte) 0);
                return Candidate.of(() -> Baselines.read(ctx, data), data.byteSize());
            }

            @Override
            public Candidate peer(int index) {
                throw new IndexOutOfBoundsException("MoE decode has no peers");
            }
        };
    }
}
