package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.reflect.Modifier;

import org.junit.jupiter.api.Test;

class AttentionOptionsTest {
    @Test
    void isAFinalClassWithoutPublicConstructor() {
        assertFalse(AttentionOptions.class.isRecord(), "a record's canonical constructor breaks callers when a field is added");
        assertTrue(Modifier.isFinal(AttentionOptions.class.getModifiers()));
        assertEquals(0, AttentionOptions.class.getConstructors().length);
    }

    @Test
    void builderDefaultsAccessorsAndToBuilder() {
        AttentionOptions d = AttentionOptions.defaults();
        assertFalse(d.causal());
        assertEquals(0f, d.scale());
        assertNull(d.cuSeqlensQ());
        assertFalse(d.isVarlen());
        assertEquals(d, AttentionOptions.builder().build());
        AttentionOptions c = AttentionOptions.builder().causal(true).scale(0.25f).build();
        assertTrue(c.causal());
        assertEquals(0.25f, c.scale());
        AttentionOptions copy = c.toBuilder().build();
        assertEquals(c, copy);
        assertEquals(c.hashCode(), copy.hashCode());
        assertNotEquals(c, c.toBuilder().causal(false).build());
        assertNotEquals(c, c.toBuilder().scale(0.5f).build());
        assertEquals("AttentionOptions[causal=true, scale=0.25, dense]", c.toString());
        assertEquals("AttentionOptions[causal=false, scale=1/sqrt(D), dense]", d.toString());
    }

    @Test
    void varlenOptionsReferToTheirTensors() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor cuQ = Tensor.fromInts(arena, new int[] {0, 3, 5}, 3);
            Tensor cuK = Tensor.fromInts(arena, new int[] {0, 3, 5}, 3);
            AttentionOptions v = AttentionOptions.builder().varlen(cuQ, cuK).build();
            assertTrue(v.isVarlen());
            assertSame(cuQ, v.cuSeqlensQ());
            assertSame(cuK, v.cuSeqlensK());
            assertEquals("AttentionOptions[causal=false, scale=1/sqrt(D), varlen B=2]", v.toString());
            assertEquals(v, v.toBuilder().build());
            assertNotEquals(v, AttentionOptions.builder().varlen(cuK, cuQ).build(), "other tensors, other options");
            assertFalse(v.toBuilder().varlen(null, null).build().isVarlen());
        }
    }

    @Test
    void buildValidates() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionOptions.builder().scale(Float.POSITIVE_INFINITY).build());
        assertTrue(e.getMessage().startsWith("scale: must be finite"), e.getMessage());
        try (Arena arena = Arena.ofConfined()) {
            Tensor cu = Tensor.fromInts(arena, new int[] {0, 3}, 2);
            e = assertThrows(IllegalArgumentException.class, () -> AttentionOptions.builder().varlen(null, cu).build());
            assertTrue(e.getMessage().startsWith("cuSeqlensQ: is null"), e.getMessage());
            Tensor strided = Tensor.wrap(Tensor.fromInts(arena, new int[] {0, 1, 2, 3}, 4).segment(), DType.I32,
                    new long[] {2}, new long[] {2});
            e = assertThrows(IllegalArgumentException.class,
                    () -> AttentionOptions.builder().varlen(strided, cu).build());
            assertTrue(e.getMessage().startsWith("cuSeqlensQ: must be contiguous"), e.getMessage());
        }
    }
}
