package dev.memkit.budget;

import dev.memkit.internal.LimitConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LimitConfigTest {
    private static final long GIB = 1L << 30;

    private static Properties props(String value) {
        Properties p = new Properties();
        if (value != null) {
            p.setProperty(LimitConfig.PROPERTY, value);
        }
        return p;
    }

    @Test
    void propertyBeatsEnvironmentBeatsDerivedDefault() {
        assertEquals(2 * GIB, LimitConfig.resolve(props("2g"), Map.of("MEMKIT_LIMIT", "3g"), 16 * GIB, GIB).bytes());
        assertEquals(3 * GIB, LimitConfig.resolve(props(null), Map.of("MEMKIT_LIMIT", "3g"), 16 * GIB, GIB).bytes());
        LimitConfig.Resolved derived = LimitConfig.resolve(props(null), Map.of(), 16 * GIB, 4 * GIB);
        assertEquals(12 * GIB, derived.bytes(), "memory minus max heap");
        assertTrue(derived.source().contains("minus max heap"), derived.source());
        assertEquals(64L << 20, LimitConfig.resolve(props(null), Map.of(), GIB, GIB).bytes(), "a floor");
    }

    @Test
    void percentagesAreOfTheMachineOrContainer() {
        assertEquals(8 * GIB, LimitConfig.resolve(props(null), Map.of("MEMKIT_LIMIT", "50%"), 16 * GIB, GIB)
                .bytes());
    }

    @Test
    void badValuesNameTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LimitConfig.resolve(props(null), Map.of("MEMKIT_LIMIT", "lots"), GIB, 0));
        assertTrue(e.getMessage().startsWith("MEMKIT_LIMIT"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LimitConfig.resolve(props("2q"), Map.of(), GIB, 0));
        assertTrue(e.getMessage().startsWith("-Dmemkit.limit"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> LimitConfig.resolve(props("150%"), Map.of(), GIB, 0));
        assertThrows(IllegalArgumentException.class, () -> LimitConfig.resolve(props("0"), Map.of(), GIB, 0));
        assertThrows(IllegalArgumentException.class, () -> LimitConfig.resolve(props("-1g"), Map.of(), GIB, 0));
    }
}
