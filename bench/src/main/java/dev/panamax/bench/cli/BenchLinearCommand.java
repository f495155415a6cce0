package dev.panamax.bench.cli;

import dev.panamax.Context;
import dev.panamax.LinearRule;
import dev.panamax.bench.linear.AccuracyBench;
import dev.panamax.bench.linear.Approximations;
import dev.panamax.bench.linear.CrossoverBench;
import dev.panamax.bench.linear.FeatureSpec;
import dev.panamax.bench.linear.InputKind;
import dev.panamax.bench.linear.LinearDims;
import dev.panamax.bench.linear.LinearReport;
import dev.panamax.bench.linear.RateBench;
import dev.panamax.bench.linear.ScalingSweep;
import dev.panamax.bench.linear.StepBench;
import dev.panamax.bench.peers.LinearPeer;
import dev.panamax.bench.report.Units;
import dev.panamax.bench.sweep.Ceiling;
import dev.panamax.bench.sweep.Repeats;
import dev.panamax.bench.sweep.SgemmRate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** {@code panamax bench linear}: linear attention's scaling, rates, peers, decoding step, accuracy and crossover. */
@Command(name = "linear", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time kernel linear attention (LinearAttention) and the delta-rule recurrence on random "
                + "float32 inputs, or measure how well the feature maps approximate softmax attention. --mode "
                + "picks what is measured:",
                "  scaling    one feature map (default elu1, causal) over N = 1k .. 1M, in GFLOP/s of the chunked "
                        + "algorithm against oneDNN sgemm measured in the same run",
                "  rate       each --features map (default elu1, favor256; causal) and --rules recurrence at N = 64k, "
                        + "in GFLOP/s and %% of sgemm; --peers adds the peers of the same problem",
                "  peers      as rate, with the peers: elu1 causal against ONNX Runtime LinearAttention (rule linear) "
                        + "and gated_delta against its gated_delta rule",
                "  step       the decoding step (LinearAttention.step, Java call included) at positions --n "
                        + "(default 1024, 1048576), in us per call and per token and head",
                "  accuracy   relative Frobenius error of each approximation (default elu1, relu, favor64/128/256) "
                        + "against exact softmax attention, on random, low-rank and peaked inputs, causal and not",
                "  crossover  exact fused attention and each approximation over a grid of N, causal and not: the N "
                        + "from which each is faster",
                "Prints a table (medians of --repeats after --warmup) on stdout. Progress goes to stderr.", ""},
        footer = {"", "Examples:", "  panamax bench linear --mode scaling",
                "  panamax bench linear --mode peers --n 65536",
                "  panamax bench linear --mode accuracy --n 1024,4096 --inputs peaked --features elu1,favor256"})
final class BenchLinearCommand implements Callable<Integer> {
    enum Mode { scaling, rate, peers, step, accuracy, crossover }

    enum Mask { causal, noncausal, both }

    @Spec
    CommandSpec spec;

    @Option(names = "--mode", defaultValue = "scaling", paramLabel = "MODE", order = 1,
            description = "scaling, rate, peers, step, accuracy or crossover (default: ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--n", split = ",", paramLabel = "N", order = 2,
            description = "Sequence lengths (step: positions). Default: scaling 1024,4096,16384,65536,262144,1048576; "
                    + "rate and peers 65536; step 1024,1048576; accuracy 1024,4096,16384; crossover 128,256,...,16384.")
    List<Integer> seqLens;

    @Option(names = "--heads", defaultValue = "8", paramLabel = "H", order = 3,
            description = "Heads H, for queries, keys and values (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--dk", defaultValue = "64", paramLabel = "Dk", order = 4,
            description = "Key dim Dk (default: ${DEFAULT-VALUE}).")
    int dk;

    @Option(names = "--dv", defaultValue = "64", paramLabel = "Dv", order = 5,
            description = "Value dim Dv; accuracy and crossover need Dv = Dk (default: ${DEFAULT-VALUE}).")
    int dv;

