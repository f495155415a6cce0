package dev.panamax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

/** {@link RopeConfig}: defaults, validation messages naming the field, equality. */
class RopeConfigTest {
    private static RopeConfig.Builder yarn() {
        return RopeConfig.builder().scaling(RopeScaling.YARN).factor(4).originalMaxPosition(4096);
    }

    private static RopeConfig.Builder llama3() {
        return RopeConfig.builder().scaling(RopeScaling.LLAMA3).factor(8).originalMaxPosition(8192).lowFreqFactor(1)
                .highFreqFactor(4);
    }

    private static void rejects(String prefix, UnaryOperator<RopeConfig.Builder> change) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> change.apply(RopeConfig.builder()).build());
        assertTrue(e.getMessage().startsWith(prefix), "'" + e.getMessage() + "' should start with '" + prefix + "'");
    }

    @Test
    void defaults() {
        RopeConfig c = RopeConfig.builder().build();
        assertEquals(RopeStyle.HALF, c.style());
        assertEquals(RopeScaling.NONE, c.scaling());
        assertEquals(0, c.rotaryDim());
        assertEquals(10000.0, c.theta());
        assertEquals(32f, c.betaFast());
        assertEquals(1f, c.betaSlow());
        assertEquals(0f, c.attentionFactor());
        assertEquals("RopeConfig[HALF, rotaryDim=D, theta=10000.0, scaling=NONE]", c.toString());
    }

    @Test
    void everyBadFieldIsNamed() {
        rejects("style: must not be null", b -> b.style(null));
        rejects("scaling: must not be null", b -> b.scaling(null));
        rejects("rotaryDim: 7 is odd", b -> b.rotaryDim(7));
        rejects("rotaryDim: -2 is negative", b -> b.rotaryDim(-2));
        rejects("rotaryDim: 514 exceeds", b -> b.rotaryDim(514));
        rejects("theta: must be finite and > 0", b -> b.theta(0));
        rejects("theta: must be finite and > 0", b -> b.theta(Double.NaN));
        rejects("attentionFactor: must be finite and >= 0", b -> b.attentionFactor(-1));
        rejects("attentionFactor: must be finite and >= 0", b -> b.attentionFactor(Float.POSITIVE_INFINITY));
        rejects("offset: 1099511627777 is outside", b -> b.offset((1L << 40) + 1));
        rejects("offset: -1099511627777 is outside", b -> b.offset(-(1L << 40) - 1));
        rejects("factor: LINEAR scaling needs a finite value > 0, got 0.0", b -> b.scaling(RopeScaling.LINEAR));
        rejects("factor: LINEAR scaling needs", b -> b.scaling(RopeScaling.LINEAR).factor(Float.NaN));
        rejects("ntkAlpha: NTK scaling needs", b -> b.scaling(RopeScaling.NTK));
        rejects("rotaryDim: NTK scaling needs rotaryDim >= 4", b -> b.scaling(RopeScaling.NTK).ntkAlpha(2).rotaryDim(2));
        rejects("factor: YARN scaling needs", b -> yarn().factor(0));
        rejects("originalMaxPosition: YARN scaling needs", b -> yarn().originalMaxPosition(0));
        rejects("betaFast: YARN scaling needs", b -> yarn().betaFast(0));
        rejects("betaSlow: YARN scaling needs", b -> yarn().betaSlow(-1));
        rejects("theta: YARN scaling divides by ln(theta)", b -> yarn().theta(1));
        rejects("factor: LLAMA3 scaling needs", b -> llama3().factor(-8));
        rejects("originalMaxPosition: LLAMA3 scaling needs", b -> llama3().originalMaxPosition(-1));
        rejects("lowFreqFactor: LLAMA3 scaling needs", b -> llama3().lowFreqFactor(0));
        rejects("highFreqFactor: LLAMA3 scaling needs", b -> llama3().highFreqFactor(0));
        rejects("highFreqFactor: must exceed lowFreqFactor (1.0), got 1.0", b -> llama3().highFreqFactor(1));
    }

    @Test
    void fieldsAScalingDoesNotUseAreIgnored() {
        RopeConfig c = RopeConfig.builder().factor(-5).ntkAlpha(Float.NaN).originalMaxPosition(-1).build();
        assertEquals(RopeScaling.NONE, c.scaling());
    }

    @Test
    void equalityAndBuilderRoundTrip() {
        RopeConfig a = llama3().style(RopeStyle.INTERLEAVED).rotaryDim(64).attentionFactor(1.5f).offset(12).build();
        RopeConfig b = a.toBuilder().build();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a.toString(), b.toString());
        assertNotEquals(a, a.toBuilder().offset(13).build());
        assertNotEquals(a, a.toBuilder().highFreqFactor(5).build());
        assertEquals("RopeConfig[INTERLEAVED, rotaryDim=64, theta=10000.0, scaling=LLAMA3, factor=8.0, "
                + "originalMaxPosition=8192, lowFreqFactor=1.0, highFreqFactor=4.0, attentionFactor=1.5, offset=12]",
                a.toString());
    }
}
