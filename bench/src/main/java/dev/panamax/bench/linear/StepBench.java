package dev.panamax.bench.linear;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.LinearAttention;
import dev.panamax.LinearAttentionOptions;
import dev.panamax.Panamax;
import dev.panamax.Tensor;
import dev.panamax.bench.report.Units;
import dev.panamax.bench.sweep.Repeats;
import dev.panamax.bench.sweep.SweepArgs;
import dev.panamax.bench.sweep.TensorData;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code bench linear --mode step}: the recurrent decoding step ({@link LinearAttention#step}, in place, Java call
 * included) at given positions. The state at position p is made by a prefill of p random tokens (non-causal
 * {@code LinearAttention.run} in segments of at most {@value #PREFILL_SEGMENT} tokens, the state carried), outside
 * the timing; each timed run then starts from that state again and makes {@code steps} calls on one token
 * per sequence and head, so the position stays p to within {@code steps}.
 */
public final class StepBench {
    /** The longest prefill call: bounds the prefill's memory at any position. */
    static final int PREFILL_SEGMENT = 65536;

    private final Context ctx;
    private final LinearDims dims;
    private final List<FeatureSpec> features;
    private final List<Integer> positions;
    private final int steps;
    private final Repeats repeats;
    private final long seed;
    private final Consumer<String> progress;

    public StepBench(Context ctx, LinearDims dims, List<FeatureSpec> features, List<Integer> positions, int steps,
                     Repeats repeats, long seed, Consumer<String> progress) {
        this.ctx = ctx;
        this.dims = dims;
        this.features = List.copyOf(features);
        this.positions = List.copyOf(positions);
        this.steps = steps;
        this.repeats = repeats;
        this.seed = seed;
        this.progress = progress;
        if (this.features.isEmpty()) throw new IllegalArgumentException("--features: give at least one");
        if (this.positions.isEmpty()) throw new IllegalArgumentException("--n: give at least one position");
        for (int p : this.positions) {
            if (p < 0) throw new IllegalArgumentException("--n: positions must be >= 0, got " + p);
        }
        SweepArgs.positive("--steps", steps);
    }

    public String title() {
        return String.format(Locale.ROOT, "Linear attention decoding step (in place): %s, normalised, float32, "
                + "%d thread(s), ISA %s", dims.describe(), ctx.numThreads(), Panamax.cpuIsa().name());
    }

    public LinearReport run() {
        LinearReport report = new LinearReport(title(),
                List.of("features", "position", "F", "us/call", "us/token·head", "calls timed"),
                List.of("feature_map", "position", "batch", "heads", "dk", "dv", "features", "threads", "steps",
                        "us_per_call", "us_per_token_head"));
        int total = features.size() * positions.size(), i = 0;
        for (FeatureSpec f : features) {
            for (int p : positions) {
                String where = "[" + (++i) + "/" + total + "] " + f.name() + " position " + p;
                progress.accept(where + " ...");
                long start = System.nanoTime();
                double usPerCall = measure(f, p, where);
                double perHead = usPerCall / ((double) dims.batch() * dims.heads());
                progress.accept(where + " done in " + Units.duration((System.nanoTime() - start) / 1e6));
                long feat = f.features(dims.dk());
                report.add(List.of(f.name(), Integer.toString(p), Long.toString(feat), micros(usPerCall),
                                micros(perHead), Integer.toString(steps)),
                        List.of(f.name(), Integer.toString(p), Integer.toString(dims.batch()),
                                Integer.toString(dims.heads()), Integer.toString(dims.dk()),
                                Integer.toString(dims.dv()), Long.toString(feat), Integer.toString(ctx.numThreads()),
                                Integer.toString(steps), LinearReport.num(usPerCall), LinearReport.num(perHead)));
            }
        }
        report.legend("us/call: median over " + repeats.repeats() + " timed runs (after " + repeats.warmup()
                + " untimed) of the mean time of one LinearAttention.step\ncall, Java included, over " + steps
                + " calls in a row (state and normaliser updated in place). us/token·head: us/call / (B·H).\n"
                + "position: tokens prefilled before (random, non-causal run in segments of " + PREFILL_SEGMENT
                + " carrying the state); each timed run restarts from that state.\n");
        return report;
    }

    private static String micros(double us) {
        return Double.isNaN(us) ? Units.NONE : String.format(Locale.ROOT, us >= 100 ? "%.0f" : us >= 10 ? "%.1f"
                : "%.3f", us);
    }

    /** Microseconds per step call at {@code position}. */
    private double measure(FeatureSpec f, int position, String where) {
        long b = dims.batch(), h = dims.heads(), dk = dims.dk(), dv = dims.dv(), feat = f.features(dk);
        try (Arena arena = Arena.ofShared()) {
            LinearAttentionOptions.Builder base = f.options(arena, dk, seed + 5);
            Tensor[] state = {Tensor.allocate(arena, DType.F32, b, h, feat, dv),
                    Tensor.allocate(arena, DType.F32, b, h, feat, dv)};
            Tensor[] norm = {Tensor.allocate(arena, DType.F32, b, h, feat), Tensor.allocate(arena, DType.F32, b, h, feat)};
            int cur = prefill(arena, base, position, state, norm, where);
            // The state at the position, kept to restart every timed run from it.
            MemorySegment savedState = arena.allocate(state[cur].segment().byteSize(), 64);
            MemorySegment savedNorm = arena.allocate(norm[cur].segment().byteSize(), 64);
            savedState.copyFrom(state[cur].segment());
            savedNorm.copyFrom(norm[cur].segment());
            Tensor s = state[cur], z = norm[cur];
            Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, h, dk), seed + 11, -1, 1);
            Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, h, dk), seed + 12, -1, 1);
            Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, h, dv), seed + 13, -1, 1);
            Tensor out = Tensor.allocate(arena, DType.F32, b, h, dv);
            LinearAttentionOptions o = base.causal(true).chunk(0).stateIn(s).normIn(z).build();
            double[] times = new double[repeats.repeats()];
            for (int r = -repeats.warmup(); r < repeats.repeats(); r++) {
                s.segment().copyFrom(savedState);
                z.segment().copyFrom(savedNorm);
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    LinearAttention.step(ctx, q, k, v, o, out, s, z);
                }
                long t1 = System.nanoTime();
                if (r >= 0) times[r] = (t1 - t0) / 1e3 / steps;
            }
            Arrays.sort(times);
            int mid = times.length / 2;
            return times.length % 2 == 1 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
        }
    }

    /**
     * Runs {@code position} random tokens through the non-causal form in segments, carrying the state between the
     * two buffers of {@code state}/{@code norm}; returns the index holding the final state (zeros at position 0).
     */
    private int prefill(Arena arena, LinearAttentionOptions.Builder base, int position, Tensor[] state, Tensor[] norm,
                        String where) {
        long b = dims.batch(), h = dims.heads(), dk = dims.dk(), dv = dims.dv();
        state[0].segment().fill((byte) 0);
        norm[0].segment().fill((byte) 0);
        int cur = 0;
        List<Integer> lengths = new ArrayList<>();
        for (int done = 0; done < position; done += PREFILL_SEGMENT) lengths.add(Math.min(PREFILL_SEGMENT, position - done));
        Tensor[] seg = null;
        long start = System.nanoTime();
        for (int len : lengths) {
            if (seg == null || seg[0].shape(1) != len) {
                seg = new Tensor[] {
                        TensorData.uniform(Tensor.allocate(arena, DType.F32, b, len, h, dk), seed + len, -1, 1),
                        TensorData.uniform(Tensor.allocate(arena, DType.F32, b, len, h, dk), seed + len + 1, -1, 1),
                        TensorData.uniform(Tensor.allocate(arena, DType.F32, b, len, h, dv), seed + len + 2, -1, 1),
                        Tensor.allocate(arena, DType.F32, b, len, h, dv)};
            }
            LinearAttentionOptions o = base.causal(false).chunk(0).stateIn(state[cur]).normIn(norm[cur]).build();
            LinearAttention.run(ctx, seg[0], seg[1], seg[2], o, seg[3], state[1 - cur], norm[1 - cur]);
            cur = 1 - cur;
        }
        if (position > 0) {
            progress.accept(where + ": prefilled in " + Units.duration((System.nanoTime() - start) / 1e6));
        }
        return cur;
    }
}