    @Option(names = "--features", split = ",", paramLabel = "MAP", order = 6,
            description = "Feature maps: elu1, relu, identity, favor<m> (FAVOR+ with m random features, e.g. "
                    + "favor256). Default: scaling and step elu1; rate elu1,favor256; peers elu1; accuracy and "
                    + "crossover elu1,relu,favor64,favor128,favor256.")
    List<String> features;

    @Option(names = "--rules", split = ",", paramLabel = "RULE", order = 7,
            description = "rate and peers: recurrence rules timed too (LinearRecurrence): linear, gated, delta, "
                    + "gated_delta. Default: rate none, peers gated_delta.")
    List<String> rules;

    @Option(names = "--mask", paramLabel = "MASK", order = 8,
            description = "causal, noncausal or both. Default: both for accuracy and crossover, causal otherwise.")
    Mask mask;

    @Option(names = "--inputs", split = ",", paramLabel = "KIND", order = 9,
            description = "accuracy: random, low-rank, peaked (default: all three).")
    List<String> inputs;

    @Option(names = "--rank", defaultValue = "4", paramLabel = "R", order = 10,
            description = "accuracy: the rank of the low-rank inputs (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--steps", paramLabel = "S", order = 11,
            description = "step: calls per timed run (default: 100000: enough for the JIT to settle the call path).")
    Integer steps;

    @Option(names = "--chunk", defaultValue = "0", paramLabel = "C", order = 12,
            description = "Tokens per chunk of the causal form, 1..256 (default: 0 = the library's, 64).")
    int chunk;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B", order = 13,
            description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    PeersOption peers;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED", order = 15,
            description = "Seed of the random inputs and FAVOR's random matrices (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    ThreadsOption threads;

    @Mixin
    SweepOutput output;

    @Override
    public Integer call() throws Exception {
        LinearDims dims = new LinearDims(batch, heads, dk, dv, chunk);
        checkModeOptions();
        List<Integer> n = seqLens != null ? seqLens : switch (mode) {
            case scaling -> List.of(1024, 4096, 16384, 65536, 262144, 1048576);
            case rate, peers -> List.of(65536);
            case step -> List.of(1024, 1048576);
            case accuracy -> List.of(1024, 4096, 16384);
            case crossover -> List.of(128, 256, 512, 1024, 2048, 4096, 8192, 16384);
        };
        List<String> featureNames = features != null ? features : switch (mode) {
            case scaling, step, peers -> List.of("elu1");
            case rate -> List.of("elu1", "favor256");
            case accuracy, crossover -> Approximations.DEFAULT;
        };
        List<Boolean> masks = masks();
        Repeats repeats = new Repeats(output.warmup, output.repeats, 0);
        requireWritableParent("--csv", output.csv);
        requireWritableParent("--plot", output.plot);
        PrintWriter out = spec.commandLine().getOut();
        Consumer<String> progress = output.progress();
        try (Context ctx = threads.openContext()) {
            switch (mode) {
                case scaling -> {
                    if (featureNames.size() != 1 || masks.size() != 1) {
                        throw new IllegalArgumentException("--features/--mask: scaling times one feature map and one "
                                + "mask at a time, got " + featureNames + " and " + mask);
                    }
                    List<LinearPeer> peerList = peers.load(LinearPeer.class, progress, out);
                    ScalingSweep sweep = new ScalingSweep(ctx, dims, FeatureSpec.parse(featureNames.get(0)),
                            masks.get(0), n, seed, peerList);
                    output.run(sweep, ctx.numThreads(), () -> SgemmRate.measure(ctx));
                }
                case rate, peers -> {
                    List<RateBench.Problem> problems = new ArrayList<>();
                    for (String f : featureNames) {
                        FeatureSpec map = FeatureSpec.parse(f);
                        for (boolean causal : masks) problems.add(RateBench.Problem.attention(map, causal));
                    }
                    List<String> ruleNames = rules != null ? rules
                            : mode == Mode.peers ? List.of("gated_delta") : List.of();
                    for (String r : ruleNames) problems.add(RateBench.Problem.recurrence(parseRule(r)));
                    if (mode == Mode.peers) peers.peers = true;
                    List<LinearPeer> peerList = peers.load(LinearPeer.class, progress, out);
                    RateBench bench = new RateBench(ctx, dims, problems, n, peerList, repeats, seed, progress);
                    out.println(bench.title());
                    out.flush();
                    Ceiling sgemm = ceiling(ctx, progress);
                    print(bench.run(sgemm), out);
                }
                case step -> {
                    List<FeatureSpec> specs = featureNames.stream().map(FeatureSpec::parse).toList();
                    StepBench bench = new StepBench(ctx, dims, specs, n, steps == null ? 100000 : steps, repeats, seed,
                            progress);
                    out.println(bench.title());
                    out.flush();
                    print(bench.run(), out);
                }
                case accuracy -> {
                    List<InputKind> kinds = inputs == null ? List.of(InputKind.values())
                            : inputs.stream().map(InputKind::parse).toList();
                    AccuracyBench bench = new AccuracyBench(ctx, dims, Approximations.parseAll(featureNames, chunk,
                            seed), n, kinds, masks, rank, seed, progress);
                    out.println(bench.title());
                    out.flush();
                    print(bench.run(), out);
                }
                case crossover -> {
                    CrossoverBench bench = new CrossoverBench(ctx, dims, Approximations.parseAll(featureNames, chunk,
                            seed), n, masks, repeats, seed, progress);
                    out.println(bench.title());
                    out.flush();
                    print(bench.run(), out);
                }
            }
        }
        return ExitCodes.OK;
    }

