package dev.panamax.bench.cli;

import dev.panamax.CausalConv1d;
import dev.panamax.CausalConv1dOptions;
import dev.panamax.Context;
import dev.panamax.DType;
import dev.panamax.SelectiveScan;
import dev.panamax.SelectiveScanOptions;
import dev.panamax.Tensor;
import dev.panamax.bench.report.Units;
import dev.panamax.bench.sweep.TensorData;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * The demo's state-space section: a Mamba block's short conv1d (SiLU) and selective scan over one long
 * sequence (prefill), then decode steps with the step forms, both states updated in place. Checked against
 * the float64 references on a sample of channels (channels are independent, so a strided view of every
 * k-th channel is a complete problem of its own): the conv output, the scan output on the kernel's conv
 * output, both final states, and every decoded token.
 */
final class DemoSsmSection {
    static final int CHANNELS = 1536;   // Mamba-130m's inner width (d_model 768, expand 2)
    static final int STATES = 16;
    static final int WIDTH = 4;
    static final int SAMPLED = 16;      // channels checked against float64
    /**
     * fp32 against float64: the scan's errors stay near 1e-6 of the values' scale whatever L is (decays keep
     * about 100 tokens of history); 1e-4 of |want| plus the RMS catches a wrong token, channel or state.
     */
    static final double TOLERANCE = 1e-4;

    private final Context ctx;
    private final PrintWriter out;
    private final int n;
    private final int steps;
    private final long seed;

    DemoSsmSection(Context ctx, PrintWriter out, int n, int steps, long seed) {
        this.ctx = ctx;
        this.out = out;
        this.n = n;
        this.steps = steps;
        this.seed = seed;
    }

