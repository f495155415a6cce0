package dev.panamax.bench.moe;

import dev.panamax.Context;
import dev.panamax.MoE;
import dev.panamax.Panamax;
import dev.panamax.bench.sweep.Candidate;
import dev.panamax.bench.sweep.CopyRate;
import dev.panamax.bench.sweep.OpSweep;
import dev.panamax.bench.sweep.Trial;
import dev.panamax.bench.sweep.WorkUnit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;

/**
 * The MoE layer's data movement: router (softmax, top k on given logits), permute and combine, called as
 * stages, rated in GB/s of the bytes they must move against a multi-threaded copy of as many bytes in the same
 * rounds. The expert outputs the combine reads are computed once outside the timing.
 */
public record MoeRoutingSweep(Context ctx, List<Integer> tokens, int dmodel, int hidden, int experts, int topK,
                              long seed) implements OpSweep<MoeBenchShape> {

    public MoeRoutingSweep {
        tokens = List.copyOf(tokens);
        if (tokens.isEmpty()) throw new IllegalArgumentException("--tokens: give at least one token count");
        for (int t : tokens) new MoeBenchShape(t, dmodel, hidden, experts, topK, false);
    }

    @Override
    public String title() {
        return String.format(Locale.ROOT, "MoE routing (router + permute + combine): d=%d E=%d k=%d, float32, "
                + "%d thread(s), ISA %s", dmodel, experts, topK, ctx.numThreads(), Panamax.cpuIsa().name());
    }

    @Override
    public String plotTitle() {
        return String.format(Locale.ROOT, "MoE routing d=%d E=%d k=%d", dmodel, experts, topK);
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
        return List.of("tokens", "dmodel", "experts", "top_k");
    }

    @Override
    public WorkUnit workUnit() {
        return WorkUnit.BYTE;
    }

    @Override
    public List<String> baselineNames() {
        return List.of("copy");
    }

    @Override
    public List<String> peerNames() {
        return List.of();
    }

    @Override
    public String legend() {
        return "GB/s counts the bytes the three stages must move: logits read, indices, weights and the dropped mask\n"
                + "written (router); x read, x_sorted, offsets and rows written (permute); y_sorted, rows and weights\n"
                + "read, out written (combine). copy: as many bytes (read + written) as one multi-threaded copy.\n";
    }

    @Override
    public List<MoeBenchShape> shapes() {
        return tokens.stream().map(t -> new MoeBenchShape(t, dmodel, hidden, experts, topK, false)).toList();
    }

    @Override
    public long size(MoeBenchShape s) {
        return s.tokens();
    }

    @Override
    public List<String> shapeValues(MoeBenchShape s) {
        return List.of(Integer.toString(s.tokens()), Integer.toString(s.dmodel()), Integer.toString(s.experts()),
                Integer.toString(s.topK()));
    }

    /** The bytes the router, permute and combine must move. */
    static long bytes(MoeBenchShape s) {
        long t = s.tokens(), e = s.experts(), k = s.topK(), d = s.dmodel(), r = s.rows();
        long router = 4 * t * e + 8 * t * k + t * k;
        long permute = 4 * t * d + 4 * r * d + 4 * (e + 1) + 4 * t * k + t * k + 4 * t * k;
        long combine = 4 * r * d + 4 * t * d + 8 * t * k;
        return router + permute + combine;
    }

    @Override
    public double work(MoeBenchShape s) {
        return bytes(s);
    }

    @Override
    public Trial prepare(MoeBenchShape s, Arena arena) {
        // Small hidden width: the experts only make y_sorted, once.
        MoeBenchInputs in = new MoeBenchInputs(ctx, new MoeBenchShape(s.tokens(), s.dmodel(), Math.min(s.hidden(), 64),
                s.experts(), s.topK(), false), arena, seed);
        return new Trial() {
            @Override
            public Candidate fused() {
                return Candidate.of(() -> {
                    MoE.route(ctx, null, null, in.logits, in.options, in.routing);
                    MoE.permute(ctx, in.x, in.routing.indices(), in.routing.dropped(), s.experts(), in.xSorted,
                            in.offsets, in.rows);
                    MoE.combine(ctx, in.ySorted, in.rows, in.routing.weights(), in.out);
                }, 0);
            }

            @Override
            public Candidate baseline(int index) {
                if (index != 0) throw new IndexOutOfBoundsException("MoE routing has 1 baseline, got " + index);
                long half = (bytes(s) / 2 + 63) & ~63L;
                MemorySegment src = arena.allocate(half, 64), dst = arena.allocate(half, 64);
                src.fill((byte) 1);
                CopyRate.Copier copier = new CopyRate.Copier(ctx.numThreads());
                return new Candidate(() -> copier.copy(src, dst), 2 * half, null, copier, null, Double.NaN);
            }

            @Override
            public Candidate peer(int index) {
                throw new IndexOutOfBoundsException("MoE routing has no peers");
            }
        };
    }
}
