package dev.panamax.bench.linear;

import dev.panamax.FeatureMap;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The names of --features and what they mean. */
class FeatureSpecTest {
    @Test
    void parsesMapsAndFavorWithItsFeatureCount() {
        assertEquals(new FeatureSpec(FeatureMap.ELU1, 0), FeatureSpec.parse("elu1"));
        assertEquals(new FeatureSpec(FeatureMap.RELU, 0), FeatureSpec.parse(" ReLU "));
        FeatureSpec favor = FeatureSpec.parse("favor256");
        assertEquals(new FeatureSpec(FeatureMap.FAVOR, 256), favor);
        assertEquals("favor256", favor.name());
        assertEquals(256, favor.features(64));
        assertEquals(64, favor.projectionDk(64));
        assertEquals(64, FeatureSpec.parse("elu1").features(64));
        assertEquals(0, FeatureSpec.parse("elu1").projectionDk(64));
    }

    @Test
    void badNamesSayWhatIsValid() {
        for (String bad : List.of("favor", "favor0", "favorx", "gelu", "favor99999")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureSpec.parse(bad));
            assertTrue(e.getMessage().startsWith("--features:"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class,
                () -> Approximations.parseAll(List.of("elu1", "ELU1"), 0, 1));
    }
}