    /** Runs the section; false when a check fails. */
    boolean run(String step) throws Exception {
        long dm = CHANNELS, ns = STATES, w = WIDTH, l = n, t = steps;
        out.printf(Locale.ROOT, "%n%s A Mamba block over a %d-token sequence, then %d decode steps%n", step, n, steps);
        out.printf(Locale.ROOT, "      x [1, %d, %d] -> causal conv1d (width %d, SiLU) -> selective scan (Ns %d, D, z gate, "
                + "delta bias, softplus); then one token at a time through the step forms, states in place.%n",
                n, dm, w, ns);
        try (Arena arena = Arena.ofConfined()) {
            // Prefill inputs; the decode tokens follow them as a second sequence of `steps` tokens.
            Tensor x = rand(arena, seed, -1, 1, 1, l, dm), xd = rand(arena, seed + 1, -1, 1, 1, t, dm);
            Tensor delta = rand(arena, seed + 2, -4, -1, 1, l, dm), deltaD = rand(arena, seed + 3, -4, -1, 1, t, dm);
            Tensor z = rand(arena, seed + 4, -3, 3, 1, l, dm), zd = rand(arena, seed + 5, -3, 3, 1, t, dm);
            Tensor b = rand(arena, seed + 6, -1, 1, 1, l, 1, ns), bd = rand(arena, seed + 7, -1, 1, 1, t, 1, ns);
            Tensor c = rand(arena, seed + 8, -1, 1, 1, l, 1, ns), cd = rand(arena, seed + 9, -1, 1, 1, t, 1, ns);
            Tensor weight = rand(arena, seed + 10, -0.5, 0.5, dm, w), convBias = rand(arena, seed + 11, -0.2, 0.2, dm);
            Tensor a = rand(arena, seed + 12, -8, -0.5, dm, ns);   // A = -exp(A_log) in a trained model
            Tensor d = rand(arena, seed + 13, -1, 1, dm), dtBias = rand(arena, seed + 14, -0.5, 0.5, dm);

            // Prefill.
            Tensor xc = Tensor.allocate(arena, DType.F32, 1, l, dm), y = Tensor.allocate(arena, DType.F32, 1, l, dm);
            Tensor convState = Tensor.allocate(arena, DType.F32, 1, dm, w - 1);
            Tensor ssmState = Tensor.allocate(arena, DType.F32, 1, dm, ns);
            CausalConv1dOptions conv = CausalConv1dOptions.builder().bias(convBias).silu(true).build();
            SelectiveScanOptions scan = SelectiveScanOptions.builder().d(d).z(z).deltaBias(dtBias).deltaSoftplus(true)
                    .build();
            long t0 = System.nanoTime();
            CausalConv1d.run(ctx, x, weight, conv, xc, convState);
            long t1 = System.nanoTime();
            SelectiveScan.run(ctx, xc, delta, a, b, c, scan, y, ssmState);
            long t2 = System.nanoTime();
            // Float64 references on the sampled channels, before the states move on.
            Sample s = new Sample(ctx, dm);
            double convErr = s.checkConv(arena, x, weight, convBias, null, xc, convState);
            double scanErr = s.checkScan(arena, xc, delta, a, b, c, d, z, dtBias, null, y, ssmState);
            Tensor convState0 = copy(arena, convState), ssmState0 = copy(arena, ssmState);

            // Decode: one token at a time, both states in place.
            Tensor xt = Tensor.allocate(arena, DType.F32, 1, dm), ut = Tensor.allocate(arena, DType.F32, 1, dm);
            Tensor yd = Tensor.allocate(arena, DType.F32, 1, t, dm), xcd = Tensor.allocate(arena, DType.F32, 1, t, dm);
            CausalConv1dOptions convStep = conv.toBuilder().stateIn(convState).build();
            long t3 = System.nanoTime();
            for (long i = 0; i < t; i++) {
                CausalConv1d.step(ctx, token(xd, i, dm), weight, convStep, ut, convState);
                SelectiveScan.step(ctx, ut, token(deltaD, i, dm), a, tokenGroups(bd, i, ns), tokenGroups(cd, i, ns),
                        scan.toBuilder().z(token(zd, i, dm)).stateIn(ssmState).build(), token(yd, i, dm), ssmState);
                MemorySegment.copy(ut.segment(), 0, xcd.segment(), i * dm * 4, dm * 4);
            }
            long t4 = System.nanoTime();
            double decodeConvErr = s.checkConv(arena, xd, weight, convBias, convState0, xcd, convState);
            double decodeScanErr = s.checkScan(arena, xcd, deltaD, a, bd, cd, d, zd, dtBias, ssmState0, yd, ssmState);

            double worst = Math.max(Math.max(convErr, scanErr), Math.max(decodeConvErr, decodeScanErr));
            boolean ok = worst <= TOLERANCE;
            out.printf(Locale.ROOT, "      prefill: conv1d %s, selective scan %s (%.2f Gexp/s); decode: %s per token "
                    + "(conv1d step + scan step)%n", Units.duration((t1 - t0) / 1e6), Units.duration((t2 - t1) / 1e6),
                    (double) l * dm * ns / (t2 - t1), Units.duration((t4 - t3) / 1e6 / t));
            out.printf(Locale.ROOT, "      float64 check on %d of %d channels (every token, both final states): worst "
                    + "error %.1e of the values' scale (bound %.0e): %s%n", SAMPLED, dm, worst, TOLERANCE,
                    ok ? "ok" : "FAIL");
            out.flush();
            return ok;
        }
    }

    /** Every (dm / SAMPLED)-th channel: strided views that form complete problems of their own. */
    private static final class Sample {
        final Context ctx;
        final long step;

        Sample(Context ctx, long dm) {
            this.ctx = ctx;
            this.step = dm / SAMPLED;
        }

        /** [.., dm] (last dim channels, stride 1) viewed on the sampled channels. */
        Tensor channels(Tensor t) {
            long[] shape = t.shape().clone(), strides = t.strides().clone();
            int last = t.rank() - 1;
            shape[last] = SAMPLED;
            strides[last] *= step;
            return Tensor.wrap(t.segment(), t.dtype(), shape, strides);
        }

