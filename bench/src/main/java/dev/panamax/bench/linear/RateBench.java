package dev.panamax.bench.linear;

import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.FeatureMap;
import dev.panamax.LinearAttention;
import dev.panamax.LinearAttentionOptions;
import dev.panamax.LinearRecurrence;
import dev.panamax.LinearRecurrenceOptions;
import dev.panamax.LinearRule;
import dev.panamax.Panamax;
import dev.panamax.Tensor;
import dev.panamax.bench.peers.LinearPeer;
import dev.panamax.bench.report.Units;
import dev.panamax.bench.sweep.Ceiling;
import dev.panamax.bench.sweep.Repeats;
import dev.panamax.bench.sweep.Rounds;
import dev.panamax.bench.sweep.TensorData;
import dev.panamax.bench.sweep.Timing;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code bench linear --mode rate|peers}: each problem (a feature map, causal or not, through
 * {@code LinearAttention.run}; or a recurrence rule through {@code LinearRecurrence.run}) at each N, rated in
 * GFLOP/s of its chunked algorithm ({@link LinearFlops}) against the in-run sgemm rate, and timed in the same
 * rounds ({@link Rounds}) as every peer that computes the same problem, its output compared with Panamax's.
 */
public final class RateBench {

    /**
     * One timed problem: {@code feature} (with {@code causal}) for kernel linear attention, else {@code rule} for
     * a linear recurrence.
     */
    public record Problem(FeatureSpec feature, boolean causal, LinearRule rule) {
        public Problem {
            if ((feature == null) == (rule == null)) {
                throw new IllegalArgumentException("a problem is a feature map or a rule, not both or neither");
            }
        }

        public static Problem attention(FeatureSpec feature, boolean causal) {
            return new Problem(feature, causal, null);
        }

        public static Problem recurrence(LinearRule rule) {
            return new Problem(null, true, rule);
        }

        /** "elu1 causal", "favor256 non-causal", "gated_delta". */
        public String name() {
            return feature != null ? feature.name() + (causal ? " causal" : " non-causal")
                    : rule.name().toLowerCase(Locale.ROOT);
        }

        /** The peers' name for this problem, or null when no peer problem matches. */
        public LinearPeer.Problem peerProblem() {
            if (feature != null) {
                return feature.map() == FeatureMap.ELU1 && causal ? LinearPeer.Problem.ELU1_CAUSAL : null;
            }
            return rule == LinearRule.GATED_DELTA ? LinearPeer.Problem.GATED_DELTA : null;
        }

        /** The chunked algorithm's flops ({@link LinearFlops}). */
        public double flops(LinearDims d, long n) {
            long c = d.effectiveChunk();
            if (feature != null) {
                return LinearFlops.featureAttention(d.batch(), n, d.heads(), d.heads(), feature.features(d.dk()),
                        d.dv(), causal, c, feature.projectionDk(d.dk()));
            }
            if (rule.delta()) return LinearFlops.deltaRule(d.batch(), n, d.heads(), d.heads(), d.dk(), d.dv(), c);
            // LINEAR and GATED run the feature engine without a map or normaliser (the decays are element-wise).
            return LinearFlops.featureAttention(d.batch(), n, d.heads(), d.heads(), d.dk(), d.dv(), true, c, 0);
        }
    }

    private final Context ctx;
    private final LinearDims dims;
    private final List<Problem> problems;
    private final List<Integer> seqLens;
    private final List<LinearPeer> peers;
    private final Repeats repeats;
    private final long seed;
    private final Consumer<String> progress;

    public RateBench(Context ctx, LinearDims dims, List<Problem> problems, List<Integer> seqLens,
                     List<LinearPeer> peers, Repeats repeats, long seed, Consumer<String> progress) {
        this.ctx = ctx;
        this.dims = dims;
        this.problems = List.copyOf(problems);
        this.seqLens = List.copyOf(seqLens);
        this.peers = List.copyOf(peers);
        this.repeats = repeats;
        this.seed = seed;
        this.progress = progress;
        if (this.problems.isEmpty()) throw new IllegalArgumentException("--features/--rules: nothing to time");
        if (this.seqLens.isEmpty()) throw new IllegalArgumentException("--n: give at least one sequence length");
        for (int n : this.seqLens) dev.panamax.bench.sweep.SweepArgs.positive("--n", n);
    }

    public String title() {
        return String.format(Locale.ROOT, "Linear attention rates (chunked, chunk %d): %s, float32, %d thread(s), "
                + "ISA %s", dims.effectiveChunk(), dims.describe(), ctx.numThreads(), Panamax.cpuIsa().name());
    }

