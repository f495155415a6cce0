package dev.panamax.bench.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TextTableTest {
    @Test
    void rightAlignsUnderARule() {
        String table = new TextTable("N", "ms").addRow("512", "1.25").addRow("16384", "812").render();
        assertEquals("""
                    N    ms
                -----  ----
                  512  1.25
                16384   812
                """, table);
    }

    @Test
    void rowWidthMustMatch() {
        assertThrows(IllegalArgumentException.class, () -> new TextTable("a", "b").addRow("1"));
    }

    @Test
    void units() {
        assertEquals("512 B", Units.bytes(512));
        assertEquals("1.50 KiB", Units.bytes(1536));
        assertEquals("32.0 MiB", Units.bytes(32L << 20));
        assertEquals("2.00 GiB", Units.bytes(2L << 30));
        assertEquals("-", Units.bytes(-1));
        assertEquals("812", Units.millis(812.4));
        assertEquals("12.3", Units.millis(12.34));
        assertEquals("1.23", Units.millis(1.234));
        assertEquals("0.123", Units.millis(0.1234));
        assertEquals("-", Units.millis(Double.NaN));
        assertEquals("25x", Units.times(24.9));
        assertEquals("3.8x", Units.times(3.76));
        assertEquals("1.50 s", Units.duration(1500));
    }
}