        /** [dm, ...] (first dim channels) viewed on the sampled channels. */
        Tensor rows(Tensor t) {
            long[] shape = t.shape().clone(), strides = t.strides().clone();
            shape[0] = SAMPLED;
            strides[0] *= step;
            return Tensor.wrap(t.segment(), t.dtype(), shape, strides);
        }

        /** [1, dm, k] states viewed on the sampled channels. */
        Tensor states(Tensor t) {
            return Tensor.wrap(t.segment(), t.dtype(), new long[] {1, SAMPLED, t.shape(2)},
                    new long[] {t.stride(0), t.stride(1) * step, t.stride(2)});
        }

        double checkConv(Arena arena, Tensor x, Tensor weight, Tensor bias, Tensor stateIn, Tensor got, Tensor gotState) {
            Tensor want = Tensor.allocate(arena, DType.F64, x.shape(0), x.shape(1), SAMPLED);
            Tensor wantState = Tensor.allocate(arena, DType.F64, 1, SAMPLED, weight.shape(1) - 1);
            CausalConv1dOptions.Builder o = CausalConv1dOptions.builder().bias(rows(bias)).silu(true);
            if (stateIn != null) o.stateIn(states(stateIn));
            CausalConv1d.runReference(ctx, channels(x), rows(weight), o.build(), want, wantState);
            return Math.max(error(channels(got), want), error(states(gotState), wantState));
        }

        double checkScan(Arena arena, Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c, Tensor d, Tensor z,
                         Tensor dtBias, Tensor stateIn, Tensor got, Tensor gotState) {
            Tensor want = Tensor.allocate(arena, DType.F64, u.shape(0), u.shape(1), SAMPLED);
            Tensor wantState = Tensor.allocate(arena, DType.F64, 1, SAMPLED, a.shape(1));
            SelectiveScanOptions.Builder o = SelectiveScanOptions.builder().d(rows(d)).z(channels(z))
                    .deltaBias(rows(dtBias)).deltaSoftplus(true);
            if (stateIn != null) o.stateIn(states(stateIn));
            SelectiveScan.runReference(ctx, channels(u), channels(delta), rows(a), b, c, o.build(), want,
                    wantState);
            return Math.max(error(channels(got), want), error(states(gotState), wantState));
        }

        /** max |got - want| / (|want| + RMS(want)): y sums Ns terms of either sign and can cancel to near 0. */
        static double error(Tensor got, Tensor want) {
            double[] g = got.toDoubleArray(), r = want.toDoubleArray();
            double rms = 0;
            for (double v : r) rms += v * v;
            rms = Math.sqrt(rms / Math.max(1, r.length));
            double worst = 0;
            for (int i = 0; i < r.length; i++) {
                double e = Math.abs(g[i] - r[i]) / (Math.abs(r[i]) + rms + 1e-30);
                if (!(e <= worst)) worst = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
            }
            return worst;
        }
    }

    /** Token i of [1, T, dm] as a [1, dm] view. */
    private static Tensor token(Tensor t, long i, long dm) {
        return Tensor.wrap(t.segment().asSlice(i * dm * 4, dm * 4), DType.F32, 1, dm);
    }

    /** Token i of [1, T, 1, Ns] as a [1, 1, Ns] view. */
    private static Tensor tokenGroups(Tensor t, long i, long ns) {
        return Tensor.wrap(t.segment().asSlice(i * ns * 4, ns * 4), DType.F32, 1, 1, ns);
    }

    /** Uniform values in [lo, hi). */
    private static Tensor rand(Arena arena, long seed, double lo, double hi, long... shape) {
        return TensorData.uniform(Tensor.allocate(arena, DType.F32, shape), seed, lo, hi);
    }

    private static Tensor copy(Arena arena, Tensor t) {
        Tensor c = Tensor.allocate(arena, t.dtype(), t.shape());
        c.segment().copyFrom(t.segment());
        return c;
    }
}