    /** Times every (problem, N) against {@code sgemm} (measured by the caller in this run). */
    public LinearReport run(Ceiling sgemm) throws Exception {
        LinearReport report = new LinearReport(title(),
                List.of("problem", "N", "ms", "GFLOP/s", "% " + sgemm.name(), "peer", "peer ms", "vs peer",
                        "max|diff|"),
                List.of("problem", "n", "batch", "heads", "dk", "dv", "chunk", "threads", "flops", "ms", "gflops",
                        "pct_sgemm", "sgemm_gflops", "peer", "peer_ms", "speedup_vs_peer", "peer_max_abs_diff",
                        "peer_skipped"));
        int total = problems.size() * seqLens.size(), step = 0;
        for (Problem p : problems) {
            for (int n : seqLens) {
                String where = "[" + (++step) + "/" + total + "] " + p.name() + " N=" + n;
                progress.accept(where + " ...");
                long start = System.nanoTime();
                measure(p, n, sgemm, report, where);
                progress.accept(where + " done in " + Units.duration((System.nanoTime() - start) / 1e6));
            }
        }
        report.legend(legend(sgemm, problems.stream().anyMatch(p -> p.peerProblem() != null
                && peers.stream().anyMatch(x -> x.supports(p.peerProblem())))));
        return report;
    }

