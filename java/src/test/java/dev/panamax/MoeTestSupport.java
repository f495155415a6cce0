package dev.panamax;

import static dev.panamax.SelectiveScanTest.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What the {@link MoE} tests share ({@link MoETest}, {@link MoeRouterTest}, {@link MoeValidationTest}): the sizes
 * and inputs of a layer, poisoned router outputs, F64 copies, the bit-for-bit comparison of two float tensors, and the
 * check that an argument is refused in Java with a message naming it.
 */
final class MoeTestSupport {
    static final long T = 23, D = 37, H = 53, E = 5;
    static final int K = 2;

    private MoeTestSupport() {}

    /**
     * A layer's inputs: x [t, d], gateWeight [d, E], the experts' weights (w3, biases present; variants drop them).
     * A class, not a record: the tests in other classes read its fields directly ({@code in.x}).
     */
    static final class Layer {
        final Tensor x, gate, w1, w2, w3, b1, b2, b3;

        private Layer(Tensor x, Tensor gate, Tensor w1, Tensor w2, Tensor w3, Tensor b1, Tensor b2, Tensor b3) {
            this.x = x;
            this.gate = gate;
            this.w1 = w1;
            this.w2 = w2;
            this.w3 = w3;
            this.b1 = b1;
            this.b2 = b2;
            this.b3 = b3;
        }

        static Layer of(Arena arena, long tokens, long seed) {
            double ws = 1 / Math.sqrt(D), hs = 1 / Math.sqrt(H);
            return new Layer(uniform(arena, seed, -1, 1, tokens, D), uniform(arena, seed + 1, -0.6, 0.6, D, E),
                    uniform(arena, seed + 2, -2 * ws, 2 * ws, E, D, H), uniform(arena, seed + 3, -2 * hs, 2 * hs, E, H, D),
                    uniform(arena, seed + 4, -2 * ws, 2 * ws, E, D, H), uniform(arena, seed + 5, -0.3, 0.3, E, H),
                    uniform(arena, seed + 6, -0.3, 0.3, E, D), uniform(arena, seed + 7, -0.3, 0.3, E, H));
        }

        ExpertWeights weights(boolean gated, boolean biases) {
            return new ExpertWeights(w1, w2, gated ? w3 : null, biases ? b1 : null, biases ? b2 : null,
                    gated && biases ? b3 : null);
        }

        long tokens() {
            return x.shape(0);
        }
    }

    /** Router outputs of every kind, poisoned: floats NaN, I32 0x7F7F7F7F, U8 0x7F. */
    static RouterOutputs poisonedOutputs(Arena arena, long tokens, int k, long experts, DType floats) {
        return new RouterOutputs(poisonedInts(arena, DType.I32, tokens, k), TestSupport.poisoned(arena, floats, tokens, k),
                poisonedInts(arena, DType.I32, experts), poisonedInts(arena, DType.U8, tokens, k),
                TestSupport.poisoned(arena, floats, 1), TestSupport.poisoned(arena, floats, 1));
    }

    static Tensor poisonedInts(Arena arena, DType dtype, long... shape) {
        Tensor t = Tensor.allocate(arena, dtype, shape);
        t.segment().fill((byte) 0x7F);
        return t;
    }

    static Tensor f64(Arena arena, Tensor t) {
        Tensor d = Tensor.allocate(arena, DType.F64, t.shape());
        double[] v = t.toDoubleArray();
        MemorySegment.copy(v, 0, d.segment(), ValueLayout.JAVA_DOUBLE, 0, v.length);
        return d;
    }

    static void assertBitsEqual(Tensor want, Tensor got, String what) {
        float[] a = want.toFloatArray(), b = got.toFloatArray();
        assertEquals(a.length, b.length, what + ": element count");
        for (int i = 0; i < a.length; i++) {
            assertFalse(Float.isNaN(b[i]), what + "[" + i + "] not written");
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), what + "[" + i + "]: " + a[i]
                    + " vs " + b[i]);
        }
    }

    static void expect(String start, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        String want = start.contains(":") ? start : start + ":";
        assertTrue(e.getMessage().startsWith(want), "message '" + e.getMessage() + "' should start with " + want);
    }
}
