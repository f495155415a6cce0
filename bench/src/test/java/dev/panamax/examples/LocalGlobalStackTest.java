package dev.panamax.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The README's local-global example runs and keeps the stream finite. */
class LocalGlobalStackTest {
    @Test
    void runsFourLayersOnAShortSequence() {
        String report = LocalGlobalStack.run(5000, 4);
        assertEquals(5, report.lines().count(), report);
        assertTrue(report.contains("layer 3  global"), report);
        assertFalse(report.contains("NaN") || report.contains("Infinity"), report);
    }

    @Test
    void globalTokensAreTheOpeningAndSectionStarts() {
        assertEquals("[0, 1, 2, 3, 2048, 4096]", java.util.Arrays.toString(LocalGlobalStack.globalTokens(5000)));
    }
}
