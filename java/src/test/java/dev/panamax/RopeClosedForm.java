package dev.panamax;

/**
 * RoPE's expected values in float64, from the formulas of Hugging Face transformers' modeling_rope_utils
 * (written out here again, independently of the library): inverse frequencies, attention factor, and the
 * rotated output of a contiguous x.
 */
final class RopeClosedForm {
    private RopeClosedForm() {}

    static int rotaryDim(RopeConfig c, long d) {
        return c.rotaryDim() == 0 ? (int) d : c.rotaryDim();
    }

    static double[] invFreq(RopeConfig c, int rd) {
        double base = c.theta();
        if (c.scaling() == RopeScaling.NTK) base *= Math.pow(c.ntkAlpha(), (double) rd / (rd - 2));
        double[] inv = new double[rd / 2];
        for (int i = 0; i < rd / 2; i++) inv[i] = 1.0 / Math.pow(base, 2.0 * i / rd);
        double factor = c.factor();
        switch (c.scaling()) {
            case LINEAR -> {
                for (int i = 0; i < inv.length; i++) inv[i] /= factor;
            }
            case YARN -> {
                double omp = c.originalMaxPosition();
                double low = Math.max(Math.floor(correctionDim(c.betaFast(), rd, base, omp)), 0);
                double high = Math.min(Math.ceil(correctionDim(c.betaSlow(), rd, base, omp)), rd - 1);
                if (low == high) high += 0.001;
                for (int i = 0; i < inv.length; i++) {
                    double ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
                    double extrapolationFactor = 1 - ramp;
                    inv[i] = inv[i] / factor * (1 - extrapolationFactor) + inv[i] * extrapolationFactor;
                }
            }
            case LLAMA3 -> {
                double old = c.originalMaxPosition();
                double lowWavelen = old / c.lowFreqFactor(), highWavelen = old / c.highFreqFactor();
                for (int i = 0; i < inv.length; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowWavelen) {
                        inv[i] /= factor;
                    } else if (wavelen >= highWavelen) {
                        double smooth = (old / wavelen - c.lowFreqFactor()) / (c.highFreqFactor() - c.lowFreqFactor());
                        inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                    }
                }
            }
            default -> { }
        }
        return inv;
    }

    private static double correctionDim(double rotations, int rd, double base, double maxPosition) {
        return rd * Math.log(maxPosition / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }

    static double attentionFactor(RopeConfig c) {
        if (c.attentionFactor() != 0) return c.attentionFactor();
        if (c.scaling() == RopeScaling.YARN && c.factor() > 1) return 0.1 * Math.log(c.factor()) + 1;
        return 1;
    }

    /**
     * rope(x) for a contiguous x {@code [B, N, H, D]} (b = 1 for rank 3) given as doubles, positions per row
     * {@code pos[b * N + n]} before the offset.
     */
    static double[] apply(double[] x, long b, long n, long h, long d, long[] pos, RopeConfig c) {
        int rd = rotaryDim(c, d);
        double[] inv = invFreq(c, rd);
        double af = attentionFactor(c);
        double[] y = x.clone();
        for (long row = 0; row < b * n; row++) {
            double p = pos[(int) row] + c.offset();
            for (long head = 0; head < h; head++) {
                int base = (int) ((row * h + head) * d);
                for (int i = 0; i < rd / 2; i++) {
                    int ia = c.style() == RopeStyle.INTERLEAVED ? 2 * i : i;
                    int ib = c.style() == RopeStyle.INTERLEAVED ? 2 * i + 1 : i + rd / 2;
                    double cos = Math.cos(p * inv[i]) * af, sin = Math.sin(p * inv[i]) * af;
                    y[base + ia] = x[base + ia] * cos - x[base + ib] * sin;
                    y[base + ib] = x[base + ib] * cos + x[base + ia] * sin;
                }
            }
        }
        return y;
    }
}