    private void measure(Problem p, int n, Ceiling sgemm, LinearReport report, String where) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Inputs in = inputs(arena, p, n);
            Timing.Action ours = in.action;
            List<LinearPeer> mine = new ArrayList<>();
            LinearPeer.Problem pp = p.peerProblem();
            for (LinearPeer peer : peers) {
                if (pp != null && peer.supports(pp)) mine.add(peer);
            }
            List<LinearPeer.Prepared> prepared = new ArrayList<>();
            List<Tensor> peerOuts = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            try {
                for (LinearPeer peer : mine) {
                    Tensor out = Tensor.allocate(arena, DType.F32, in.out.shape());
                    LinearPeer.LinearShape shape = new LinearPeer.LinearShape(pp, dims.batch(), n, dims.heads(),
                            dims.dk(), dims.dv());
                    try {
                        prepared.add(peer.prepare(shape, in.q, in.k, in.v, in.decay, in.beta, out, ctx.numThreads()));
                        skipped.add(null);
                    } catch (Exception | LinkageError e) {
                        prepared.add(null);
                        skipped.add(failed(e));
                        progress.accept(where + ": peer " + peer.name() + " " + failed(e));
                    }
                    peerOuts.add(out);
                }
                List<Rounds.Entry> entries = new ArrayList<>(List.of(new Rounds.Entry(ours, false)));
                List<Integer> running = new ArrayList<>();
                for (int i = 0; i < prepared.size(); i++) {
                    if (prepared.get(i) != null) {
                        entries.add(new Rounds.Entry(prepared.get(i)::run, true));
                        running.add(i);
                    }
                }
                List<Rounds.Outcome> outcomes = Rounds.run(repeats.warmup(), repeats.repeats(), 0,
                        Rounds.REWARM_BELOW_MILLIS, entries);
                double ms = outcomes.get(0).millis();
                double[] peerMs = new double[mine.size()];
                double[] diff = new double[mine.size()];
                java.util.Arrays.fill(peerMs, Double.NaN);
                java.util.Arrays.fill(diff, Double.NaN);
                // Panamax's output as of its last timed run: the peers run after it in each round, on other buffers.
                for (int r = 0; r < running.size(); r++) {
                    int i = running.get(r);
                    Rounds.Outcome o = outcomes.get(r + 1);
                    if (o.failure() != null) {
                        skipped.set(i, failed(o.failure()));
                        progress.accept(where + ": peer " + mine.get(i).name() + " " + failed(o.failure()));
                        continue;
                    }
                    peerMs[i] = o.millis();
                    prepared.get(i).writeOutput();
                    diff[i] = TensorData.maxAbsDiff(peerOuts.get(i), in.out);
                }
                double flops = p.flops(dims, n);
                double rate = flops / (ms * 1e6);
                double pct = 100 * rate / sgemm.rate();
                List<String> ourCells = List.of(p.name(), Integer.toString(n), Units.millis(ms), Units.oneDecimal(rate),
                        Units.oneDecimal(pct));
                List<String> ourCsv = List.of(p.name(), Integer.toString(n), Integer.toString(dims.batch()),
                        Integer.toString(dims.heads()), Integer.toString(dims.dk()), Integer.toString(dims.dv()),
                        Long.toString(dims.effectiveChunk()), Integer.toString(ctx.numThreads()), LinearReport.num(flops),
                        LinearReport.num(ms), LinearReport.num(rate), LinearReport.num(pct),
                        LinearReport.num(sgemm.rate()));
                if (mine.isEmpty()) {
                    report.add(concat(ourCells, List.of(Units.NONE, Units.NONE, Units.NONE, Units.NONE)),
                            concat(ourCsv, List.of("", "", "", "", "")));
                }
                for (int i = 0; i < mine.size(); i++) {
                    if (skipped.get(i) != null) {
                        report.appendSection(mine.get(i).name() + " not run on " + p.name() + " N=" + n + ": "
                                + skipped.get(i) + "\n");
                    }
                    double speedup = peerMs[i] / ms;
                    report.add(concat(ourCells, List.of(mine.get(i).name(), Units.millis(peerMs[i]),
                                    Units.times(speedup), Units.error(diff[i]))),
                            concat(ourCsv, List.of(csvText(mine.get(i).name()), LinearReport.num(peerMs[i]),
                                    LinearReport.num(speedup), LinearReport.num(diff[i]),
                                    skipped.get(i) == null ? "" : csvText(skipped.get(i)))));
                }
            } finally {
                for (LinearPeer.Prepared pr : prepared) {
                    if (pr != null) pr.close();
                }
            }
        }
    }

    /** A problem's inputs, outputs and the Panamax call. */
    private record Inputs(Tensor q, Tensor k, Tensor v, Tensor decay, Tensor beta, Tensor out, Timing.Action action) {}

    private Inputs inputs(Arena arena, Problem p, int n) {
        long b = dims.batch(), h = dims.heads(), dk = dims.dk(), dv = dims.dv();
        Tensor q = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h, dk), seed, -1, 1);
        Tensor k = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h, dk), seed + 1, -1, 1);
        Tensor v = TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h, dv), seed + 2, -1, 1);
        Tensor out = Tensor.allocate(arena, DType.F32, b, n, h, dv);
        if (p.feature() != null) {
            LinearAttentionOptions o = p.feature().options(arena, dk, seed + 5).causal(p.causal())
                    .chunk(dims.chunk()).build();
            long f = p.feature().features(dk);
            Tensor state = Tensor.allocate(arena, DType.F32, b, h, f, dv);
            Tensor norm = Tensor.allocate(arena, DType.F32, b, h, f);
            return new Inputs(q, k, v, null, null, out,
                    () -> LinearAttention.run(ctx, q, k, v, o, out, state, norm));
        }
        LinearRule rule = p.rule();
        // The delta rules want unit keys (ORT's schema says so too); queries get the same treatment.
        if (rule.delta()) {
            LinearInputs.normalizeRows(q);
            LinearInputs.normalizeRows(k);
        }
        Tensor decay = rule.gated()
                ? TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h), seed + 3, 0.9, 1.0) : null;
        Tensor beta = rule.delta()
                ? TensorData.uniform(Tensor.allocate(arena, DType.F32, b, n, h), seed + 4, 0.05, 0.95) : null;
        LinearRecurrenceOptions o = LinearRecurrenceOptions.builder().decay(decay).beta(beta).chunk(dims.chunk())
                .build();
        Tensor state = Tensor.allocate(arena, DType.F32, b, h, dk, dv);
        return new Inputs(q, k, v, decay, beta, out, () -> LinearRecurrence.run(ctx, rule, q, k, v, o, out, state));
    }

    private String legend(Ceiling sgemm, boolean withPeers) {
        String peers = !withPeers ? "" : "vs peer: peer ms / Panamax ms. onnxruntime LinearAttention (linear) gets "
                + "φ(q), φ(k) and v with a column of ones\nappended, formed once outside the timing, and its numerator "
                + "is divided by the normaliser column after the timing;\n(gated_delta) gets log(decay), also outside "
                + "the timing. max|diff|: largest |peer out - Panamax out|.\n";
        return "ms: median wall time after warm-up; Panamax and its peers run once per round, in turn. GFLOP/s counts "
                + "the chunked\nalgorithm's multiply-adds (2 flops each; masked intra-chunk products by their lower "
                + "triangle, see LinearFlops):\nper chunk of q tokens and head, feature maps q(q+1)/2·(F + Dv) + "
                + "2·q·F·Dv (FAVOR adds m·Dk per q and k row; the normaliser's sums are not counted);\nrules linear "
                + "and gated the same with F = Dk; delta rules q(q+1)/2·(2Dk + 2Dv) + q³/6 + 3·q·Dk·Dv.\n"
                + "Inputs uniform in [-1, 1); the delta rules get unit q and k rows; decay in [0.9, 1), beta in "
                + "[0.05, 0.95).\nEvery call also writes the final state (and normaliser).\n"
                + "% " + sgemm.name() + ": of " + sgemm.description() + " in this run (" + Units.oneDecimal(sgemm.rate())
                + " GFLOP/s).\n" + peers;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static String csvText(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    private static String failed(Throwable e) {
        return "failed: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    }
}
