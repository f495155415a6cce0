package dev.panamax.examples;

import dev.panamax.Attention;
import dev.panamax.AttentionOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.RopeConfig;
import dev.panamax.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A static sparse attention stack over one long sequence, the local-global decomposition of long-context
 * models: layers alternate between local attention (a causal sliding window, RoPE fused in) and global
 * attention (the same window plus a few global tokens that every token sees and that see every token).
 * Each layer's output is added to the residual stream in place, off-heap; the calls allocate nothing.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp bench/target/panamax-bench.jar
 * dev.panamax.examples.LocalGlobalStack [tokens] [layers]}.
 */
public final class LocalGlobalStack {
    private LocalGlobalStack() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 32768;
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        System.out.print(run(n, layers));
    }

    /** Runs the stack and returns its report (one line per layer). */
    public static String run(int n, int layers) {
        final int h = 8, hkv = 2, d = 64, window = 512;
        StringBuilder report = new StringBuilder();
        try (Arena arena = Arena.ofConfined(); Context ctx = Context.create(0)) {
            Tensor x = random(arena, 1, n, h, d);                 // the residual stream, [1, N, H, D]
            Tensor k = random(arena, 1, n, hkv, d);
            Tensor v = random(arena, 1, n, hkv, d);
            Tensor out = Tensor.allocate(arena, DType.F32, 1, n, h, d);
            int[] globals = globalTokens(n);
            RopeConfig rope = RopeConfig.builder().theta(500000).build();

            AttentionOptions local = AttentionOptions.builder().causal(true).window(window, 0).rope(rope).build();
            AttentionOptions global = local.toBuilder()
                    .globalTokens(Tensor.fromInts(arena, globals, globals.length)).build();
            for (int layer = 0; layer < layers; layer++) {
                AttentionOptions o = layer % 2 == 0 ? local : global;
                long start = System.nanoTime();
                Attention.forward(ctx, x, k, v, o, out, null);   // queries from the stream, keys/values fixed
                double ms = (System.nanoTime() - start) / 1e6;
                addInPlace(x, out);
                report.append(String.format(Locale.ROOT, "layer %d  %-6s  %8.1f ms  |x| = %.4f%n", layer,
                        layer % 2 == 0 ? "local" : "global", ms, rms(x)));
            }
            report.append(String.format(Locale.ROOT, "%d tokens, window %d, %d global tokens %s%n", n, window,
                    globals.length, Arrays.toString(Arrays.copyOf(globals, Math.min(6, globals.length)))));
        }
        return report.toString();
    }

    /** The first 4 tokens and one every 2048: a document's opening and its section starts. */
    static int[] globalTokens(int n) {
        return java.util.stream.IntStream.range(0, n).filter(i -> i < 4 || (i > 0 && i % 2048 == 0)).toArray();
    }

    private static Tensor random(Arena arena, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        SplittableRandom r = new SplittableRandom(shape.length * 31L + shape[2]);
        for (long i = 0; i < t.elementCount(); i++) {
            t.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (r.nextDouble() * 2 - 1));
        }
        return t;
    }

    private static void addInPlace(Tensor x, Tensor y) {
        for (long i = 0; i < x.elementCount(); i++) {
            float a = x.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i);
            x.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, a + y.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
    }

    private static double rms(Tensor x) {
        double s = 0;
        for (long i = 0; i < x.elementCount(); i++) {
            double a = x.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i);
            s += a * a;
        }
        return Math.sqrt(s / x.elementCount());
    }
}
