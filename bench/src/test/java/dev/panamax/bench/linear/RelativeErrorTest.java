package dev.panamax.bench.linear;

import dev.panamax.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ‖approx − exact‖_F / ‖exact‖_F. */
class RelativeErrorTest {
    @Test
    void frobeniusRatio() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor exact = Tensor.fromFloats(arena, new float[] {3, 4, 0, 0}, 2, 2);
            assertEquals(0, RelativeError.frobenius(Tensor.fromFloats(arena, new float[] {3, 4, 0, 0}, 2, 2), exact));
            assertEquals(1, RelativeError.frobenius(Tensor.fromFloats(arena, new float[] {0, 0, 0, 0}, 2, 2), exact));
            assertEquals(1, RelativeError.frobenius(Tensor.fromFloats(arena, new float[] {6, 8, 0, 0}, 2, 2), exact),
                    1e-12);
            // diff (0, 0, 3, 4): norm 5 over 5.
            assertEquals(1, RelativeError.frobenius(Tensor.fromFloats(arena, new float[] {3, 4, 3, 4}, 2, 2), exact),
                    1e-12);
            assertEquals(0.2, RelativeError.frobenius(Tensor.fromFloats(arena, new float[] {3, 5, 0, 0}, 2, 2), exact),
                    1e-7);
        }
    }

    @Test
    void nanInfinityAndAZeroReferenceGiveNaN() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor exact = Tensor.fromFloats(arena, new float[] {1, 1}, 2);
            assertTrue(Double.isNaN(RelativeError.frobenius(Tensor.fromFloats(arena, new float[] {Float.NaN, 1}, 2),
                    exact)));
            assertTrue(Double.isNaN(RelativeError.frobenius(
                    Tensor.fromFloats(arena, new float[] {Float.POSITIVE_INFINITY, 1}, 2), exact)));
            assertTrue(Double.isNaN(RelativeError.frobenius(exact, Tensor.fromFloats(arena, new float[] {0, 0}, 2))));
            assertThrows(IllegalArgumentException.class,
                    () -> RelativeError.frobenius(Tensor.fromFloats(arena, new float[] {1}, 1), exact));
        }
    }
}
