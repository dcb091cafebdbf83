package dev.memkit.budget;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Classification and reactions, driven by simulated readings. */
class PressureMonitorTest {

    @Test
    void classifiesWithHysteresis() {
        PressureMonitor m = PressureMonitor.builder().thresholds(0.75, 0.90, 0.05).build();
        assertEquals(PressureLevel.NORMAL, m.submit(0.50, 0));
        assertEquals(PressureLevel.ELEVATED, m.submit(0.76, 0));
        assertEquals(PressureLevel.ELEVATED, m.submit(0.72, 0), "inside the hysteresis band: stays");
        assertEquals(PressureLevel.NORMAL, m.submit(0.69, 0));
        assertEquals(PressureLevel.CRITICAL, m.submit(0.95, 0), "jumps straight to CRITICAL");
        assertEquals(PressureLevel.CRITICAL, m.submit(0.86, 0));
        assertEquals(PressureLevel.ELEVATED, m.submit(0.84, 0));
        assertEquals(PressureLevel.NORMAL, m.submit(0.10, 0));
        assertEquals(PressureLevel.CRITICAL, m.submit(0.10, 0.93), "RSS counts as much as the heap");
        assertEquals(0.93, m.lastPressure(), 1e-9);
    }

    @Test
    void reactsOnChangesOnlyAndSurvivesAFailingListener() {
        MemoryBudget root = MemoryBudget.root("p", 1000);
        MemoryBudget cache = root.child("cache", 1000);
        List<String> changes = new ArrayList<>();
        PressureMonitor m = PressureMonitor.builder().breaker(root)
                .listener((a, b) -> {
                    throw new IllegalStateException("a broken listener");
                })
                .listener((a, b) -> changes.add(a + "->" + b)).build();
        m.submit(0.8, 0);
        m.submit(0.8, 0);
        assertFalse(root.breakerOpen());
        m.submit(0.95, 0);
        assertTrue(root.breakerOpen());
        assertFalse(cache.tryReserve(1), "non-critical refused at CRITICAL");
        m.submit(0.2, 0);
        assertFalse(root.breakerOpen());
        assertTrue(cache.tryReserve(1));
        assertEquals(List.of("NORMAL->ELEVATED", "ELEVATED->CRITICAL", "CRITICAL->NORMAL"), changes);
    }

    @Test
    void badThresholdsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> PressureMonitor.builder().thresholds(0.9, 0.8, 0.05));
        assertThrows(IllegalArgumentException.class, () -> PressureMonitor.builder().thresholds(0, 0.8, 0));
        assertThrows(IllegalArgumentException.class, () -> PressureMonitor.builder().thresholds(0.5, 0.8, 0.6));
        assertThrows(IllegalArgumentException.class, () -> PressureMonitor.builder().rssLimitBytes(0));
    }

    @Test
    void softMaxHeapSteeringIsHarmlessUnderG1() {
        PressureMonitor m = PressureMonitor.builder().steerSoftMaxHeap(true).build().start();
        try {
            m.submit(0.95, 0);
            m.submit(0.0, 0);
            assertEquals(PressureLevel.NORMAL, m.level());
            assertFalse(PressureMonitor.collectorHonoursSoftMaxHeap(), "tests run on the default collector, G1");
        } finally {
            m.close();
        }
    }
}