    /** Options that only one mode reads are refused elsewhere rather than silently ignored. */
    private void checkModeOptions() {
        if (output.plot != null && mode != Mode.scaling) {
            throw new IllegalArgumentException("--plot: only with --mode scaling");
        }
        if (rules != null && mode != Mode.rate && mode != Mode.peers) {
            throw new IllegalArgumentException("--rules: only with --mode rate or peers");
        }
        if (inputs != null && mode != Mode.accuracy) {
            throw new IllegalArgumentException("--inputs: only with --mode accuracy");
        }
        if (steps != null && mode != Mode.step) {
            throw new IllegalArgumentException("--steps: only with --mode step");
        }
        if (mask != null && mode == Mode.step) {
            throw new IllegalArgumentException("--mask: the step is causal by nature");
        }
        if (peers.peers && (mode == Mode.step || mode == Mode.accuracy || mode == Mode.crossover)) {
            throw new IllegalArgumentException("--peers: only with --mode scaling, rate or peers");
        }
    }

    private List<Boolean> masks() {
        Mask m = mask != null ? mask : mode == Mode.accuracy || mode == Mode.crossover ? Mask.both : Mask.causal;
        return switch (m) {
            case causal -> List.of(true);
            case noncausal -> List.of(false);
            case both -> List.of(false, true);
        };
    }

    private static LinearRule parseRule(String name) {
        try {
            return LinearRule.fromName(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--rules: unknown rule '" + name
                    + "'; valid: linear, gated, delta, gated_delta");
        }
    }

    private static Ceiling ceiling(Context ctx, Consumer<String> progress) throws Exception {
        progress.accept("measuring the in-run ceiling ...");
        Ceiling c = SgemmRate.measure(ctx);
        progress.accept(c.description() + ": " + Units.oneDecimal(c.rate()) + " GFLOP/s");
        return c;
    }

    private void print(LinearReport report, PrintWriter out) throws Exception {
        out.println();
        out.print(report.render());
        if (output.csv != null) {
            report.writeCsv(output.csv);
            out.println("CSV written to " + output.csv);
        }
        out.flush();
    }

    private static void requireWritableParent(String option, Path file) {
        if (file == null) return;
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(option + " " + file + ": directory " + parent + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + " " + file + " is a directory");
        }
    }
}
